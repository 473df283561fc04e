/**
 * Part (c): how long a slash command waits for its defer. A burst of interactions is dispatched on
 * the fake Discord's gateway at once (the fake runs in a process of its own); each one's time is from its dispatch to the fake receiving its
 * `type:5` callback. Two variants on the same fake, same burst, same process: a bare discord.js
 * client whose handler only defers (the baseline: gateway, parsing and REST, nothing of ours), and
 * the Reelay bot (pure checks → defer → the desk: quota reserve and queue add on Redis → status edit).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Events, type Interaction } from 'discord.js';
import { createApp } from '../src/app.js';
import { createDiscordBot } from '../src/bots/discord/bot.js';
import { DISCORD_STORE } from '../src/bots/discord/platform.js';
import { loadConfig } from '../src/config.js';
import { createStatusStore } from '../src/desk/status-store.js';
import { createLogger } from '../src/log.js';
import { FAKE_DISCORD_TOKEN } from '../test/fakes/discord.js';
import { benchPrefix, deleteKeys } from './keys.js';
import { percentile } from './stats.js';

export interface DeferSpread {
  p50: number;
  p99: number;
  max: number;
  deferred: number;
}

export interface DeferBenchResult {
  interactions: number;
  rounds: number;
  baseline: DeferSpread;
  reelay: DeferSpread;
}

interface Variant {
  start(apiUrl: string): Promise<void>;
  stop(): Promise<void>;
}

const FAKE = fileURLToPath(new URL('./discord-fake.ts', import.meta.url));

/** The fake Discord in its own process (bench/discord-fake.ts). */
async function startFake(): Promise<{
  apiUrl: string;
  ask<T>(command: object, reply: string): Promise<T>;
  close(): Promise<void>;
}> {
  const child = fork(FAKE, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the fake Discord exited (${code})`)));
    });
  const { apiUrl } = (await next('ready')) as { apiUrl: string };
  return {
    apiUrl,
    async ask<T>(command: object, reply: string) {
      const answer = next(reply);
      child.send(command);
      return (await answer) as T;
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

async function measure(variant: Variant, count: number, rounds: number): Promise<DeferSpread> {
  const fake = await startFake();
  const all: number[] = [];
  try {
    await variant.start(fake.apiUrl);
    await fake.ask({ type: 'session' }, 'session');
    const burst = async (n: number, round: number) =>
      (await fake.ask<{ times: number[] }>({ type: 'burst', count: n, round }, 'burst')).times;
    await burst(20, -1); // warm-up: JIT, sockets, scripts
    for (let r = 0; r < rounds; r++) all.push(...(await burst(count, r)));
  } finally {
    await variant.stop();
    await fake.close();
  }
  return { p50: percentile(all, 50), p99: percentile(all, 99), max: Math.max(...all), deferred: all.length };
}

export async function runDeferBench(options: {
  redisUrl: string;
  interactions: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<DeferBenchResult> {
  let client: Client | undefined;
  const baseline = await measure(
    {
      async start(apiUrl) {
        client = new Client({ intents: [], rest: { api: apiUrl } });
        client.on(Events.InteractionCreate, (i: Interaction) => {
          if (i.isChatInputCommand()) void i.deferReply().catch(() => undefined);
        });
        await client.login(FAKE_DISCORD_TOKEN);
      },
      async stop() {
        await client?.destroy();
      },
    },
    options.interactions,
    options.rounds,
  );

  const prefix = benchPrefix('defer');
  let stop: () => Promise<void> = async () => {};
  const reelay = await measure(
    {
      async start(apiUrl) {
        const config = loadConfig({
          REDIS_URL: options.redisUrl,
          QUEUE_PREFIX: prefix,
          REELAY_ROLES: 'discord',
          DISCORD_TOKEN: FAKE_DISCORD_TOKEN,
          DISCORD_API_URL: apiUrl,
          RUNWARE_API_KEY: 'bench-key',
          QUOTA_DAILY_VIDEOS: '100000',
        });
        const logger = createLogger('warn');
        const app = createApp({ config, logger });
        // The desk as main.ts builds it; no media source: the burst's commands carry no attachments.
        const desk = app.desk({});
        const bot = createDiscordBot({
          token: FAKE_DISCORD_TOKEN,
          apiUrl: apiUrl,
          desk,
          store: createStatusStore(app.redis, prefix, DISCORD_STORE),
          logger,
        });
        await bot.start();
        stop = async () => {
          await bot.stop();
          await deleteKeys(app.redis, prefix);
          await app.close();
        };
      },
      stop: () => stop(),
    },
    options.interactions,
    options.rounds,
  );
  return { interactions: options.interactions, rounds: options.rounds, baseline, reelay };
}
