/**
 * Part (d): deliveries of large clips on one worker process, with real ffmpeg.
 *
 * The worker (bench/deliver-worker.ts, a child process) runs the deliver worker with the real Discord
 * and Telegram deliveries, pointed at the Discord and Telegram fakes of another child
 * (bench/platform-fakes.ts), which also hosts the clips at a loopback "provider result URL". The bench
 * process queues deliver jobs directly (outcome `clip`), as a generate job's handover does, and
 * measures the worker:
 *
 * 1. **Memory**: `deliveries` jobs at once of one ~45 MB 1080p H.264/AAC clip made with ffmpeg, half to
 *    Discord targets (an `attachment_size_limit` the clip fits), half to Telegram (50 MB), so each is
 *    downloaded, probed, thumbnailed and uploaded as it is, streamed from disk. The worker's VmRSS is
 *    sampled every 100 ms against its idle baseline; its VmHWM is reset after the baseline
 *    (`clear_refs`), so VmHWM − idle is the true peak growth over the run.
 * 2. **Transcodes**: Discord targets with a 10 MiB limit, so each clip is compressed (two-pass
 *    libx264, `fitUnder`). The time per clip is the `ms` of the worker's 'clip compressed to fit' log
 *    line, against `fitUnder` run alone on the same file in the bench process: one delivery alone (the
 *    ratio should be ≈ 1), then `transcodeClips` at once (the pool runs TRANSCODE_CONCURRENCY of them,
 *    one per core by default, each ffmpeg using every core). The logged `ms` counts from the request
 *    for a pool slot, so a clip that waited for one reports its wait too: the time it ran is rebuilt
 *    from the log lines' times (the pool serves in order).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type App, createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { DeliveryTarget } from '../src/core/ports.js';
import type { DeliverPayload, DeliverResult } from '../src/jobs/payloads.js';
import { DELIVER_JOB_OPTIONS, deliverJobId } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { fitUnder, type Probe, probe } from '../src/media/ffmpeg.js';
import { FAKE_DISCORD_TOKEN } from '../test/fakes/discord.js';
import { FAKE_TOKEN } from '../test/fakes/telegram.js';
import { makeClip, removeClips, testFfmpeg } from '../test/helpers/clips.js';
import { benchPrefix, deleteKeys } from './keys.js';
import type {
  DiscordTargetData,
  FakesCommand,
  FakesMessage,
  ReceivedUpload,
  TelegramTargetData,
} from './platform-fakes.js';
import { readChildrenMemory, readCpuSeconds, readMemory, resetPeakRss, sampleProcess } from './proc.js';
import { mb, percentile } from './stats.js';
import { type LoopDelay, type MemoryUsage, startWorkerChild, type WorkerChild } from './worker-child.js';

const FAKES = fileURLToPath(new URL('./platform-fakes.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('./deliver-worker.ts', import.meta.url));

export interface DeliveriesOptions {
  redisUrl: string;
  /** Deliveries queued at once in the memory run, half to Discord, half to Telegram. */
  deliveries: number;
  /** The clip of the memory run: seconds of 1080p24 with audio, and about how large. */
  clipSeconds: number;
  clipBytes: number;
  /** `attachment_size_limit` of the Discord targets of the memory run (the clip fits under it). */
  discordLimit: number;
  /** Clips compressed at once in the transcode run (0: no transcode run). */
  transcodeClips: number;
  /** Seconds of the transcode run's clip: 1080p24 at the memory run's bitrate. */
  transcodeSeconds: number;
  /** The Discord limit of the transcode run, under the clip's size. */
  transcodeLimit: number;
  /** TRANSCODE_CONCURRENCY of the worker; undefined: the service default, one per core. */
  transcodeConcurrency: number | undefined;
  /** The whole part stops waiting after this long (what finished is still reported). */
  budgetMs: number;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface ClipFacts {
  bytes: number;
  durationS: number;
  width: number;
  height: number;
  codecs: string;
  makeMs: number;
}

/** Peaks of the worker's child processes, each taken on its own (they need not coincide). */
export interface ChildrenPeak {
  count: number;
  rssKiB: number;
  pssKiB: number;
}

