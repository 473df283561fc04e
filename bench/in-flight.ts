/**
 * Part (b): 2,000 jobs in flight at once on one worker process, against a RunningHub fake whose
 * clips take `generationMs` (behind a loopback proxy: see provider-proxy.ts). Part P3 runs the same
 * against the Runware fake, with compiled workers and, when `hints` is on, an http role process that
 * takes the completion hints the proxy posts. Measures the worker's RSS (idle baseline, 500 ms
 * samples, VmHWM at the end) and, per job, the time from the clip being ready at the provider to the deliver job's
 * `deliveredAt`, split into detection (the poll that sees SUCCESS, up to handover) and hand-off
 * (deliver queue, download, file write). The poll cadence comes from the fake's recorded queries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { fileTarget } from '../src/jobs/file-delivery.js';
import { readDeliverPayload } from '../src/jobs/migrate.js';
import type { DeliverResult } from '../src/jobs/payloads.js';
import { deliverJobId } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { createRunningHubFake } from '../test/fakes/runninghub.js';
import { createRunwareFake } from '../test/fakes/runware.js';
import { benchPrefix, deleteKeys, redisCpuSeconds } from './keys.js';
import { readCpuSeconds, readMemory, sampleProcess } from './proc.js';
import { type HintsSent, startProviderProxy, startRunwareProxy } from './provider-proxy.js';
import { mb, percentile, runPool } from './stats.js';
import { COMPILED_DIR, type LoopDelay, startWorkerChild, type WorkerChild } from './worker-child.js';

export interface InFlightOptions {
  /** Names the run in progress lines (`b1`, `b2`). */
  label: string;
  redisUrl: string;
  jobs: number;
  generationMs: number;
  pollIntervalMs: number;
  /** WORKER_CONCURRENCY of each worker process. */
  concurrency: number;
  /** Worker processes (the brief's case is one). */
  processes: number;
  /** Submits in flight at once from the bench process. */
  submitInFlight: number;
  /** Gives up waiting for deliveries this long after the first submit. */
  waitMs: number;
  /**
   * 0: every clip is ready exactly `generationMs` after submit. Above 0: each clip is ready a random
   * 0–`phaseSpreadMs` later on top (see {@link startProviderProxy}), so readiness falls anywhere
   * between two polls, as it does with real clips.
   */
  phaseSpreadMs: number;
  /** How long the provider side keeps an idle connection (the fakes' own 1 s defeats keep-alive). */
  keepAliveMs: number;
  /** When set, the worker writes a V8 CPU profile into this folder when it stops (--cpu-prof). */
  cpuProfileDir?: string;
  /** The fake provider: RunningHub (part b, the default) or Runware (P3: it takes webhooks). */
  provider?: 'runninghub' | 'runware';
  /**
   * Runware only: set `PUBLIC_URL` and `WEBHOOK_SECRET`, start an http role process, and have the
   * proxy POST each task's completion hint to it when its clip is ready.
   */
  hints?: boolean;
  /** Run the workers (and the http role) compiled, under plain node (`dist/bench/*.js`). */
  compiled?: boolean;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface Spread {
  p50: number;
  p95: number;
  max: number;
  count: number;
}

