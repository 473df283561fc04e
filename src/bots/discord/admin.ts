import type { Requester } from '../../core/request.js';
import { type AdminCommand, type AdminSubName, adminSpec } from '../../desk/admin.js';
import { DISCORD_ADMIN } from './commands.js';
import { DISCORD } from './platform.js';

/**
 * An `/admin` interaction's options as the desk's `AdminCommand`: the subcommand, each text argument
 * by its declared name, and the member, role or channel Discord resolved. Pure: tested with plain
 * objects; the bot hands over the interaction's own option resolver.
 */

/** A user as discord.js resolves it (`User`), or as the API does (`resolved.users[id]`). */
interface UserLike {
  id: string;
  username?: string;
}

/** A role or channel as discord.js resolves it, or as the API does. */
interface NamedLike {
  id: string;
  name?: string | null;
}

/** The part of `/admin`'s options we read; a `ChatInputCommandInteraction['options']` is one. */
export interface AdminOptions {
  getSubcommand(required?: boolean): string | null;
  getString(name: string): string | null;
  getUser(name: string): UserLike | null;
  getRole(name: string): NamedLike | null;
  getChannel(name: string): NamedLike | null;
}

const named = (x: NamedLike): { id: string; name?: string } => ({
  id: x.id,
  ...(typeof x.name === 'string' && x.name !== '' ? { name: x.name } : {}),
});

/** The command, or undefined for a subcommand this version does not offer (a stale registration). */
export function adminCommandOf(options: AdminOptions): AdminCommand | undefined {
  const sub = options.getSubcommand(false);
  if (!sub || !DISCORD_ADMIN.some((s) => s.name === sub)) return undefined;
  const spec = adminSpec(sub as AdminSubName);
  const args: Record<string, string> = {};
  const cmd: AdminCommand = { sub: spec.name, args };
  for (const arg of spec.args) {
    switch (arg.kind) {
      case 'user': {
        const user = options.getUser(arg.name);
        if (user) {
          const requester: Requester = { platform: DISCORD, userId: user.id };
          if (user.username) requester.displayName = user.username;
          cmd.user = requester;
        }
        break;
      }
      case 'role': {
        const role = options.getRole(arg.name);
        if (role) cmd.role = named(role);
        break;
      }
      case 'channel': {
        const channel = options.getChannel(arg.name);
        if (channel) cmd.channel = named(channel);
        break;
      }
      default: {
        const value = options.getString(arg.name)?.trim();
        if (value) args[arg.name] = value;
      }
    }
  }
  return cmd;
}