export interface Spread {
  p50: number;
  max: number;
  count: number;
}

export interface MemoryRun {
  deliveries: number;
  discord: number;
  telegram: number;
  /** Jobs that completed with the clip posted / failed for good / neither within the bound. */
  delivered: number;
  failed: number;
  unfinished: number;
  wallMs: number;
  /** Most deliver jobs running at the same moment (from their processedOn / finishedOn). */
  maxRunning: number;
  /** Taken → done per job. */
  run: Spread;
  idleKiB: number;
  peakSampledKiB: number;
  /** VmHWM at the end; since the baseline when `hwmReset`, over the process's life otherwise. */
  hwmKiB: number;
  hwmReset: boolean;
  /** RSS once every delivery ended. */
  endKiB: number;
  /** The worker's own `process.memoryUsage()` at the baseline and each figure's peak over the run. */
  usage?: { idle: MemoryUsage; peaks: MemoryUsage };
  samples: number;
  /** The worker's ffmpeg/ffprobe children together (outside its RSS), at their peak. */
  children: ChildrenPeak;
  workerCpuSeconds: number;
  /** Uploads the fakes received: how many, and how many byte for byte the clip. */
  discordUploads: number;
  telegramUploads: number;
  intact: number;
  /** Telegram uploads that carried the probed duration/size and a thumbnail. */
  telegramWithVideoFacts: number;
}

export interface TranscodeRun {
  clip: ClipFacts;
  limit: number;
  poolSize: number;
  /** fitUnder alone in the bench process, on the same file, same limit: before and after the
   * worker's transcodes (when there was time), and their mean, the baseline. */
  aloneRuns: number[];
  aloneMs: number;
  aloneBytes: number;
  /** One delivery alone through the worker: its logged ms. */
  singleMs: number | undefined;
  /** `count` deliveries at once: each clip's logged ms (with any wait for a slot) and its time running. */
  batch: { count: number; loggedMs: number[]; ranMs: number[]; wallMs: number; finished: boolean };
  /** Sizes of the compressed clips the Discord fake received, and how many were under the limit. */
  uploads: number;
  underLimit: number;
  largestUpload: number;
  peakSampledKiB: number;
  children: ChildrenPeak;
  failedSteps: number;
}

