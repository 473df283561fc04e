import type {
  APIApplicationCommandBasicOption,
  APIApplicationCommandSubcommandOption,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type AdminOptions, adminCommandOf } from '../../../src/bots/discord/admin.js';
import { buildCommands, DISCORD_ADMIN, TEXT_CHANNEL_TYPES } from '../../../src/bots/discord/commands.js';
import { renderDoc } from '../../../src/bots/discord/markdown.js';
import { placeOf, rolesOf } from '../../../src/bots/discord/platform.js';
import { CATALOG } from '../../../src/catalog/models.js';
import type { ModelSpec } from '../../../src/core/catalog.js';
import { ADMIN, adminFor } from '../../../src/desk/admin.js';

type Command = RESTPostAPIChatInputApplicationCommandsJSONBody;
type Sub = APIApplicationCommandSubcommandOption;
type Option = APIApplicationCommandBasicOption;

const adminOf = (catalog: readonly ModelSpec[] = CATALOG): Command => {
  const found = buildCommands(catalog).find((c) => c.name === 'admin');
  if (!found) throw new Error('no /admin');
  return found;
};
const subs = (c: Command): Sub[] => (c.options ?? []) as Sub[];
const sub = (c: Command, name: string): Sub => {
  const found = subs(c).find((s) => s.name === name);
  if (!found) throw new Error(`/admin has no ${name}`);
  return found;
};
const optionsOf = (s: Sub): Option[] => s.options ?? [];
const choiceValues = (o: Option): unknown[] =>
  'choices' in o && o.choices ? o.choices.map((c) => c.value) : [];