export interface InFlightResult {
  options: Omit<InFlightOptions, 'log' | 'signal' | 'redisUrl' | 'cpuProfileDir' | 'label' | 'provider'> & {
    provider: 'runninghub' | 'runware';
  };
  submitted: number;
  refused: number;
  submitMs: number;
  /** Deliver jobs that completed with a clip. */
  clips: number;
  /** Deliver jobs that completed with a failure notice (the generate job failed). */
  failureNotices: number;
  deliverFailed: number;
  finished: boolean;
  waitedMs: number;
  /** Provider ready → deliveredAt. */
  latency: Spread;
  /** Provider ready → handover (the worker saw SUCCESS and queued the deliver job). */
  detection: Spread;
  /** Handover → deliveredAt. */
  handoff: Spread;
  /** Of the hand-off: the deliver job waiting in its queue (added → taken by the worker). */
  deliverWait: Spread;
  /** Of the hand-off: the deliver job running (taken → delivered: download, write the file). */
  deliverRun: Spread;
  /** Time between two polls of one task beyond the poll interval. */
  pollOvershoot: Spread;
  polls: { total: number; meanPerSecond: number; peakPerSecond: number };
  /** Per worker process; with several, the largest of each. */
  memory: { idleKiB: number; peakSampledKiB: number; hwmKiB: number; samples: number };
  /** CPU seconds over the run (all worker processes), the share of one core that is, and the busiest
   * 2 s window of any one process. */
  workerCpu: { seconds: number; share: number; peakShare2s: number };
  redisCpuSeconds: number;
  /** CPU of this process (fake provider, proxy, bookkeeping), which shares the machine's cores. */
  benchCpuSeconds: number;
  /** Of the worker process with the worst p99. */
  loopDelayMs: LoopDelay | undefined;
  logProblems: { count: number; first: string[] };
  /** Requests the provider proxy could not pass to the fake (should be 0). */
  proxyFailures: number;
  /** Provider queries per submitted job. */
  queriesPerJob: number;
  /**
   * With `hints`: how the proxy's hints were answered, how late after the clip was ready each was
   * sent (the bench process's own delay), and how long the http role took to answer each.
   */
  hints?: Pick<HintsSent, 'statuses' | 'failed'> & { late: Spread; answer: Spread };
  http?: { idleKiB: number; hwmKiB: number; cpuSeconds: number };
}

const spread = (values: number[]): Spread => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  max: values.length > 0 ? Math.max(...values) : Number.NaN,
  count: values.length,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hintFigures = (h: HintsSent): NonNullable<InFlightResult['hints']> => ({
  statuses: h.statuses,
  failed: h.failed,
  late: spread(h.lateMs),
  answer: spread(h.answerMs),
});

