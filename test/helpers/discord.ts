import type { APIMessage, APIUser } from 'discord.js';
import { REST } from 'discord.js';
import { afterEach, expect } from 'vitest';
import { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '../../src/bots/discord/bot.js';
import { createDiscordDelivery } from '../../src/bots/discord/delivery.js';
import { DISCORD, DISCORD_STORE } from '../../src/bots/discord/platform.js';
import { createDiscordSource } from '../../src/bots/discord/source.js';
import type { MediaSource } from '../../src/core/ports.js';
import type { Requester } from '../../src/core/request.js';
import type { Desk } from '../../src/desk/desk.js';
import { createStatusStore, type StatusStore } from '../../src/desk/status-store.js';
import { type CommandOption, FakeDiscord } from '../fakes/discord.js';
import { CHAT_TOKENS, type Harness, type HarnessOptions, startHarness } from './harness.js';

export const DC_TOKEN = CHAT_TOKENS.DISCORD_TOKEN;

/** Message flags: only the requester sees it; a deferred reply still "thinking". */
const EPHEMERAL = 64;
const LOADING = 128;

/** Discord's option types used in tests. */
export const OPT = { string: 3, integer: 4, boolean: 5, number: 10, attachment: 11 } as const;

export interface DiscordHarnessOptions extends HarnessOptions {
  status?: DiscordBotOptions['status'];
  /** The workers' clock (a delivery after the interaction token's 14 minutes). */
  workerNow?: () => number;
}

export interface DiscordHarness extends Harness {
  dc: FakeDiscord;
  discord: DiscordBot;
  desk: Desk;
  store: StatusStore;
  /** The `discord` media source, with the bot token (as main.ts builds it). */
  source: MediaSource;
  guild: { id: string };
  channel: { id: string };
  alice: APIUser;
  /** Alice as the desk knows her. */
  aliceRequester: Requester;
  /** Starts the workers with the Discord delivery and source (when the harness started without). */
  startWorkers(): void;
  /** Alice runs a command in the guild channel; returns the interaction (id, token). */
  run(
    name: string,
    options?: CommandOption[],
    extra?: { attachmentSizeLimit?: number; user?: APIUser },
  ): ReturnType<FakeDiscord['command']>;
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
    env: { DISCORD_API_URL: dc.apiUrl, REELAY_ROLES: 'discord,worker', ...options.env },
  });
  const store = createStatusStore(h.app.redis, h.prefix, DISCORD_STORE);
  // The workers' own REST client with the bot token, as main.ts builds it.
  const rest = new REST({ api: dc.apiUrl }).setToken(DC_TOKEN);
  const source = createDiscordSource({ rest });
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
    aliceRequester: { platform: DISCORD, userId: alice.id },
    startWorkers,
    run(name, opts = [], extra = {}) {
      return dc.command({
        name,
        user: extra.user ?? alice,
        channelId: channel.id,
        guildId: guild.id,
        options: opts,
        ...(extra.attachmentSizeLimit ? { attachmentSizeLimit: extra.attachmentSizeLimit } : {}),
      });
    },
    reply(token, predicate = () => true, timeoutMs = 20_000) {
      return dc.waitForOriginal(token, predicate, timeoutMs);
    },
    async answer(token, timeoutMs = 20_000) {
      const said = (m: APIMessage) => ((m.flags ?? 0) & LOADING) === 0 && (m.content ?? '') !== '';
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
