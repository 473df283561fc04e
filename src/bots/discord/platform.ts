import { InteractionContextType, PermissionFlagsBits, type RepliableInteraction } from 'discord.js';
import { z } from 'zod';
import type { DeliveryTarget } from '../../core/ports.js';
import type { Requester } from '../../core/request.js';
import type { Caller, Place } from '../../desk/place.js';
import { discordPlatform } from './descriptor.js';

/** The platform's name: in delivery targets, requesters (quota keys) and as the media source kind. */
export const DISCORD = discordPlatform.name;
/** The namespace of Discord's status records in Redis (see `desk/status-store.ts`). */
export const DISCORD_STORE = 'dc';

/**
 * Where a Discord job's outcome goes: the slash command's reply. The same fields as before targets
 * became opaque, so jobs queued before the upgrade still parse. The interaction token lets anyone
 * post as the bot for 15 minutes: it travels in the job because delivery needs it, and is never logged.
 */
export const discordTargetSchema = z.object({
  applicationId: z.string().min(1),
  interactionToken: z.string().min(1),
  /** When the interaction was created (epoch ms): its token works until 15 min after. */
  interactionAt: z.number(),
  channelId: z.string(),
  guildId: z.string().optional(),
  /** The requester, mentioned by a fallback channel message. */
  userId: z.string().min(1),
  /** The interaction's upload limit in bytes (`attachment_size_limit`). */
  attachmentSizeLimit: z.number().int().positive(),
  /** Whether the bot may post (with files) in the channel itself: the fallback when the token is dead. */
  canPostInChannel: z.boolean(),
});
export type DiscordTarget = z.infer<typeof discordTargetSchema>;

/** What the bot needs to post in a channel without the interaction token. */
const CHANNEL_POST =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.AttachFiles;

/** The delivery target of an interaction: its reply, and the channel as the fallback. */
export function targetOf(interaction: RepliableInteraction): DeliveryTarget {
  const inBotDm = interaction.context === InteractionContextType.BotDM;
  const perms = interaction.appPermissions;
  const data: DiscordTarget = {
    applicationId: interaction.applicationId,
    interactionToken: interaction.token,
    interactionAt: interaction.createdTimestamp,
    channelId: interaction.channelId ?? '',
    userId: interaction.user.id,
    attachmentSizeLimit: interaction.attachmentSizeLimit,
    canPostInChannel: Boolean(interaction.channelId) && (inBotDm || (perms?.has(CHANNEL_POST) ?? false)),
  };
  if (interaction.guildId) data.guildId = interaction.guildId;
  return { platform: DISCORD, data };
}

/** The Discord data of a target; throws when the target is another platform's or malformed. */
export function discordTarget(target: DeliveryTarget): DiscordTarget {
  if (target.platform !== DISCORD) throw new Error(`discord delivery given a ${target.platform} target`);
  return discordTargetSchema.parse(target.data);
}

/** Who pressed or typed: their Discord user id scopes their quota. */
export const requesterOf = (interaction: RepliableInteraction): Requester => ({
  platform: DISCORD,
  userId: interaction.user.id,
  displayName: interaction.user.username,
});

/** Where an interaction happened: its server (absent in a DM) and channel. */
export function placeOf(interaction: Pick<RepliableInteraction, 'guildId' | 'channelId'>): Place {
  const place: Place = { platform: DISCORD };
  if (interaction.guildId) place.community = interaction.guildId;
  if (interaction.channelId) place.channel = interaction.channelId;
  return place;
}

/**
 * The member's role ids in the server: a cached `GuildMember`'s role cache, or the raw
 * `APIInteractionGuildMember.roles` Discord sends when the server is not cached (no Guilds intent).
 */
export function rolesOf(member: unknown): string[] | undefined {
  if (typeof member !== 'object' || member === null || !('roles' in member)) return undefined;
  const roles = (member as { roles: unknown }).roles;
  if (Array.isArray(roles)) return roles.filter((r): r is string => typeof r === 'string');
  const cache = (roles as { cache?: { keys(): Iterable<string> } } | null)?.cache;
  return cache ? [...cache.keys()] : undefined;
}

/**
 * The desk's caller of an interaction: who, where, with which roles, and whether Discord counts them
 * an admin of the server (Manage Server, checked when the command runs: `default_member_permissions`
 * only hides `/admin` in up-to-date clients).
 */
export function callerOf(interaction: RepliableInteraction): Caller {
  const caller: Caller = {
    requester: requesterOf(interaction),
    place: placeOf(interaction),
    chatAdmin: async () => interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
  const roles = rolesOf(interaction.member);
  if (roles) caller.roles = roles;
  return caller;
}