/** A loopback port free right now, for the http role process to listen on. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

export async function runInFlightBench(options: InFlightOptions): Promise<InFlightResult> {
  const { log, signal } = options;
  const prefix = benchPrefix('inflight');
  const dir = await mkdtemp(join(tmpdir(), 'reelay-bench-'));
  const provider = options.provider ?? 'runninghub';
  const proxyOptions = {
    generationMs: options.generationMs,
    spreadMs: options.phaseSpreadMs,
    keepAliveMs: options.keepAliveMs,
  };
  const [fake, proxy] =
    provider === 'runware'
      ? await createRunwareFake({ generationMs: options.generationMs }).then(
          async (f) => [f, await startRunwareProxy(f, proxyOptions)] as const,
        )
      : await createRunningHubFake({ generationMs: options.generationMs }).then(
          async (f) => [f, await startProviderProxy(f, proxyOptions)] as const,
        );
  const httpPort = options.hints ? await freePort() : undefined;
  const env = {
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    REELAY_ROLES: 'worker',
    RUNNINGHUB_API_KEY: provider === 'runninghub' ? fake.apiKey : '',
    RUNNINGHUB_API_URL: provider === 'runninghub' ? proxy.baseUrl : '',
    RUNWARE_API_KEY: provider === 'runware' ? fake.apiKey : '',
    RUNWARE_API_URL: provider === 'runware' ? proxy.baseUrl : '',
    POLL_INTERVAL_MS: String(options.pollIntervalMs),
    WORKER_CONCURRENCY: String(options.concurrency),
    QUOTA_DAILY_VIDEOS: '5',
    LOG_LEVEL: 'info',
    // Whatever the shell holds, nothing else is configured: loopback only.
    PUBLIC_URL: httpPort ? `http://127.0.0.1:${httpPort}` : '',
    WEBHOOK_SECRET: httpPort ? randomBytes(24).toString('base64url') : '',
    HTTP_PORT: String(httpPort ?? 8080),
    DISCORD_TOKEN: '',
    TELEGRAM_BOT_TOKEN: '',
  };
  const config = loadConfig(env);
  const app = createApp({ config, logger: createLogger('silent') });
  const workers: WorkerChild[] = [];
  let http: WorkerChild | undefined;

  try {
    const compiled = options.compiled ? { compiled: true } : {};
    const profile = options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {};
    if (httpPort) {
      http = await startWorkerChild(
        { ...env, REELAY_ROLES: 'http' },
        { ...compiled, ...(options.compiled ? { script: `${COMPILED_DIR}http.js` } : {}) },
      );
    }
    for (let k = 0; k < options.processes; k++) {
      workers.push(await startWorkerChild(env, { ...profile, ...compiled }));
    }
    const pids = workers.map((w) => w.pid);
    const children = [...workers, ...(http ? [http] : [])];

    // Baseline: the same processes, ready and idle, before any job arrives.
    await sleep(2_000);
    const idle = Math.max(...(await Promise.all(pids.map(async (pid) => (await readMemory(pid)).rssKiB))));
    const httpIdle = http ? (await readMemory(http.pid)).rssKiB : 0;
    const httpCpuBefore = http ? await readCpuSeconds(http.pid) : 0;
    log(
      `  (${options.label}) ${pids.length === 1 ? 'worker' : `${pids.length} workers`} ready ` +
        `(pid ${pids.join(', ')}), ` +
        `idle RSS ${mb(idle)}; submitting ${options.jobs} jobs`,
    );
    const samplers = pids.map((pid) => sampleProcess(pid, 500));
    const cpuOf = async () => (await Promise.all(pids.map(readCpuSeconds))).reduce((a, b) => a + b, 0);
    const cpuBefore = await cpuOf();
    const redisBefore = await redisCpuSeconds(app.redis);
    const benchBefore = process.cpuUsage();

    const started = Date.now();
    const jobIds: string[] = [];
    let refused = 0;
    await runPool(options.jobs, options.submitInFlight, async (i) => {
      const r = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: `bench clip ${i}: waves on a pier at night` },
        { platform: 'telegram', userId: `bench-${i}` },
        fileTarget(join(dir, `${i}.mp4`)),
      );
      if (r.ok) jobIds.push(r.value.jobId);
      else refused += 1;
    });
    const submitMs = Date.now() - started;
    log(`  (${options.label}) ${jobIds.length} submitted in ${submitMs} ms (${refused} refused)`);

    let finished = false;
    let lastReport = Date.now();
    for (;;) {
      const counts = await app.queues.deliver.getJobCounts('completed', 'failed');
      const ended = (counts.completed ?? 0) + (counts.failed ?? 0);
      if (ended >= jobIds.length) {
        finished = true;
        break;
      }
      if (Date.now() - started > options.waitMs || signal.aborted || children.some((w) => w.exited())) break;
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        const rss = await Promise.all(
          pids.map((pid) =>
            readMemory(pid).then(
              (m) => mb(m.rssKiB),
              () => '?',
            ),
          ),
        );
        log(
          `  (${options.label}) t=${Math.round((Date.now() - started) / 1000)} s: ${ended}/${jobIds.length} delivered` +
            `, worker RSS ${rss.join(', ')}`,
        );
      }
      await sleep(500);
    }
    const waitedMs = Date.now() - started;
    const dead = children.find((w) => w.exited());
    if (dead) throw new Error(`bench worker died during the run: ${dead.stderrTail()}`);

    const finals = await Promise.all(pids.map(readMemory));
    const httpFigures = http
      ? {
          idleKiB: httpIdle,
          hwmKiB: (await readMemory(http.pid)).hwmKiB,
          cpuSeconds: (await readCpuSeconds(http.pid)) - httpCpuBefore,
        }
      : undefined;
    const sampled = samplers.map((x) => x.stop());
    const cpuSeconds = (await cpuOf()) - cpuBefore;
    const redisCpu = (await redisCpuSeconds(app.redis)) - redisBefore;
    const benchCpu = process.cpuUsage(benchBefore);
    const delays = (await Promise.all(workers.map((w) => w.loopDelay()))).filter(
      (d): d is LoopDelay => d !== undefined,
    );
    const loopDelayMs = delays.sort((x, y) => y.p99 - x.p99)[0];

    // Per job: provider ready (the fake's submit time + generationMs [+ offset]) → handover → delivered.
    const readyAtProvider = proxy.readyAt;
    const latency: number[] = [];
    const detection: number[] = [];
    const handoff: number[] = [];
    const deliverWait: number[] = [];
    const deliverRun: number[] = [];
    let clips = 0;
    let failureNotices = 0;
    const deliverFailed = (await app.queues.deliver.getJobCounts('failed')).failed ?? 0;
    await runPool(jobIds.length, 64, async (i) => {
      const jobId = jobIds[i] as string;
      const [generate, deliver] = await Promise.all([
        app.queues.generate.getJob(jobId),
        app.queues.deliver.getJob(deliverJobId(jobId)),
      ]);
      if (!generate || !deliver) return;
      const result = deliver.returnvalue as DeliverResult | null | undefined;
      if (!result) return;
      if (result.kind === 'failure') {
        failureNotices += 1;
        return;
      }
      clips += 1;
      const taskId = generate.returnvalue?.taskId;
      const d = readDeliverPayload(deliver.data);
      const ready = taskId ? readyAtProvider(taskId) : undefined;
      if (ready === undefined || !d) return;
      latency.push(result.deliveredAt - ready);
      detection.push(d.readyAt - ready);
      handoff.push(result.deliveredAt - d.readyAt);
      if (deliver.processedOn !== undefined) {
        deliverWait.push(deliver.processedOn - deliver.timestamp);
        deliverRun.push(result.deliveredAt - deliver.processedOn);
      }
    });

    // Poll cadence, from the queries the fake received.
    const byTask = new Map<string, number[]>();
    const perSecond = new Map<number, number>();
    const queries = fake.server.requestsOf('query');
    for (const q of queries) {
      // RunningHub: {taskId}; Runware: [{taskType:'getResponse', taskUUID}].
      const json = q.json as { taskId?: unknown; 0?: { taskUUID?: unknown } } | undefined;
      const taskId = json?.taskId ?? json?.[0]?.taskUUID;
      if (typeof taskId !== 'string') continue;
      const times = byTask.get(taskId) ?? [];
      times.push(q.at);
      byTask.set(taskId, times);
      const second = Math.floor(q.at / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const overshoot: number[] = [];
    for (const times of byTask.values()) {
      for (let k = 1; k < times.length; k++) {
        overshoot.push((times[k] as number) - (times[k - 1] as number) - options.pollIntervalMs);
      }
    }
    const first = queries[0]?.at ?? 0;
    const last = queries.at(-1)?.at ?? 0;

    return {
      options: {
        jobs: options.jobs,
        generationMs: options.generationMs,
        pollIntervalMs: options.pollIntervalMs,
        concurrency: options.concurrency,
        processes: options.processes,
        submitInFlight: options.submitInFlight,
        waitMs: options.waitMs,
        phaseSpreadMs: options.phaseSpreadMs,
        keepAliveMs: options.keepAliveMs,
        provider,
        hints: options.hints ?? false,
        compiled: options.compiled ?? false,
      },
      submitted: jobIds.length,
      refused,
      submitMs,
      clips,
      failureNotices,
      deliverFailed,
      finished,
      waitedMs,
      latency: spread(latency),
      detection: spread(detection),
      handoff: spread(handoff),
      deliverWait: spread(deliverWait),
      deliverRun: spread(deliverRun),
      pollOvershoot: spread(overshoot),
      polls: {
        total: queries.length,
        meanPerSecond: last > first ? (queries.length * 1000) / (last - first) : Number.NaN,
        peakPerSecond: Math.max(0, ...perSecond.values()),
      },
      memory: {
        idleKiB: idle,
        peakSampledKiB: Math.max(...sampled.map((x) => x.maxRssKiB), ...finals.map((m) => m.rssKiB)),
        hwmKiB: Math.max(...finals.map((m) => m.hwmKiB)),
        samples: sampled.reduce((n, x) => n + x.samples, 0),
      },
      workerCpu: {
        seconds: cpuSeconds,
        share: cpuSeconds / (waitedMs / 1000),
        peakShare2s: Math.max(...sampled.map((x) => x.maxCpuShare2s)),
      },
      redisCpuSeconds: redisCpu,
      benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
      loopDelayMs,
      logProblems: {
        count: workers.reduce((n, w) => n + w.logProblems.count, 0),
        first: workers.flatMap((w) => w.logProblems.first).slice(0, 3),
      },
      proxyFailures: proxy.failures(),
      queriesPerJob: queries.length / Math.max(1, jobIds.length),
      ...('hints' in proxy && http ? { hints: hintFigures(proxy.hints()) } : {}),
      ...(httpFigures ? { http: httpFigures } : {}),
    };
  } finally {
    await Promise.all([...workers, ...(http ? [http] : [])].map((w) => w.stop()));
    await deleteKeys(app.redis, prefix).catch(() => undefined);
    await app.close();
    await proxy.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}
