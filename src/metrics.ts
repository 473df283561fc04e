import type { Redis } from 'ioredis';
import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The process's own metrics, registered once per process in {@link metricsRegistry} and shared by
 * the workers (which record them) and the http role (which serves them at `/metrics`, with the
 * queue counts and the day's spend it reads from Redis). A process that runs both roles serves what
 * its workers recorded; a worker-only process records into a registry nobody reads unless it also
 * runs `http` — scrape every process that runs a worker through its own http role, or sum over them.
 */
export const metricsRegistry = new Registry();

const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export const metrics = {
  queueWait: new Histogram({
    name: 'reelay_queue_wait_seconds',
    help: 'Time a job waited in its queue before a worker first took it',
    labelNames: ['queue'] as const,
    buckets: seconds,
    registers: [metricsRegistry],
  }),
  generation: new Histogram({
    name: 'reelay_generation_seconds',
    help: 'Time from the submit to the provider to the clip handed to delivery',
    labelNames: ['model', 'provider'] as const,
    buckets: seconds,
    registers: [metricsRegistry],
  }),
  delivery: new Histogram({
    name: 'reelay_delivery_seconds',
    help: 'Time from the outcome being ready to it being posted, by platform and outcome (clip, failure)',
    labelNames: ['platform', 'outcome'] as const,
    buckets: seconds,
    registers: [metricsRegistry],
  }),
  jobs: new Counter({
    name: 'reelay_jobs_total',
    help: 'Generate jobs ended, by outcome (clip, or the error id)',
    labelNames: ['outcome'] as const,
    registers: [metricsRegistry],
  }),
  providerErrors: new Counter({
    name: 'reelay_provider_errors_total',
    help: 'Errors a provider returned, by provider and kind',
    labelNames: ['provider', 'kind'] as const,
    registers: [metricsRegistry],
  }),
  credits: new Counter({
    name: 'reelay_credit_settlements_total',
    help: 'Reservations settled, by kind (committed, refunded)',
    labelNames: ['kind'] as const,
    registers: [metricsRegistry],
  }),
  transcodes: new Counter({
    name: 'reelay_transcodes_total',
    help: 'ffmpeg transcodes of clips, by kind (playable, fit) and result (ok, failed)',
    labelNames: ['kind', 'result'] as const,
    registers: [metricsRegistry],
  }),
};

/** Counts a settlement the ledger applied (`commit`/`refund` return false when nothing was held). */
export function countSettlement(kind: 'committed' | 'refunded', applied: boolean): void {
  if (applied) metrics.credits.inc({ kind });
}

/**
 * Jobs in flight at each provider, kept in Redis (a sorted set per provider, scored by submit time)
 * so any worker can add a job and any other take it off, and the http role counts them.
 */
export const inFlightKey = (prefix: string, provider: string): string =>
  `${prefix}:metrics:in-flight:${provider}`;

export async function markInFlight(
  redis: Redis,
  prefix: string,
  provider: string,
  jobId: string,
  at: number,
) {
  await redis.zadd(inFlightKey(prefix, provider), at, jobId);
}

export async function clearInFlight(
  redis: Redis,
  prefix: string,
  provider: string | undefined,
  jobId: string,
) {
  if (provider) await redis.zrem(inFlightKey(prefix, provider), jobId);
}

/** Longest a job may stay counted in flight: past any deadline (24 h), an entry was left behind. */
export const IN_FLIGHT_MAX_AGE_MS = 25 * 3_600_000;

/** Runs a metric's Redis write and drops its failure: a metric must never fail a job. */
export function quietly(work: Promise<unknown>): Promise<void> {
  return work.then(
    () => undefined,
    () => undefined,
  );
}
