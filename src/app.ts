import { availableParallelism } from 'node:os';
import type { JobsOptions, WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { CATALOG } from './catalog/models.js';
import { RETIRED, type RetiredModel } from './catalog/retired.js';
import type { Config } from './config.js';
import type { ModelSpec } from './core/catalog.js';
import type { MediaSources } from './core/ports.js';
import { accessPolicy } from './desk/access.js';
import { createCommunityStore } from './desk/community.js';
import { createDesk, type Desk } from './desk/desk.js';
import { type Credits, createCredits } from './jobs/credits.js';
import type { Deliveries } from './jobs/deliver.js';
import { createFileDelivery, FILE_PLATFORM } from './jobs/file-delivery.js';
import { createIntake, type Intake } from './jobs/intake.js';
import { defaultMemberLimit } from './jobs/limits.js';
import { createUrlSource } from './jobs/media.js';
import { MemoryBudget } from './jobs/memory-budget.js';
import { createQueues, type Queues, settleWithin } from './jobs/queues.js';
import { startWorkers, type Workers } from './jobs/worker.js';
import type { Logger } from './log.js';
import type { FfmpegPaths } from './media/ffmpeg.js';
import { TranscodePool } from './media/pool.js';
import type { Fetch } from './providers/http.js';
import type { VideoProvider } from './providers/provider.js';
import { catalogProblems, createProviders, PROVIDERS } from './providers/registry.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** The model catalog; the shipped one by default. Its routes are checked by their providers. */
  catalog?: readonly ModelSpec[];
  /** Models taken out of the catalog and their replacements; the shipped list by default. */
  retired?: readonly RetiredModel[];
  /** Media sources beyond the built-in `url` one (a platform's own, `file` from the CLI). */
  sources?: MediaSources;
  /**
   * Whether workers may write clips to local files (`file` targets): the command line's, and the
   * tests'. A service worker never does, so no job can make it write where a path says.
   */
  fileDelivery?: boolean;
  /** Deliveries of the platforms, by name. */
  deliveries?: Deliveries;
  /** BullMQ worker overrides (tests shorten lock and stalled intervals). */
  workerOptions?: Partial<WorkerOptions>;
  /** Overrides of the generate jobs' retry policy (tests back off in milliseconds). */
  jobOptions?: Partial<JobsOptions>;
  /** How long a submit waits on a slow Redis before answering busy (tests shorten it). */
  intakeRedisBudgetMs?: number;
  /** Transport for providers and downloads; the global fetch by default. */
  fetch?: Fetch;
  /**
   * Where ffmpeg and ffprobe are (`findFfmpeg`, at start): workers compress clips over a platform's
   * upload limit and probe every clip. Undefined: none, so such clips go as links.
   */
  ffmpeg?: FfmpegPaths;
  /** Per-call time limit of provider requests (tests shorten it to exercise time-outs). */
  providerTimeoutMs?: number;
  now?: () => number;
}

export interface App {
  config: Config;
  catalog: readonly ModelSpec[];
  redis: Redis;
  queues: Queues;
  /** The credit ledger: every ceiling, reserve, commit and refund. */
  credits: Credits;
  /** Credits per member per day where a community sets none, and which setting it comes from. */
  memberLimit: { credits: number; source: 'credits' | 'videos' };
  intake: Intake;
  providers: ReadonlyMap<string, VideoProvider>;
  /**
   * Starts the generate and deliver workers in this process. `extra` adds deliveries and media
   * sources built on the app's own connection (the platforms' need Redis for their status records).
   */
  startWorkers(extra?: Pick<AppOptions, 'deliveries' | 'sources'>): Workers;
  /**
   * The front desk over this app's intake, credits and queues. `sources` are the platforms' media
   * sources, asked before a clip is made again from old inputs; `globalWords` the operator's blocked
   * words (`BLOCKED_WORDS_FILE`, read by the caller).
   */
  desk(sources: MediaSources, options?: { globalWords?: readonly string[] }): Desk;
  /** Stops the workers it started and closes every connection. */
  close(): Promise<void>;
}

