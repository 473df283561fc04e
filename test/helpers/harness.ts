import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { expect } from 'vitest';
import { type App, type AppOptions, createApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Requester, userKey } from '../../src/core/request.js';
import { deliverJobId } from '../../src/jobs/queues.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { FfmpegPaths } from '../../src/media/ffmpeg.js';
import { FakeFileHost } from '../fakes/files.js';
import type { ProviderFake } from '../fakes/provider.js';
import { createRunningHubFake, type RunningHubFake } from '../fakes/runninghub.js';
import { createRunwareFake } from '../fakes/runware.js';
import { waitFor } from './wait.js';

/** Chat-platform tokens set in every harness env: no request to a provider may carry them. */
export const CHAT_TOKENS = {
  DISCORD_TOKEN: 'MTA5ODc2NTQzMjEwOTg3NjU0.Gx1y2z.discord-secret-token-value',
  TELEGRAM_BOT_TOKEN: '7123456789:AAH-telegram-secret-token-value',
};

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface HarnessOptions {
  /** Which providers get a key (default both). */
  providers?: ('runninghub' | 'runware')[];
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Start the generate and deliver workers in this process (default true). */
  workers?: boolean;
  pollsToComplete?: number;
  /** Provider call time limit (default: the providers' own, 30 s). */
  providerTimeoutMs?: number;
  /** Deliveries to plug in instead of the built-in ones (a recording one, say). */
  deliveries?: AppOptions['deliveries'];
  /** The clip the provider fakes serve for every task (default: the small fixture clip). */
  video?: Buffer;
  /** ffmpeg for the workers (probe, make playable, compress to fit); default none, like a machine without it. */
  ffmpeg?: FfmpegPaths;
  /** BullMQ worker options over the harness's short lock and stalled intervals. */
  workerOptions?: AppOptions['workerOptions'];
  /** The catalog (default the shipped one); a test may take a model out of it while jobs run. */
  catalog?: AppOptions['catalog'];
  /** Retired models (default the shipped list). */
  retired?: AppOptions['retired'];
}

export interface Finished {
  state: 'completed' | 'failed';
  job: Job;
  deliver: Job | undefined;
}

export interface Harness {
  app: App;
  config: Config;
  env: Record<string, string>;
  prefix: string;
  rh: RunningHubFake;
  rw: ProviderFake;
  files: FakeFileHost;
  /** Every log line the app wrote (JSON). */
  logs: string[];
  /** The app's logger (for parts a test builds beside the app, like a bot). */
  logger: Logger;
  /** A path in this test's own temporary folder. */
  out(name: string): string;
  /** Waits until the generate job ended and, if it succeeded, its delivery too. */
  finished(jobId: string, timeoutMs?: number): Promise<Finished>;
  close(): Promise<void>;
}

/**
 * The real app (intake, queues, credits, workers) against the provider fakes and a file host, on a
 * queue prefix of its own. `close()` removes every key under that prefix.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const wanted = options.providers ?? ['runninghub', 'runware'];
  const video = options.video ? { video: options.video } : {};
  const rh = await createRunningHubFake({ pollsToComplete: options.pollsToComplete ?? 2, ...video });
  const rw = await createRunwareFake({ pollsToComplete: options.pollsToComplete ?? 2, ...video });
  const files = await FakeFileHost.start();
  const dir = await mkdtemp(join(tmpdir(), 'reelay-test-'));
  const prefix = `test-${randomUUID()}`;
  const env: Record<string, string> = {
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    POLL_INTERVAL_MS: '100',
    QUOTA_DAILY_VIDEOS: '5',
    // Tests submit several jobs per member at once; the in-flight cap has tests of its own.
    USER_MAX_IN_FLIGHT: '100',
    LOG_LEVEL: 'debug',
    // Every fake listens on 127.0.0.1: downloads may reach private addresses here, and only here.
    MEDIA_ALLOW_PRIVATE: 'true',
    ...CHAT_TOKENS,
    REELAY_ROLES: 'worker',
    ...(wanted.includes('runninghub')
      ? { RUNNINGHUB_API_KEY: rh.apiKey, RUNNINGHUB_API_URL: rh.baseUrl }
      : {}),
    ...(wanted.includes('runware') ? { RUNWARE_API_KEY: rw.apiKey, RUNWARE_API_URL: rw.baseUrl } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  const app = createApp({
    fileDelivery: true,
    config,
    logger,
    jobOptions: { backoff: { type: 'exponential', delay: 50 } },
    workerOptions: { lockDuration: 2_000, stalledInterval: 1_000, ...options.workerOptions },
    ...(options.providerTimeoutMs ? { providerTimeoutMs: options.providerTimeoutMs } : {}),
    ...(options.deliveries ? { deliveries: options.deliveries } : {}),
    ...(options.ffmpeg ? { ffmpeg: options.ffmpeg } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(options.retired ? { retired: options.retired } : {}),
  });
  if (options.workers ?? true) app.startWorkers();

  return {
    app,
    config,
    env,
    prefix,
    rh,
    rw,
    files,
    logs,
    logger,
    out: (name) => join(dir, name),
    async finished(jobId, timeoutMs = 20_000) {
      return waitFor(
        async () => {
          const state = await app.queues.generate.getJobState(jobId);
          if (state !== 'completed' && state !== 'failed') return undefined;
          const dState = await app.queues.deliver.getJobState(deliverJobId(jobId));
          if (state === 'completed' && dState !== 'completed' && dState !== 'failed') return undefined;
          // Read the jobs only now that they are finished, so their fields are final.
          const job = await app.queues.generate.getJob(jobId);
          const deliver = await app.queues.deliver.getJob(deliverJobId(jobId));
          return job ? ({ state, job, deliver } as Finished) : undefined;
        },
        { timeoutMs, what: `job ${jobId} to finish` },
      );
    },
    async close() {
      await app.close();
      await cleanRedis(prefix);
      await Promise.all([rh.close(), rw.close(), files.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key under a test's prefix (queues, credits, cancel flags). */
export async function cleanRedis(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A member's credits today in one community (their private chats by default: what the intake
 * charges when no terms are given, and the desk in a private chat), and their jobs in flight.
 */
export async function memberUsage(
  app: App,
  who: Requester | string,
  community?: string,
): Promise<{ used: number; inFlight: number }> {
  const user = typeof who === 'string' ? who : userKey(who);
  const { used, inFlight } = await app.credits.usage(
    user,
    community ?? `${user.slice(0, user.indexOf(':'))}:private`,
  );
  return { used, inFlight };
}

/** Credits of a 5 s clip of the default model (kling-2.5-turbo-pro): one `QUOTA_DAILY_VIDEOS` unit. */
export const CLIP_CREDITS = 175;

/** Every byte a provider fake received, as text: for "no secret was sent" checks. */
export function everythingSent(fake: ProviderFake): string {
  return fake.server.requests
    .map(
      (r) =>
        `${r.method} ${r.path}?${r.query.toString()}\n${JSON.stringify(r.headers)}\n${r.body.toString('latin1')}`,
    )
    .join('\n');
}

/** Nothing was queued, no credits used by anyone, nothing submitted to a provider. */
export async function nothingQueued(h: Harness, requester: Requester): Promise<void> {
  const counts = await h.app.queues.generate.getJobCounts(
    'waiting',
    'active',
    'delayed',
    'completed',
    'failed',
  );
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  expect((await h.app.credits.spend(1))[0]?.used).toBe(0);
  expect(await h.app.credits.pending(userKey(requester))).toEqual([]);
  expect(h.rh.submitCount() + h.rw.submitCount()).toBe(0);
}
