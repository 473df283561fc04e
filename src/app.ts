import type { JobsOptions, WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { ProviderName } from './core/catalog.js';
import type { ChatDelivery, DeliveryTarget } from './core/ports.js';
import { createFileDelivery } from './jobs/file-delivery.js';
import { createIntake, type Intake } from './jobs/intake.js';
import { createUrlImageSource, type ImageSources } from './jobs/media.js';
import { createQueues, type Queues, settleWithin } from './jobs/queues.js';
import { createQuota, type Quota } from './jobs/quota.js';
import { startWorkers, type Workers } from './jobs/worker.js';
import type { Logger } from './log.js';
import type { Fetch } from './providers/http.js';
import { createRunningHub } from './providers/runninghub.js';
import { createRunware } from './providers/runware.js';
import type { VideoProvider } from './providers/types.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Image sources beyond the built-in `url` one (`telegram` from the bot, `file` from the CLI). */
  imageSources?: ImageSources;
  /** Deliveries beyond the built-in `file` one. */
  deliveries?: Partial<Record<DeliveryTarget['kind'], ChatDelivery>>;
  /** BullMQ worker overrides (tests shorten lock and stalled intervals). */
  workerOptions?: Partial<WorkerOptions>;
  /** Overrides of the generate jobs' retry policy (tests back off in milliseconds). */
  jobOptions?: Partial<JobsOptions>;
  /** How long a submit waits on a slow Redis before answering busy (tests shorten it). */
  intakeRedisBudgetMs?: number;
  /** Transport for providers and downloads; the global fetch by default. */
  fetch?: Fetch;
  /** Per-call time limit of provider requests (tests shorten it to exercise time-outs). */
  providerTimeoutMs?: number;
  now?: () => number;
}

export interface App {
  config: Config;
  redis: Redis;
  queues: Queues;
  quota: Quota;
  intake: Intake;
  providers: ReadonlyMap<ProviderName, VideoProvider>;
  /**
   * Starts the generate and deliver workers in this process. `extra` adds deliveries and image
   * sources built on the app's own connection (Telegram's need Redis for their status records).
   */
  startWorkers(extra?: Pick<AppOptions, 'deliveries' | 'imageSources'>): Workers;
  /** Stops the workers it started and closes every connection. */
  close(): Promise<void>;
}

/** The video providers that have a key, in a map the worker picks routes from. */
export function createProviders(
  config: Config,
  options: { fetch?: Fetch; timeoutMs?: number } = {},
): Map<ProviderName, VideoProvider> {
  const providers = new Map<ProviderName, VideoProvider>();
  const withFetch = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  };
  if (config.runninghub.apiKey) {
    providers.set(
      'runninghub',
      createRunningHub({ apiKey: config.runninghub.apiKey, baseUrl: config.runninghub.apiUrl, ...withFetch }),
    );
  }
  if (config.runware.apiKey) {
    providers.set(
      'runware',
      createRunware({ apiKey: config.runware.apiKey, baseUrl: config.runware.apiUrl, ...withFetch }),
    );
  }
  return providers;
}

/**
 * Builds everything a Reelay process needs from one {@link Config}: the Redis connection, queues,
 * quota ledger, intake, providers, and (on demand) workers. `main.ts` and the command line share it;
 * so do the integration tests, with URLs pointing at the loopback fakes.
 */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  // Workers block on Redis: ioredis must keep retrying instead of failing commands (BullMQ's advice).
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (e) => logger.warn({ err: e.message }, 'redis connection error'));
  const queues = createQueues(redis, config.queuePrefix, (e) =>
    logger.warn({ err: e.message }, 'queue error'),
  );
  const quota = createQuota(redis, { prefix: config.queuePrefix, limit: config.quotaDailyVideos });
  const providers = createProviders(config, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.providerTimeoutMs ? { timeoutMs: options.providerTimeoutMs } : {}),
  });
  const intake = createIntake({
    queues,
    quota,
    redis,
    jobDeadlineMs: config.jobDeadlineMs,
    configuredProviders: new Set(providers.keys()),
    ...(options.jobOptions ? { jobOptions: options.jobOptions } : {}),
    ...(options.intakeRedisBudgetMs ? { redisBudgetMs: options.intakeRedisBudgetMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const started: Workers[] = [];

  return {
    config,
    redis,
    queues,
    quota,
    intake,
    providers,
    startWorkers(extra = {}) {
      const workers = startWorkers({
        connection: redis,
        concurrency: config.workerConcurrency,
        generate: {
          providers,
          imageSources: {
            url: createUrlImageSource(options.fetch ? { fetch: options.fetch } : {}),
            ...options.imageSources,
            ...extra.imageSources,
          },
          quota,
          queues,
          redis,
          pollIntervalMs: config.pollIntervalMs,
          logger,
          ...(config.publicUrl ? { webhookBase: config.publicUrl } : {}),
          ...(options.now ? { now: options.now } : {}),
        },
        deliver: {
          deliveries: { file: createFileDelivery(), ...options.deliveries, ...extra.deliveries },
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        },
        ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
      });
      started.push(workers);
      return workers;
    },
    async close() {
      await Promise.allSettled(started.map((w) => w.close()));
      await queues.close();
      // With Redis gone, QUIT would wait for a reconnection forever (workers retry without limit).
      if (!(await settleWithin(redis.quit(), 2_000))) logger.warn('redis did not answer QUIT; disconnecting');
      redis.disconnect();
    },
  };
}