/**
 * Builds everything a Reelay process needs from one {@link Config}: the Redis connection, queues,
 * credit ledger, intake, providers, and (on demand) workers. `main.ts` and the command line share it;
 * so do the integration tests, with URLs pointing at the loopback fakes. Throws when a catalog
 * route is one its provider refuses.
 */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const catalog = options.catalog ?? CATALOG;
  const retired = options.retired ?? RETIRED;
  const problems = catalogProblems(catalog);
  if (problems.length > 0) throw new Error(`the model catalog has bad routes:\n  ${problems.join('\n  ')}`);
  // Workers block on Redis: ioredis must keep retrying instead of failing commands (BullMQ's advice).
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (e) => logger.warn({ err: e.message }, 'redis connection error'));
  const queues = createQueues(redis, config.queuePrefix, (e) =>
    logger.warn({ err: e.message }, 'queue error'),
  );
  const credits = createCredits(redis, {
    prefix: config.queuePrefix,
    ...(config.spendCapDailyCredits === undefined ? {} : { serviceCap: config.spendCapDailyCredits }),
    maxInFlight: config.userMaxInFlight,
    cooldownMs: config.userCooldownS * 1_000,
    ...(options.now ? { now: options.now } : {}),
  });
  const memberLimit = defaultMemberLimit(config, catalog);
  const providers = createProviders(config.providers, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.providerTimeoutMs ? { timeoutMs: options.providerTimeoutMs } : {}),
  });
  const intake = createIntake({
    queues,
    credits,
    defaultMemberLimit: memberLimit.credits,
    redis,
    catalog,
    jobDeadlineMs: config.jobDeadlineMs,
    configuredProviders: new Set(providers.keys()),
    ...(options.jobOptions ? { jobOptions: options.jobOptions } : {}),
    ...(options.intakeRedisBudgetMs ? { redisBudgetMs: options.intakeRedisBudgetMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const started: Workers[] = [];
  // One byte budget for the process, whatever the number of workers started (WORKER_MEMORY_BUDGET_MB).
  const memory = new MemoryBudget(config.workerMemoryBudgetBytes);
  // One pool for the process: transcodes are CPU-bound, whatever the deliver concurrency.
  const transcodes = new TranscodePool(config.transcode.concurrency ?? availableParallelism());

  return {
    config,
    catalog,
    redis,
    queues,
    credits,
    memberLimit,
    intake,
    providers,
    desk(sources, deskOptions = {}) {
      return createDesk({
        intake,
        credits,
        store: createCommunityStore(redis, config.queuePrefix),
        policy: accessPolicy(config),
        ...(deskOptions.globalWords ? { globalWords: deskOptions.globalWords } : {}),
        defaultLimit: memberLimit.credits,
        queues,
        redis,
        catalog,
        retired,
        sources,
        logger,
        ...(options.intakeRedisBudgetMs ? { redisBudgetMs: options.intakeRedisBudgetMs } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    },
    startWorkers(extra = {}) {
      const workers = startWorkers({
        connection: redis,
        concurrency: config.workerConcurrency,
        generate: {
          providers,
          descriptors: PROVIDERS,
          sources: {
            url: createUrlSource({
              network: config.media,
              ...(options.fetch ? { fetch: options.fetch } : {}),
            }),
            ...options.sources,
            ...extra.sources,
          },
          imageMaxPixels: config.media.imageMaxPixels,
          credits,
          queues,
          redis,
          catalog,
          retired,
          pollIntervalMs: config.pollIntervalMs,
          logger,
          memory,
          ...(config.publicUrl && config.webhookSecret
            ? { webhookBase: config.publicUrl, webhookSecret: config.webhookSecret }
            : {}),
          ...(options.now ? { now: options.now } : {}),
        },
        deliver: {
          deliveries: {
            ...(options.fileDelivery ? { [FILE_PLATFORM]: createFileDelivery() } : {}),
            ...options.deliveries,
            ...extra.deliveries,
          },
          descriptors: PROVIDERS,
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
          clipTools: {
            ffmpeg: options.ffmpeg,
            pool: transcodes,
            timeoutMs: config.transcode.timeoutMs,
            logger,
          },
        },
        ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
      });
      started.push(workers);
      return workers;
    },
    async close() {
      await Promise.allSettled(started.map((w) => w.close()));
      // Not connected: there is nothing to flush and QUIT would wait for a reconnection, so the
      // connection ends first; the queues' wait for a first connection then ends with it, while they
      // still listen for its failure (createQueues keeps a listener after close for the rest).
      if (redis.status !== 'ready') redis.disconnect();
      await queues.close();
      // With Redis gone, QUIT would wait for a reconnection forever (workers retry without limit).
      if (!(await settleWithin(redis.quit(), 2_000))) logger.warn('redis did not answer QUIT; disconnecting');
      redis.disconnect();
    },
  };
}
