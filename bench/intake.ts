/**
 * Part (a): how many submits per second intake sustains (validate → Lua credit reserve → queue.add →
 * waiting count) against a bare `queue.add` of the same payload and options, on the same Redis,
 * queue and connection, the same number of jobs and the same client concurrency. Three more
 * variants add one of intake's Redis calls at a time to the bare add (or a cheaper stand-in for
 * one), to show where the difference goes.
 */
import { randomUUID } from 'node:crypto';
import { createApp } from '../src/app.js';
import { CATALOG } from '../src/catalog/models.js';
import { loadConfig } from '../src/config.js';
import type { GenerationRequest, Requester } from '../src/core/request.js';
import { validate } from '../src/core/validate.js';
import { fileTarget } from '../src/jobs/file-delivery.js';
import { type GeneratePayload, newGeneratePayload } from '../src/jobs/payloads.js';
import { GENERATE_JOB_OPTIONS } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { benchPrefix, deleteKeys, redisCpuSeconds } from './keys.js';
import { median, runPool } from './stats.js';

export interface IntakeBenchOptions {
  redisUrl: string;
  jobs: number;
  inFlight: number;
  rounds: number;
  /** Jobs per warm-up run; each variant gets `warmupRuns` of them before anything is timed. */
  warmupJobs: number;
  warmupRuns: number;
  /** Stops starting new rounds after this long (the bench bounds its own run time). */
  budgetMs: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export type VariantName =
  | 'raw add'
  | 'intake.submit'
  | 'reserve + add'
  | 'add + waiting count'
  | 'add + LLEN wait';

export interface VariantResult {
  name: VariantName;
  /** Median jobs per second over the rounds. */
  rate: number;
  rates: number[];
  /** Median CPU of this (bench) process per job, µs. */
  nodeCpuUs: number;
  /** Median Redis CPU per job, µs (Redis is shared: other clients' work shows up here too). */
  redisCpuUs: number;
}

export interface IntakeBenchResult {
  jobs: number;
  inFlight: number;
  rounds: number;
  variants: VariantResult[];
  /** intake.submit / raw add, from the medians. */
  ratio: number;
  /** intake.submit / raw add within each round (both ran back to back): how much the ratio wanders. */
  pairedRatios: number[];
  refused: number;
}

const REQUEST: GenerationRequest = {
  model: 'kling-2.5-turbo-pro',
  prompt: 'a lighthouse at dusk, slow dolly in',
};

export async function runIntakeBench(options: IntakeBenchOptions): Promise<IntakeBenchResult> {
  const prefix = benchPrefix('intake');
  const config = loadConfig({
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    REELAY_ROLES: 'worker',
    // Intake only needs to know a provider is configured; no worker starts, so it is never called.
    RUNNINGHUB_API_KEY: 'bench-unused',
    RUNNINGHUB_API_URL: 'http://127.0.0.1:9',
    QUOTA_DAILY_VIDEOS: '5',
    LOG_LEVEL: 'silent',
  });
  const app = createApp({ config, logger: createLogger('silent') });
  const { redis, intake, credits } = app;
  const queue = app.queues.generate;
  const target = fileTarget('/tmp/reelay-bench-never-written.mp4');

  // The payload intake builds for REQUEST, built once the same way, for the bare add.
  const checked = validate(REQUEST, CATALOG);
  if (!checked.ok) throw new Error(`bench request does not validate: ${checked.error.id}`);
  const payloadFor = (requester: Requester): GeneratePayload =>
    newGeneratePayload({
      request: checked.value,
      requester,
      target,
      charged: true,
      createdAt: Date.now(),
      deadlineMs: config.jobDeadlineMs,
    });
  const payload = payloadFor({ platform: 'telegram', userId: 'bench-raw' });

  let refused = 0;
  let run = 0;
  // Distinct users per job so the member limit never refuses.
  const requester = (i: number): Requester => ({ platform: 'telegram', userId: `bench-${run}-${i}` });
  const variants: Record<VariantName, (i: number) => Promise<unknown>> = {
    'raw add': () => queue.add('generate', payload, { ...GENERATE_JOB_OPTIONS, jobId: randomUUID() }),
    'intake.submit': async (i) => {
      const r = await intake.submit(REQUEST, requester(i), target);
      if (!r.ok) refused += 1;
    },
    'reserve + add': async (i) => {
      const jobId = randomUUID();
      const user = `telegram:bench-${run}-${i}`;
      await credits.reserve(jobId, {
        user,
        community: 'telegram:private',
        credits: checked.value.credits,
        memberLimit: app.memberLimit.credits,
        model: checked.value.model,
        prompt: checked.value.prompt,
      });
      await queue.add('generate', payload, { ...GENERATE_JOB_OPTIONS, jobId });
    },
    'add + waiting count': async () => {
      await queue.add('generate', payload, { ...GENERATE_JOB_OPTIONS, jobId: randomUUID() });
      await queue.getWaitingCount();
    },
    // A cheaper way to a position: one plain LLEN of the wait list instead of BullMQ's count script.
    'add + LLEN wait': async () => {
      await queue.add('generate', payload, { ...GENERATE_JOB_OPTIONS, jobId: randomUUID() });
      await redis.llen(queue.keys.wait as string);
    },
  };
  const names = Object.keys(variants) as VariantName[];

  const once = async (name: VariantName, jobs: number) => {
    run += 1;
    const redisBefore = await redisCpuSeconds(redis);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await runPool(jobs, options.inFlight, variants[name]);
    const elapsed = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const redisCpu = (await redisCpuSeconds(redis)) - redisBefore;
    // Each run starts from an empty queue and ledger: clean up outside the timed part.
    await deleteKeys(redis, prefix);
    return {
      rate: (jobs * 1000) / elapsed,
      nodeCpuUs: (cpu.user + cpu.system) / jobs,
      redisCpuUs: (redisCpu * 1e6) / jobs,
    };
  };

  const samples = new Map<VariantName, { rate: number; nodeCpuUs: number; redisCpuUs: number }[]>(
    names.map((n) => [n, []]),
  );
  const deadline = Date.now() + options.budgetMs;
  try {
    // The first few thousand calls of each path run cold (JIT, script cache): not timed.
    for (let k = 0; k < options.warmupRuns; k++)
      for (const name of names) await once(name, options.warmupJobs);
    for (let round = 0; round < options.rounds; round++) {
      if (options.signal.aborted) break;
      if (round > 0 && Date.now() > deadline) {
        options.log(`  (a) time budget spent after ${round} rounds`);
        break;
      }
      // Rotate the order each round so no variant always runs first (or right after the cleanup).
      const order = names.map((_, k) => names[(k + round) % names.length] as VariantName);
      for (const name of order) samples.get(name)?.push(await once(name, options.jobs));
    }
  } finally {
    await deleteKeys(redis, prefix).catch(() => undefined);
    await app.close();
  }

  const results = names.map((name): VariantResult => {
    const s = samples.get(name) ?? [];
    return {
      name,
      rate: median(s.map((x) => x.rate)),
      rates: s.map((x) => x.rate),
      nodeCpuUs: median(s.map((x) => x.nodeCpuUs)),
      redisCpuUs: median(s.map((x) => x.redisCpuUs)),
    };
  });
  const rateOf = (name: VariantName) => results.find((r) => r.name === name)?.rate ?? Number.NaN;
  const raws = samples.get('raw add') ?? [];
  const pairedRatios = (samples.get('intake.submit') ?? []).map(
    (s, k) => s.rate / (raws[k]?.rate ?? Number.NaN),
  );
  return {
    jobs: options.jobs,
    inFlight: options.inFlight,
    rounds: samples.get('raw add')?.length ?? 0,
    variants: results,
    ratio: rateOf('intake.submit') / rateOf('raw add'),
    pairedRatios,
    refused,
  };
}
