import type { EventEmitter } from 'node:events';
import { type ConnectionOptions, type Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliverPayload, DeliverResult, GeneratePayload, GenerateResult } from './payloads.js';

export const GENERATE_QUEUE = 'generate';
export const DELIVER_QUEUE = 'deliver';

/**
 * How many failed jobs each queue keeps, and for how long (seconds): the newest 5,000, none older
 * than 7 days, so a failure storm cannot fill Redis. What a person needs of a failed job after that
 * (its outcome, the credits) is in the ledger and the history, not the queue.
 */
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5_000 } as const;

/** Retry policy of generate jobs: transient errors back off exponentially from 5 s (5, 10, 20 … s). */
export const GENERATE_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { ...KEEP_FAILED },
};

/** Delivery retries longer: a posted clip is already paid for. */
export const DELIVER_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { ...KEEP_FAILED },
};

/** The deliver job of a generate job: one id, so an outcome is posted once whatever retries. */
export const deliverJobId = (generateJobId: string): string => `deliver-${generateJobId}`;

export type GenerateQueue = Queue<GeneratePayload, GenerateResult | undefined, 'generate'>;
export type DeliverQueue = Queue<DeliverPayload, DeliverResult, 'deliver'>;
export type GenerateJob = Job<GeneratePayload, GenerateResult | undefined, 'generate'>;
export type DeliverJob = Job<DeliverPayload, DeliverResult, 'deliver'>;

export interface Queues {
  generate: GenerateQueue;
  deliver: DeliverQueue;
  prefix: string;
  close(): Promise<void>;
}

/**
 * Opens the two queues on one connection. `prefix` is the BullMQ key prefix (hash-tag it for
 * Cluster). Connection errors are reported to `onError` (a queue's unheard `error` event would throw).
 * The connection is the caller's: one that never became ready should be ended before `close()`.
 */
export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void = () => {},
): Queues {
  const generate: GenerateQueue = new Queue(GENERATE_QUEUE, { connection, prefix });
  const deliver: DeliverQueue = new Queue(DELIVER_QUEUE, { connection, prefix });
  for (const queue of [generate, deliver]) queue.on('error', onError);
  return {
    generate,
    deliver,
    prefix,
    async close() {
      // A queue still starting has its start-up commands in flight on the shared connection; let
      // them finish (briefly: Redis may be gone) so closing the connection does not orphan them.
      await settleWithin(Promise.allSettled([generate.waitUntilReady(), deliver.waitUntilReady()]), 2_000);
      await Promise.all([generate.close(), deliver.close()]);
      // A closed queue's connection drops its listeners, yet still reports a first connection that
      // fails later (a connect attempt ending after its timeout): with no listener, BullMQ's report
      // throws, an unhandled rejection. Keep one that ignores it.
      for (const queue of [generate, deliver]) {
        (queue as unknown as { connection: EventEmitter }).connection.on('error', () => {});
      }
    },
  };
}

/** Waits for `promise` at most `ms`; never rejects. True when it settled in time. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Redis key that asks a job to stop at its next step. Lives beside the queue's keys. */
export const cancelKey = (prefix: string, jobId: string): string => `${prefix}:cancel:${jobId}`;

/**
 * A waiting job's place in line (1 = next), from the queue's wait list: BullMQ pushes new jobs on
 * the left and workers take them from the right. Undefined when the job is not waiting (started,
 * delayed, finished).
 */
export async function placeInLine(
  redis: Redis,
  queue: GenerateQueue,
  jobId: string,
): Promise<number | undefined> {
  const key = queue.keys.wait;
  if (!key) return undefined;
  const [index, length] = await Promise.all([redis.lpos(key, jobId), redis.llen(key)]);
  return index === null ? undefined : length - index;
}
