import type { APIMessage, APIUser } from 'discord.js';
import { afterEach } from 'vitest';
import { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '../../src/bots/discord/bot.js';
import { createDiscordDelivery } from '../../src/bots/discord/delivery.js';
import { createStatusStore, type StatusStore } from '../../src/bots/status-store.js';
import { type CommandOption, FakeDiscord } from '../fakes/discord.js';
import { CHAT_TOKENS, type Harness, type HarnessOptions, startHarness } from './harness.js';

export const DC_TOKEN = CHAT_TOKENS.DISCORD_TOKEN;

/** Discord's option types used in tests. */
export const OPT = { string: 3, integer: 4, boolean: 5, attachment: 11 } as const;

export interface DiscordHarnessOptions extends HarnessOptions {
  status?: DiscordBotOptions['status'];
  /** The workers' clock (a delivery after the interaction token's 14 minutes). */
  workerNow?: () => number;
}

export interface DiscordHarness extends Harness {
  dc: FakeDiscord;
  discord: DiscordBot;
  store: StatusStore;
  guild: { id: string };
  channel: { id: string };
  alice: APIUser;
  /** Alice runs a command in the guild channel; returns the interaction (id, token). */
  run(
    name: string,
    options?: CommandOption[],
    extra?: { attachmentSizeLimit?: number; user?: APIUser },
  ): ReturnType<FakeDiscord['command']>;
  /** The command's reply as it is once `predicate` holds. */
  reply(token: string, predicate?: (m: APIMessage) => boolean, timeoutMs?: number): Promise<APIMessage>;
}

/**
 * The real discord.js bot and the real workers against the fake Discord (REST + gateway) and the
 * provider fakes, on a queue prefix of their own.
 */
export async function startDiscordHarness(options: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const dc = await FakeDiscord.start({ token: DC_TOKEN });
  const h = await startHarness({
    ...options,
    workers: false,
    env: { DISCORD_API_URL: dc.apiUrl, REELAY_ROLES: 'discord,worker', ...options.env },
  });
  const store = createStatusStore(h.app.redis, h.prefix, 'dc');
  const discord = createDiscordBot({
    token: DC_TOKEN,
    apiUrl: dc.apiUrl,
    intake: h.app.intake,
    quota: h.app.quota,
    queues: h.app.queues,
    store,
    logger: h.logger,
    status: { editIntervalMs: 200, tickMs: 25, ...options.status },
  });
  if (options.workers ?? true) {
    h.app.startWorkers({
      deliveries: {
        discord: createDiscordDelivery({
          rest: discord.client.rest,
          store,
          logger: h.logger,
          ...(options.workerNow ? { now: options.workerNow } : {}),
        }),
      },
    });
  }
  await discord.start();
  const guild = dc.guild();
  const channel = dc.channel(guild.id);
  const alice = dc.user(undefined, 'alice');
  return {
    ...h,
    dc,
    discord,
    store,
    guild,
    channel,
    alice,
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