export interface DeliveriesResult {
  clip: ClipFacts;
  memory: MemoryRun | undefined;
  transcode: TranscodeRun | { skipped: string } | undefined;
  loopDelayMs: LoopDelay | undefined;
  logProblems: { count: number; first: string[] };
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const spread = (values: number[]): Spread => ({
  p50: percentile(values, 50),
  max: values.length > 0 ? Math.max(...values) : Number.NaN,
  count: values.length,
});

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The fakes' process, driven over IPC one request at a time. */
interface Fakes {
  discordApiUrl: string;
  telegramApiUrl: string;
  serve(path: string): Promise<string>;
  targets(
    discord: number,
    discordLimit: number,
    telegram: number,
  ): Promise<{ discord: DiscordTargetData[]; telegram: TelegramTargetData[] }>;
  uploads(): Promise<{ discord: ReceivedUpload[]; telegram: ReceivedUpload[] }>;
  close(): Promise<void>;
}

async function startFakes(): Promise<Fakes> {
  const child: ChildProcess = fork(FAKES, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = <T extends FakesMessage['type']>(type: T, timeoutMs = 60_000) =>
    new Promise<Extract<FakesMessage, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench fakes: no ${type} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`bench fakes exited (${code})`));
      };
      child.once('exit', onExit);
      child.once('message', (m: FakesMessage) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        if (m.type === 'error') reject(new Error(`bench fakes: ${m.message}`));
        else if (m.type !== type) reject(new Error(`bench fakes: expected ${type}, got ${m.type}`));
        else resolve(m as Extract<FakesMessage, { type: T }>);
      });
    });
  const ask = <T extends FakesMessage['type']>(command: FakesCommand, type: T) => {
    const answer = next(type);
    child.send(command);
    return answer;
  };
  try {
    const ready = await next('ready', 30_000);
    return {
      discordApiUrl: ready.discordApiUrl,
      telegramApiUrl: ready.telegramApiUrl,
      serve: async (path) => (await ask({ type: 'serve', path }, 'served')).url,
      targets: async (discord, discordLimit, telegram) => {
        const m = await ask({ type: 'targets', discord, discordLimit, telegram }, 'targets');
        return { discord: m.discord, telegram: m.telegram };
      },
      uploads: async () => {
        const m = await ask({ type: 'uploads' }, 'uploads');
        return { discord: m.discord, telegram: m.telegram };
      },
      async close() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((r) => child.once('exit', r));
        child.send({ type: 'close' } satisfies FakesCommand);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await gone;
        clearTimeout(timer);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function clipFacts(path: string, makeMs: number): Promise<{ facts: ClipFacts; probed: Probe }> {
  const probed = await probe(await testFfmpeg(), path);
  return {
    probed,
    facts: {
      bytes: probed.sizeBytes,
      durationS: probed.durationS,
      width: probed.width,
      height: probed.height,
      codecs: `${probed.videoCodec}/${probed.audioCodec ?? 'no audio'}`,
      makeMs,
    },
  };
}

/** Queues one deliver job per target, all at once, as handovers do; answers their generate job ids. */
async function queueDeliveries(
  app: App,
  targets: { target: DeliveryTarget; userId: string }[],
  videoUrl: string,
  durationS: number,
): Promise<string[]> {
  const readyAt = Date.now();
  const jobs = targets.map(({ target, userId }, n) => {
    const generateJobId = randomUUID();
    const data: DeliverPayload = {
      v: 2,
      generateJobId,
      request: {
        model: 'kling-2.5-turbo-pro',
        mode: 'text',
        prompt: `a heron lifting off a river at dawn, take ${n + 1}`,
        duration: Math.round(durationS),
        images: {},
        credits: 1,
      },
      requester: { platform: target.platform, userId },
      target,
      outcome: { kind: 'clip', videoUrl, provider: 'runninghub' },
      readyAt,
    };
    return {
      name: 'deliver' as const,
      data,
      opts: { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(generateJobId) },
    };
  });
  await app.queues.deliver.addBulk(jobs);
  return jobs.map((j) => j.data.generateJobId);
}

/** Waits until every job of `ids` has completed or failed for good, or `until` (epoch ms), or abort. */
async function waitFor(app: App, ids: string[], until: number, signal: AbortSignal): Promise<boolean> {
  for (;;) {
    const states = await Promise.all(ids.map((id) => app.queues.deliver.getJobState(deliverJobId(id))));
    if (states.every((s) => s === 'completed' || s === 'failed')) return true;
    if (Date.now() > until || signal.aborted) return false;
    await sleep(200);
  }
}

/** Most intervals overlapping at one moment. */
function maxOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  edges.sort((x, y) => (x[0] as number) - (y[0] as number) || (x[1] as number) - (y[1] as number));
  let now = 0;
  let most = 0;
  for (const [, d] of edges) {
    now += d as number;
    most = Math.max(most, now);
  }
  return most;
}

/**
 * The time each transcode ran, from the log lines of clips that asked the pool for a slot together:
 * asked at `time − ms`, done at `time`. The pool hands slots out in order of asking, each to the
 * earliest-freed slot; so a clip started at max(its ask, that slot's last end).
 */
export function ranTimes(lines: { time: number; ms: number }[], poolSize: number): number[] {
  const asked = lines.map((l) => ({ ask: l.time - l.ms, end: l.time })).sort((a, b) => a.ask - b.ask);
  const free = Array.from({ length: poolSize }, () => Number.NEGATIVE_INFINITY);
  return asked.map(({ ask, end }) => {
    let slot = 0;
    for (let k = 1; k < free.length; k++) if ((free[k] as number) < (free[slot] as number)) slot = k;
    const start = Math.max(ask, free[slot] as number);
    free[slot] = end;
    return end - start;
  });
}

/** Samples the worker's children (ffmpeg, ffprobe) every `everyMs`; keeps the peaks. */
function sampleChildren(pid: number, everyMs: number): { stop(): ChildrenPeak } {
  const peak: ChildrenPeak = { count: 0, rssKiB: 0, pssKiB: 0 };
  const timer = setInterval(() => {
    readChildrenMemory(pid).then(
      (m) => {
        peak.count = Math.max(peak.count, m.count);
        peak.rssKiB = Math.max(peak.rssKiB, m.rssKiB);
        peak.pssKiB = Math.max(peak.pssKiB, m.pssKiB);
      },
      () => undefined,
    );
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { ...peak };
    },
  };
}

interface CompressedLine {
  jobId: string;
  ms: number;
  time: number;
  to: number;
}

export async function runDeliveriesBench(options: DeliveriesOptions): Promise<DeliveriesResult> {
  const { log, signal } = options;
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const prefix = benchPrefix('deliveries');
  const dir = await mkdtemp(join(tmpdir(), 'reelay-bench-d-'));
  const paths = await testFfmpeg();
  const bitrateBytesPerS = options.clipBytes / options.clipSeconds;

  let made = performance.now();
  const bigPath = await makeClip({
    seconds: options.clipSeconds,
    width: 1920,
    height: 1080,
    audio: true,
    targetBytes: options.clipBytes,
  });
  const big = await clipFacts(bigPath, performance.now() - made);
  const bigSha = await sha256Of(bigPath);
  log(
    `  (d) clip made with ffmpeg in ${(big.facts.makeMs / 1000).toFixed(1)} s: ${mb(big.facts.bytes / 1024)}, ` +
      `${big.facts.durationS.toFixed(1)} s ${big.facts.width}×${big.facts.height} ${big.facts.codecs}`,
  );

  const fakes = await startFakes();
  const env: Record<string, string> = {
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: prefix,
    REELAY_ROLES: 'worker',
    LOG_LEVEL: 'info',
    // No generate job runs here; a worker still needs a provider configured (loopback, never called).
    RUNNINGHUB_API_KEY: 'bench-unused',
    RUNNINGHUB_API_URL: 'http://127.0.0.1:9',
    RUNWARE_API_KEY: '',
    PUBLIC_URL: '',
    DISCORD_TOKEN: FAKE_DISCORD_TOKEN,
    DISCORD_API_URL: fakes.discordApiUrl,
    TELEGRAM_BOT_TOKEN: FAKE_TOKEN,
    TELEGRAM_API_URL: fakes.telegramApiUrl,
    TELEGRAM_MAX_UPLOAD_MB: '50',
    TRANSCODE_CONCURRENCY:
      options.transcodeConcurrency === undefined ? '' : String(options.transcodeConcurrency),
  };
  const app = createApp({ config: loadConfig(env), logger: createLogger('silent') });
  const compressed: CompressedLine[] = [];
  let failedSteps = 0;
  const onLine = (line: string) => {
    if (line.includes('clip preparation step failed')) failedSteps += 1;
    if (!line.includes('clip compressed to fit')) return;
    try {
      const l = JSON.parse(line) as { jobId?: string; ms?: number; time?: number; to?: number };
      if (typeof l.jobId === 'string' && typeof l.ms === 'number' && typeof l.time === 'number') {
        compressed.push({ jobId: l.jobId, ms: l.ms, time: l.time, to: l.to ?? 0 });
      }
    } catch {
      // not a log line
    }
  };
  let worker: WorkerChild | undefined;
  let memory: MemoryRun | undefined;
  let transcode: TranscodeRun | { skipped: string } | undefined;
  let loopDelayMs: LoopDelay | undefined;
  try {
    worker = await startWorkerChild(env, { script: WORKER, onLine });
    const pid = worker.pid;
    await sleep(2_000);
    const idle = (await readMemory(pid)).rssKiB;
    const hwmReset = await resetPeakRss(pid);
    const usageIdle = (await worker.memoryUsage())?.now;
    const half = Math.floor(options.deliveries / 2);
    const targets = await fakes.targets(options.deliveries - half, options.discordLimit, half);
    const url = await fakes.serve(bigPath);
    log(
      `  (d) worker ready (pid ${pid}), idle RSS ${mb(idle)}; queueing ${options.deliveries} deliveries ` +
        `(${targets.discord.length} Discord, ${targets.telegram.length} Telegram)`,
    );

    // 1. Memory: every delivery at once, each clip posted as it is.
    const sampler = sampleProcess(pid, 100);
    const children = sampleChildren(pid, 200);
    const cpuBefore = await readCpuSeconds(pid);
    const t0 = Date.now();
    const ids = await queueDeliveries(
      app,
      [
        ...targets.discord.map((data) => ({
          target: { platform: 'discord', data: { ...data } },
          userId: data.userId,
        })),
        ...targets.telegram.map((data) => ({
          target: { platform: 'telegram', data: { ...data } },
          userId: String(data.chatId),
        })),
      ],
      url,
      big.facts.durationS,
    );
    // Leave the transcode run at least a minute of the budget.
    const finished = await waitFor(app, ids, Math.min(deadline - 60_000, t0 + 120_000), signal);
    const wallMs = Date.now() - t0;
    if (worker.exited()) throw new Error(`bench worker died during the run: ${worker.stderrTail()}`);
    const end = await readMemory(pid);
    const usagePeaks = (await worker.memoryUsage())?.peaks;
    const sampled = sampler.stop();
    const childrenPeak = children.stop();
    const cpu = (await readCpuSeconds(pid)) - cpuBefore;
    const jobs = await Promise.all(ids.map((id) => app.queues.deliver.getJob(deliverJobId(id))));
    const intervals: [number, number][] = [];
    let delivered = 0;
    let failed = 0;
    for (const job of jobs) {
      if (!job) continue;
      if (job.finishedOn !== undefined && job.processedOn !== undefined) {
        intervals.push([job.processedOn, job.finishedOn]);
      }
      if ((job.returnvalue as DeliverResult | null | undefined)?.kind === 'clip') delivered += 1;
      else if (job.failedReason && job.finishedOn !== undefined) failed += 1;
    }
    const uploads = await fakes.uploads();
    const all = [...uploads.discord, ...uploads.telegram];
    memory = {
      deliveries: ids.length,
      discord: targets.discord.length,
      telegram: targets.telegram.length,
      delivered,
      failed,
      unfinished: ids.length - delivered - failed,
      wallMs,
      maxRunning: maxOverlap(intervals),
      run: spread(intervals.map(([a, b]) => b - a)),
      idleKiB: idle,
      peakSampledKiB: Math.max(sampled.maxRssKiB, end.rssKiB),
      hwmKiB: end.hwmKiB,
      hwmReset,
      endKiB: end.rssKiB,
      ...(usageIdle && usagePeaks ? { usage: { idle: usageIdle, peaks: usagePeaks } } : {}),
      samples: sampled.samples,
      children: childrenPeak,
      workerCpuSeconds: cpu,
      discordUploads: uploads.discord.length,
      telegramUploads: uploads.telegram.length,
      intact: all.filter((u) => u.size === big.facts.bytes && u.sha256 === bigSha).length,
      telegramWithVideoFacts: uploads.telegram.filter(
        (u) => u.thumbnail && typeof u.params?.duration === 'number' && typeof u.params?.width === 'number',
      ).length,
    };
    log(
      `  (d) memory run: ${delivered}/${ids.length} delivered in ${(wallMs / 1000).toFixed(1)} s` +
        `${finished ? '' : ' (gave up waiting)'}`,
    );

    const transcodeRun = async (): Promise<TranscodeRun> => {
      made = performance.now();
      const smallPath = await makeClip({
        seconds: options.transcodeSeconds,
        width: 1920,
        height: 1080,
        audio: true,
        targetBytes: Math.round(bitrateBytesPerS * options.transcodeSeconds),
      });
      const small = await clipFacts(smallPath, performance.now() - made);
      const poolSize = options.transcodeConcurrency ?? availableParallelism();
      // The baseline: the same fitUnder, alone, on the same file, in this process (worker idle);
      // once before the worker's transcodes and once after, to bracket the machine's drift.
      const fitAlone = async () => {
        const t = performance.now();
        const fitted = await fitUnder(paths, smallPath, join(dir, 'alone.mp4'), options.transcodeLimit, {
          timeoutMs: 600_000,
          workDir: dir,
          signal,
        });
        const took = performance.now() - t;
        await rm(join(dir, 'alone.mp4'), { force: true });
        return { ms: took, fitted };
      };
      const first = await fitAlone();
      const alone = first.fitted;
      const aloneMs = first.ms;
      log(
        `  (d) transcode clip ${mb(small.facts.bytes / 1024)} (${small.facts.durationS.toFixed(1)} s ` +
          `${small.facts.width}×${small.facts.height}); fitUnder alone to ${mb(options.transcodeLimit / 1024)}: ` +
          `${(aloneMs / 1000).toFixed(1)} s → ${mb(alone.probe.sizeBytes / 1024)} ` +
          `(${alone.plan.width}×${alone.plan.height}, ${alone.passes} passes)`,
      );
      const smallUrl = await fakes.serve(smallPath);
      const tSampler = sampleProcess(pid, 100);
      const tChildren = sampleChildren(pid, 200);
      const discordOnly = async (count: number) =>
        (await fakes.targets(count, options.transcodeLimit, 0)).discord.map((data) => ({
          target: { platform: 'discord', data: { ...data } },
          userId: data.userId,
        }));
      // One alone through the worker: the pool, the job and the log around the same fitUnder.
      const singleIds = await queueDeliveries(app, await discordOnly(1), smallUrl, small.facts.durationS);
      await waitFor(app, singleIds, deadline - 10_000, signal);
      const singleMs = compressed.find((c) => c.jobId === singleIds[0])?.ms;
      // Then a batch at once.
      const b0 = Date.now();
      const batchIds = await queueDeliveries(
        app,
        await discordOnly(options.transcodeClips),
        smallUrl,
        small.facts.durationS,
      );
      const batchFinished = await waitFor(app, batchIds, deadline - 5_000, signal);
      const batchWall = Date.now() - b0;
      const batchLines = compressed.filter((c) => batchIds.includes(c.jobId));
      const tSampled = tSampler.stop();
      const tChildrenPeak = tChildren.stop();
      const received = (await fakes.uploads()).discord;
      const after = signal.aborted || Date.now() > deadline - 15_000 ? undefined : await fitAlone();
      const aloneRuns = after ? [aloneMs, after.ms] : [aloneMs];
      return {
        clip: small.facts,
        limit: options.transcodeLimit,
        poolSize,
        aloneMs: aloneRuns.reduce((a, b) => a + b, 0) / aloneRuns.length,
        aloneRuns,
        aloneBytes: alone.probe.sizeBytes,
        singleMs,
        batch: {
          count: batchIds.length,
          loggedMs: batchLines.map((l) => l.ms),
          ranMs: ranTimes(batchLines, poolSize),
          wallMs: batchWall,
          finished: batchFinished,
        },
        uploads: received.length,
        underLimit: received.filter((u) => u.size <= options.transcodeLimit).length,
        largestUpload: Math.max(0, ...received.map((u) => u.size)),
        peakSampledKiB: tSampled.maxRssKiB,
        children: tChildrenPeak,
        failedSteps,
      };
    };

    // 2. Transcodes: Discord targets under the clip's size, so every clip is compressed.
    if (options.transcodeClips < 1) {
      transcode = { skipped: 'BENCH_D_TRANSCODE_CLIPS=0' };
    } else if (signal.aborted || deadline - Date.now() < 45_000) {
      transcode = { skipped: 'not enough of the time bound left' };
    } else {
      try {
        transcode = await transcodeRun();
      } catch (error) {
        // Stopped (time bound, Ctrl-C) in the middle: report what the memory run found.
        if (!signal.aborted) throw error;
        transcode = { skipped: `stopped: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    loopDelayMs = await worker.loopDelay();
  } finally {
    await worker?.stop();
    await fakes.close();
    await deleteKeys(app.redis, prefix).catch(() => undefined);
    await app.close();
    await rm(dir, { recursive: true, force: true });
    await removeClips();
  }
  return {
    clip: big.facts,
    memory,
    transcode,
    loopDelayMs,
    logProblems: worker ? worker.logProblems : { count: 0, first: [] },
    elapsedMs: Date.now() - started,
  };
}
