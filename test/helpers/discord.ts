import type { APIMessage, APIUser } from 'discord.js';
import { PermissionFlagsBits, REST, Routes } from 'discord.js';
import { afterEach, expect } from 'vitest';
import { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '../../src/bots/discord/bot.js';
import { buildCommands } from '../../src/bots/discord/commands.js';
import { createDiscordDelivery } from '../../src/bots/discord/delivery.js';
import { DISCORD, DISCORD_STORE } from '../../src/bots/discord/platform.js';
import { createDiscordSource } from '../../src/bots/discord/source.js';
import type { MediaSource } from '../../src/core/ports.js';
import { type Requester, userKey } from '../../src/core/request.js';
import type { Desk } from '../../src/desk/desk.js';
import { type BotStatusStore, createStatusStore } from '../../src/desk/status-store.js';
import {
  type CommandOption,
  DEFAULT_MEMBER_PERMISSIONS,
  FakeDiscord,
  type MemberOptions,
} from '../fakes/discord.js';
import { CHAT_TOKENS, type Harness, type HarnessOptions, startHarness } from './harness.js';

export const DC_TOKEN = CHAT_TOKENS.DISCORD_TOKEN;

/** Message flags: only the requester sees it; a deferred reply still "thinking". */
const EPHEMERAL = 64;
const LOADING = 128;

/** Discord's option types used in tests. */
export const OPT = {
  subcommand: 1,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  number: 10,
  attachment: 11,
} as const;

/** A member's permissions with Manage Server: an admin of the server, for Discord. */
export const MANAGE_SERVER = String(BigInt(DEFAULT_MEMBER_PERMISSIONS) | PermissionFlagsBits.ManageGuild);

/** Where a run happens and as whom, beyond the defaults (Alice, the guild channel). */
export interface RunExtra {
  attachmentSizeLimit?: number;
  user?: APIUser;
  /** The member's roles and permissions (default: no roles, no Manage Server). */
  member?: MemberOptions;
  /** Another channel (a DM from `dc.dm(user)`, a channel of another guild). */
  channelId?: string;
}

export interface DiscordHarnessOptions extends HarnessOptions {
  status?: DiscordBotOptions['status'];
  /** The workers' clock (a delivery after the interaction token's 14 minutes). */
  workerNow?: () => number;
}

export interface DiscordHarness extends Harness {
  dc: FakeDiscord;
  discord: DiscordBot;
  desk: Desk;
  store: BotStatusStore;
  /** The `discord` media source, with the bot token (as main.ts builds it). */
  source: MediaSource;
  guild: { id: string };
  channel: { id: string };
  alice: APIUser;
  /** Alice as the desk knows her. */
  aliceRequester: Requester;
  /** Starts the workers with the Discord delivery and source (when the harness started without). */
  startWorkers(): void;
  /** `discord:<guild id>`: the guild's key for its settings and budget. */
  community: string;
  /** Alice runs a command in the guild channel; returns the interaction (id, token). */
  run(name: string, options?: CommandOption[], extra?: RunExtra): ReturnType<FakeDiscord['command']>;
  /** `/video` with a prompt, as `run` runs it. */
  video(prompt: string, extra?: RunExtra): ReturnType<FakeDiscord['command']>;
  /** A `/video`'s reply once it shows the job's status or says why not. */
  outcome(token: string): Promise<APIMessage>;
  /** `/admin <sub>` with its options, run as `extra.user` (default Alice, with Manage Server). */
  admin(sub: string, options?: CommandOption[], extra?: RunExtra): ReturnType<FakeDiscord['command']>;
  /** `/admin <sub>`'s private answer, as a person reads it. */
  adminSays(sub: string, options?: CommandOption[], extra?: RunExtra): Promise<string>;
  /** Credits the member (default Alice) used today in the community (default the guild). */
  used(requester?: Requester, community?: string): Promise<number>;
  /** Nothing queued, no credits used by `requester` in the guild, nothing submitted to a provider. */
  nothingCharged(requester?: Requester): Promise<void>;
  /** Registers the slash commands as `npm run reelay -- register-commands` does (PUT, global). */
  register(): Promise<void>;
  /** The command's reply as it is once `predicate` holds. */
  reply(token: string, predicate?: (m: APIMessage) => boolean, timeoutMs?: number): Promise<APIMessage>;
  /** An interaction's private answer (a reply, or a deferred reply edited), once it says something. */
  answer(token: string, timeoutMs?: number): Promise<APIMessage>;
}

/**
 * The real discord.js bot over the real front desk, and the real workers, against the fake Discord
 * (REST + gateway) and the provider fakes, on a queue prefix of their own; wired as main.ts wires them.
 */
export async function startDiscordHarness(options: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const dc = await FakeDiscord.start({ token: DC_TOKEN });
  const h = await startHarness({
    ...options,
    workers: false,
    env: {
      DISCORD_API_URL: dc.apiUrl,
      REELAY_ROLES: 'discord,worker',
      ...options.env,
      // The fake's CDN is on its own host, not Discord's; a test may allow more hosts.
      MEDIA_ALLOW_HOSTS: [new URL(dc.baseUrl).host, options.env?.MEDIA_ALLOW_HOSTS].filter(Boolean).join(','),
    },
  });
  const store = createStatusStore(h.app.redis, h.prefix, DISCORD_STORE);
  // The workers' own REST client with the bot token, as main.ts builds it.
  const rest = new REST({ api: dc.apiUrl }).setToken(DC_TOKEN);
  const source = createDiscordSource({ rest, network: h.config.media });
  const desk = h.app.desk({ [DISCORD]: source });
  const discord = createDiscordBot({
    token: DC_TOKEN,
    apiUrl: dc.apiUrl,
    desk,
    store,
    logger: h.logger,
    status: { editIntervalMs: 200, tickMs: 25, ...options.status },
  });
  const startWorkers = () => {
    h.app.startWorkers({
      deliveries: {
        [DISCORD]: createDiscordDelivery({
          rest,
          token: DC_TOKEN,
          store,
          logger: h.logger,
          ...(options.workerNow ? { now: options.workerNow } : {}),
        }),
      },
      sources: { [DISCORD]: source },
    });
  };
  if (options.workers ?? true) startWorkers();
  await discord.start();
  const guild = dc.guild();
  const channel = dc.channel(guild.id);
  const alice = dc.user(undefined, 'alice');
  const community = `${DISCORD}:${guild.id}`;
  const aliceRequester: Requester = { platform: DISCORD, userId: alice.id };
  const run: DiscordHarness['run'] = (name, opts = [], extra = {}) => {
    const channelId = extra.channelId ?? channel.id;
    return dc.command({
      name,
      user: extra.user ?? alice,
      channelId,
      ...(extra.channelId === undefined ? { guildId: guild.id } : {}),
      options: opts,
      ...(extra.attachmentSizeLimit ? { attachmentSizeLimit: extra.attachmentSizeLimit } : {}),
      ...(extra.member ? { member: extra.member } : {}),
    });
  };
  const admin: DiscordHarness['admin'] = (sub, opts = [], extra = {}) =>
    run('admin', [{ name: sub, type: OPT.subcommand, options: opts }], {
      member: { permissions: MANAGE_SERVER },
      ...extra,
    });
  const said = (m: APIMessage) => ((m.flags ?? 0) & LOADING) === 0 && (m.content ?? '') !== '';
  return {
    ...h,
    dc,
    discord,
    desk,
    store,
    source,
    guild,
    channel,
    alice,
    aliceRequester,
    community,
    startWorkers,
    run,
    video: (prompt, extra) => run('video', [{ name: 'prompt', type: OPT.string, value: prompt }], extra),
    outcome: (token) =>
      dc.waitForOriginal(token, (m) => (m.content ?? '') !== '' || (m.embeds?.length ?? 0) > 0, 20_000),
    admin,
    async adminSays(sub, opts = [], extra = {}) {
      const i = admin(sub, opts, extra);
      const m = await dc.waitForOriginal(i.token, said, 20_000);
      expect((m.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
      return m.content ?? '';
    },
    async used(requester = aliceRequester, where = community) {
      return (await h.app.credits.usage(userKey(requester), where)).used;
    },
    async nothingCharged(requester = aliceRequester) {
      const counts = await h.app.queues.generate.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'completed',
        'failed',
      );
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
      expect((await h.app.credits.usage(userKey(requester), community)).used).toBe(0);
      expect(h.rh.submitCount() + h.rw.submitCount()).toBe(0);
    },
    async register() {
      await rest.put(Routes.applicationCommands(dc.applicationId), { body: buildCommands(h.app.catalog) });
    },
    reply(token, predicate = () => true, timeoutMs = 20_000) {
      return dc.waitForOriginal(token, predicate, timeoutMs);
    },
    async answer(token, timeoutMs = 20_000) {
      const m = await dc.waitForOriginal(token, said, timeoutMs);
      expect((m.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
      return m;
    },
    async close() {
      await discord.stop();
      await h.close();
      await dc.close();
    },
  };
}

/** For a test file: closes each test's harness after it; returns the function that starts one. */
export function discordHarnesses(): (options?: DiscordHarnessOptions) => Promise<DiscordHarness> {
  let current: DiscordHarness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    current = await startDiscordHarness(options);
    return current;
  };
}

/** The custom ids of every button of a message, in order. */
export const buttonIds = (m: APIMessage): string[] =>
  (m.components ?? []).flatMap((row) =>
    ((row as { components?: { custom_id?: string }[] }).components ?? []).flatMap((b) => b.custom_id ?? []),
  );

/** The labels of every button of a message, in order. */
export const buttonLabels = (m: APIMessage): string[] =>
  (m.components ?? []).flatMap((row) =>
    ((row as { components?: { label?: string }[] }).components ?? []).flatMap((b) => b.label ?? []),
  );

/** A string option. */
export const str = (name: string, value: string): CommandOption => ({ name, type: OPT.string, value });

/** The job id of a status message, from its Cancel button. */
export const jobIdOf = (m: APIMessage): string => {
  const id = buttonIds(m).find((b) => b.startsWith('cancel:') && b !== 'cancel:all');
  if (!id) throw new Error(`no Cancel button on ${JSON.stringify(m.components)}`);
  return id.slice('cancel:'.length);
};

/** The title and description of a message's first embed, or its content: what a person reads. */
export const textOf = (m: APIMessage | undefined): string =>
  m === undefined
    ? ''
    : [
        m.content ?? '',
        m.embeds?.[0]?.title ?? '',
        m.embeds?.[0]?.description ?? '',
        m.embeds?.[0]?.footer?.text ?? '',
      ]
        .filter((s) => s !== '')
        .join('\n');