describe('/admin as Discord commands: derived from the desk’s declaration', () => {
  const admin = adminOf();

  it('has one subcommand per entry the declaration offers a platform with roles and channels, in its order', () => {
    expect(DISCORD_ADMIN.map((s) => s.name)).toEqual(
      adminFor({ roles: true, channels: true }).map((s) => s.name),
    );
    expect(subs(admin).map((s) => [s.type, s.name, s.description])).toEqual(
      ADMIN.map((s) => [1, s.name, s.summary]),
    );
  });

  it('is shown only to members with Manage Server, in servers and in the bot’s DMs', () => {
    // ManageGuild is 1 << 5; Discord takes the bitfield as a decimal string.
    expect(admin.default_member_permissions).toBe('32');
    expect(admin.contexts).toEqual([0, 1]);
    expect(admin.description).toBe('Settings, limits and moderation (admins only)');
  });

  it('turns each argument into an option of its kind, required as declared', () => {
    for (const spec of DISCORD_ADMIN) {
      const options = optionsOf(sub(admin, spec.name));
      expect(options.map((o) => o.name).sort()).toEqual(spec.args.map((a) => a.name).sort());
      for (const arg of spec.args) {
        const o = options.find((x) => x.name === arg.name) as Option;
        expect(Boolean('required' in o && o.required)).toBe(arg.required);
        expect(o.description).toBe(arg.summary);
      }
    }
    // Credits are text, so `off` can be typed.
    expect(optionsOf(sub(admin, 'limit'))).toEqual([
      {
        type: 3,
        name: 'credits',
        description: 'Credits per member per day, or off for the default',
        required: true,
        max_length: 20,
      },
    ]);
    expect(optionsOf(sub(admin, 'tier')).map((o) => [o.name, o.type])).toEqual([
      ['role', 8],
      ['credits', 3],
    ]);
    for (const name of ['block', 'unblock', 'reset']) {
      expect(optionsOf(sub(admin, name))).toEqual([
        { type: 6, name: 'user', description: 'The member', required: true },
      ]);
    }
    const channel = optionsOf(sub(admin, 'channels')).find((o) => o.name === 'channel') as Option;
    expect(channel).toMatchObject({ type: 7, channel_types: [...TEXT_CHANNEL_TYPES] });
    expect(TEXT_CHANNEL_TYPES).toContain(0);
    expect(TEXT_CHANNEL_TYPES).not.toContain(4); // no categories
    const words = optionsOf(sub(admin, 'words'));
    expect(words.map((o) => [o.name, o.type])).toEqual([
      ['action', 3],
      ['word', 3],
    ]);
    expect(choiceValues(words[0] as Option)).toEqual(['add', 'remove']);
    expect(words[1]).toMatchObject({ max_length: 60 });
    expect(optionsOf(sub(admin, 'cancel'))[0]).toMatchObject({ type: 3, name: 'job', required: true });
    for (const name of ['settings', 'pause', 'resume', 'stats'])
      expect(sub(admin, name).options).toBeUndefined();
  });

  it('suggests models as they are typed, and offers fixed choices as declared', () => {
    const [action, model] = optionsOf(sub(admin, 'models'));
    expect(choiceValues(action as Option)).toEqual(['allow', 'deny']);
    expect(model).toMatchObject({ type: 3, name: 'model', autocomplete: true });
    expect(choiceValues(model as Option)).toEqual([]);
    expect(optionsOf(sub(admin, 'default'))).toEqual([
      expect.objectContaining({ type: 3, name: 'model', required: true, autocomplete: true }),
    ]);
  });

  it('puts required options before optional ones, as Discord wants', () => {
    for (const s of subs(admin)) {
      const required = optionsOf(s).map((o) => Boolean('required' in o && o.required));
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });

  it('/history takes no options, and is shown to everyone', () => {
    const history = buildCommands(CATALOG).find((c) => c.name === 'history');
    expect(history).toEqual({
      type: 1,
      name: 'history',
      description: 'Your last 10 videos, and posting one again',
    });
  });
});

/** Options as discord.js resolves them, from plain values. */
function options(
  subcommand: string | null,
  values: {
    strings?: Record<string, string>;
    users?: Record<string, { id: string; username?: string }>;
    roles?: Record<string, { id: string; name?: string | null }>;
    channels?: Record<string, { id: string; name?: string | null }>;
  } = {},
): AdminOptions {
  return {
    getSubcommand: () => subcommand,
    getString: (name) => values.strings?.[name] ?? null,
    getUser: (name) => values.users?.[name] ?? null,
    getRole: (name) => values.roles?.[name] ?? null,
    getChannel: (name) => values.channels?.[name] ?? null,
  };
}

describe('adminCommandOf: an /admin interaction as the desk’s command', () => {
  it("a ChatInputCommandInteraction's options are AdminOptions", () => {
    expectTypeOf<ChatInputCommandInteraction['options']>().toExtend<AdminOptions>();
  });

  it('text arguments by their declared names, trimmed; empty ones left out', () => {
    expect(adminCommandOf(options('limit', { strings: { credits: ' 1,350 ' } }))).toEqual({
      sub: 'limit',
      args: { credits: '1,350' },
    });
    expect(adminCommandOf(options('words', { strings: { action: 'add', word: '  ' } }))).toEqual({
      sub: 'words',
      args: { action: 'add' },
    });
  });

  it('a member as a requester named by username; a role and a channel with their names', () => {
    expect(adminCommandOf(options('block', { users: { user: { id: '42', username: 'bob' } } }))).toEqual({
      sub: 'block',
      args: {},
      user: { platform: 'discord', userId: '42', displayName: 'bob' },
    });
    const tier = options('tier', { roles: { role: { id: '7', name: 'vip' } }, strings: { credits: '1400' } });
    expect(adminCommandOf(tier)).toEqual({
      sub: 'tier',
      args: { credits: '1400' },
      role: { id: '7', name: 'vip' },
    });
    const channels = options('channels', {
      strings: { action: 'allow' },
      channels: { channel: { id: '9', name: null } },
    });
    expect(adminCommandOf(channels)).toEqual({
      sub: 'channels',
      args: { action: 'allow' },
      channel: { id: '9' },
    });
  });

  it('a subcommand this version does not offer (a stale registration) is none', () => {
    expect(adminCommandOf(options('nuke'))).toBeUndefined();
    expect(adminCommandOf(options(null))).toBeUndefined();
  });
});

describe('the desk’s documents in Discord markdown: mentions and labels', () => {
  it('members, roles and channels as mentions; bold labels keep their spaces outside the stars', () => {
    const text = renderDoc({
      title: 'Settings',
      sections: [
        {
          bullets: true,
          lines: [
            [{ bold: 'Tier: ' }, { ref: 'role', id: '7', name: 'vip' }, ' 1,400'],
            [{ ref: 'user', id: '42' }, ' in ', { ref: 'channel', id: '9' }],
          ],
        },
      ],
    });
    expect(text).toBe('## Settings\n- **Tier:** <@&7> 1,400\n- <@42> in <#9>');
  });
});

describe('the caller of an interaction: where, and with which roles', () => {
  it('a server and channel, or a DM (no community)', () => {
    expect(placeOf({ guildId: '1', channelId: '2' })).toEqual({
      platform: 'discord',
      community: '1',
      channel: '2',
    });
    expect(placeOf({ guildId: null, channelId: '3' })).toEqual({ platform: 'discord', channel: '3' });
  });

  it("roles from a cached GuildMember's role cache, or the raw member's role ids; none in a DM", () => {
    const cache = new Map([
      ['10', {}],
      ['11', {}],
    ]);
    expect(rolesOf({ roles: { cache } })).toEqual(['10', '11']);
    expect(rolesOf({ roles: ['10', '12'], permissions: '0' })).toEqual(['10', '12']);
    expect(rolesOf(null)).toBeUndefined();
  });
});
