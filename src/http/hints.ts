import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';

/**
 * Provider completion hints (`POST /webhooks/{provider}/{jobId}/{sig}`). The URL a job gives its
 * provider carries `sig`, an HMAC-SHA256 of `provider:jobId` with `WEBHOOK_SECRET`, so only the
 * provider we told can wake that job; the http role checks it in constant time. A valid hint wakes
 * the job at once when it waits in its poll step and was not polled (or woken) in the last
 * {@link HINT_QUIET_MS}. A hint that comes sooner is deferred: the job is woken when that quiet
 * window ends, unless a poll started after the hint came. A burst of hints therefore costs at most
 * one extra provider query per quiet window, and a clip that is ready right after a poll waits for
 * the end of the window, not for the next poll.
 */
export const HINT_QUIET_MS = 3_000;

export function hintSignature(secret: string, provider: string, jobId: string): string {
  return createHmac('sha256', secret).update(`${provider}:${jobId}`).digest('base64url');
}

/** The path of a job's hint URL, to append to `PUBLIC_URL`. */
export function hintPath(secret: string, provider: string, jobId: string): string {
  return `/webhooks/${provider}/${jobId}/${hintSignature(secret, provider, jobId)}`;
}

/** Whether `given` is the job's signature, compared in constant time. */
export function validHint(secret: string, provider: string, jobId: string, given: string): boolean {
  const expected = Buffer.from(hintSignature(secret, provider, jobId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Set for {@link HINT_QUIET_MS} by each poll of the job and by each hint that wakes it: while it
 * exists, no hint wakes the job (a hint that comes then is deferred to its end).
 */
export const polledKey = (prefix: string, jobId: string): string => `${prefix}:hint-quiet:${jobId}`;

/**
 * Set by each valid hint and deleted when a poll starts: while it exists, a hint came that no poll
 * has answered yet, and a deferred wake is still owed.
 */
export const hintedKey = (prefix: string, jobId: string): string => `${prefix}:hint-seen:${jobId}`;

/** How long an unanswered hint is remembered; polling answers it by then anyway. */
export const HINT_SEEN_MS = 120_000;

/** The least a deferred wake waits, so a job in a long poll is not asked about in a tight loop. */
const MIN_DEFER_MS = 500;

/** What the start of each poll does when hints are on: opens a quiet window, answers all hints so far. */
export async function markPolled(redis: Redis, prefix: string, jobId: string): Promise<void> {
  await redis
    .multi()
    .set(polledKey(prefix, jobId), '1', 'PX', HINT_QUIET_MS)
    .del(hintedKey(prefix, jobId))
    .exec();
}

export type HintOutcome = 'woken' | 'deferred' | 'ignored';

export interface HintWaker {
  /**
   * Takes a valid hint for a job: `woken` when it woke the job now, `deferred` when a wake is due at
   * the end of the quiet window, `ignored` when the job is not waiting in its poll step (it is done,
   * or queued for a worker, whose poll will answer the hint).
   */
  hint(jobId: string): Promise<HintOutcome>;
  /** Drops this process's deferred wakes (polling answers those hints later). */
  close(): void;
}

/**
 * Wakes jobs for hints. The quiet key, set with NX by whoever wakes a job, is the one gate: whatever
 * the number of hints, timers and http replicas, a job is woken at most once per quiet window. Each
 * process keeps at most one timer per job; the timer re-checks Redis when it fires, and does nothing
 * when a poll started after the hint (the hint-seen key is gone then).
 */
export function createHintWaker(deps: { redis: Redis; queues: Queues; logger: Logger }): HintWaker {
  const { redis, queues, logger } = deps;
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /** Wakes the job if it waits in its poll step and its quiet window is over. */
  const attempt = async (jobId: string): Promise<HintOutcome> => {
    const job = await queues.generate.getJob(jobId);
    const step = (job?.data as { state?: { step?: string } } | undefined)?.state?.step;
    if (!job || step !== 'poll') return 'ignored';
    const state = await job.getState();
    if (state === 'delayed') {
      const first = await redis.set(polledKey(queues.prefix, jobId), '1', 'PX', HINT_QUIET_MS, 'NX');
      if (first === 'OK') {
        await job.promote().catch(() => undefined);
        return 'woken';
      }
    } else if (state !== 'active') {
      return 'ignored';
    }
    // Polled moments ago, or in a poll whose query may have gone before the hint came: try again
    // when the quiet window ends.
    return 'deferred';
  };

  const defer = async (jobId: string): Promise<void> => {
    if (closed || timers.has(jobId)) return;
    const ms = Math.max(MIN_DEFER_MS, await redis.pttl(polledKey(queues.prefix, jobId)));
    if (closed || timers.has(jobId)) return;
    const timer = setTimeout(() => {
      timers.delete(jobId);
      fire(jobId).catch((error: unknown) =>
        logger.warn({ jobId, err: String(error) }, 'deferred webhook hint failed'),
      );
    }, ms);
    timer.unref();
    timers.set(jobId, timer);
  };

  const fire = async (jobId: string): Promise<void> => {
    // A poll that started after the hint answered it.
    if ((await redis.exists(hintedKey(queues.prefix, jobId))) === 0) return;
    const outcome = await attempt(jobId);
    if (outcome === 'woken') logger.debug({ jobId }, 'deferred webhook hint woke the job');
    if (outcome === 'deferred') await defer(jobId);
  };

  return {
    async hint(jobId) {
      await redis.set(hintedKey(queues.prefix, jobId), '1', 'PX', HINT_SEEN_MS);
      const outcome = await attempt(jobId);
      if (outcome === 'deferred') await defer(jobId);
      return outcome;
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
