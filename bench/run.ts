/**
 * `npm run bench`: (a) intake throughput against a bare queue.add, (c) Discord dispatch → defer under a
 * burst of 200 commands against a bare discord.js defer, (b) 2,000 jobs in flight on one worker
 * process against a 20 s fake provider, (d) 20 deliveries of 45 MB clips at once on one worker
 * process with real ffmpeg (its RSS growth; transcode time per clip against ffmpeg alone). Loopback
 * only; each part on its own random BullMQ prefix, deleted after. Prints PASS/MISS per target; exits
 * non-zero only when the bench itself breaks (or overruns its own time bound). See docs/benchmarks.md.
 * Part P3 (capacity: 10,000 generations in flight on compiled workers, with completion hints by
 * webhook or polling alone; see p3.ts) takes about 4 minutes and runs only when named: BENCH_PARTS=p3.
 *
 * Knobs (environment): BENCH_PARTS=a,c,b,d (or b1, b2) · BENCH_WORKER_CONCURRENCY (default 50, the
 * service default) · BENCH_WORKER_PROCESSES (default 1) · BENCH_WORKER_CPU_PROF=<dir> (the worker of part b writes a V8 CPU profile there)
 * · BENCH_PROVIDER_KEEPALIVE_MS (default 60000; 1000 reproduces the fakes' connection-per-request)
 * · BENCH_D_TRANSCODE_CLIPS (default 4; 0 skips part d's transcode run) · BENCH_D_TRANSCODE_SECONDS
 * (default 5; 15 transcodes clips as long as the 45 MB one, about 3 min on 2 cores) · BENCH_D_TRANSCODE_CONCURRENCY
 * (the part d worker's TRANSCODE_CONCURRENCY; default one per core, as the service) · BENCH_P3_JOBS
 * (default 10000: jobs per P3 hints run) · BENCH_P3_POLL_JOBS (default 2000,4000,6000: one P3
 * polling-alone run per count) · BENCH_P3_RUNS (default h1,poll,h2,h4) · BENCH_P3_SPREAD_MS (default
 * 5000: P3's clips take 20 s plus up to this).
 */
import { cpus } from 'node:os';
import {
  type ChildrenPeak,
  type DeliveriesResult,
  runDeliveriesBench,
  type TranscodeRun,
} from './deliveries.js';
import { type DeferBenchResult, runDeferBench } from './discord.js';
import { type InFlightResult, runInFlightBench, type Spread } from './in-flight.js';
import { type IntakeBenchResult, runIntakeBench } from './intake.js';
import { loopbackRedisUrl } from './keys.js';
import { P3_DEFAULT_RUNS, p3BudgetMs, runP3 } from './p3.js';
import { machineSpeed, mb, median, ms, perSecond, verdict } from './stats.js';

/** Hard bound of a run of parts a, b and c; the parts bound themselves well inside it. */
const BASE_BOUND_MS = 270_000;
/**
 * Part (d)'s own bound, added to the run's: 3 min with its default 5 s transcode clip (it takes about
 * 1 min on 2 cores), more for a longer one. The parts before it leave it this much.
 */
const dBudgetMs = (transcodeSeconds: number): number => 120_000 + 12_000 * transcodeSeconds;
const RATIO_TARGET = 0.5;
const RSS_TARGET_KIB = 300 * 1024;

const out = (line = '') => process.stdout.write(`${line}\n`);

function reportIntake(r: IntakeBenchResult): boolean {
  out(`(a) intake throughput: ${r.jobs} jobs per run, ${r.inFlight} in flight, median of ${r.rounds} rounds`);
  const raw = r.variants.find((v) => v.name === 'raw add');
  for (const v of r.variants) {
    const ratio = raw ? (v.rate / raw.rate).toFixed(2) : 'n/a';
    out(
      `    ${v.name.padEnd(20)} ${perSecond(v.rate).padStart(9)}  ×${ratio.padEnd(5)} ` +
        `node CPU ${v.nodeCpuUs.toFixed(0).padStart(4)} µs/job  redis CPU ${v.redisCpuUs.toFixed(0).padStart(4)} µs/job` +
        `  runs: ${v.rates.map((x) => Math.round(x)).join(', ')}`,
    );
  }
  if (r.refused > 0) out(`    note: intake refused ${r.refused} submits (should be 0)`);
  const paired = [...r.pairedRatios].sort((x, y) => x - y);
  out(
    `    intake/raw within each round: median ${median(paired).toFixed(2)}, ` +
      `range ${paired[0]?.toFixed(2)}–${paired.at(-1)?.toFixed(2)}`,
  );
  const pass = r.ratio >= RATIO_TARGET;
  out(`  target intake/raw ≥ ${RATIO_TARGET}: ${r.ratio.toFixed(2)}  ${verdict(pass)}`);
  return pass;
}

const DEFER_P99_TARGET_MS = 250;

function reportDefer(r: DeferBenchResult): boolean {
  out(
    `(c) Discord: ${r.interactions} slash commands dispatched in one burst, ${r.rounds} rounds; dispatch → defer callback`,
  );
  const line = (name: string, s: DeferBenchResult['baseline']) =>
    `    ${name.padEnd(22)} p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${s.deferred}/${r.interactions * r.rounds} deferred)`;
  out(line('bare discord.js defer', r.baseline));
  out(line('reelay bot', r.reelay));
  out(`    reelay/bare p99: ×${(r.reelay.p99 / Math.max(1, r.baseline.p99)).toFixed(2)}`);
  const pass = r.reelay.deferred === r.interactions * r.rounds && r.reelay.p99 < DEFER_P99_TARGET_MS;
  out(`  target all deferred, p99 < ${DEFER_P99_TARGET_MS} ms: ${ms(r.reelay.p99)}  ${verdict(pass)}`);
  return pass;
}

const spreadLine = (s: Spread) => `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, max ${ms(s.max)} (n=${s.count})`;

/** One in-flight run's report: part (b)'s (named b1/b2), or P3's, which names itself and its target. */
function reportInFlight(
  r: InFlightResult,
  name?: string,
  p95Target = r.options.pollIntervalMs + 1_000,
): boolean[] {
  const o = r.options;
  const takes =
    o.phaseSpreadMs > 0
      ? `${o.generationMs / 1000}–${(o.generationMs + o.phaseSpreadMs) / 1000} s (uniform)`
      : `exactly ${o.generationMs / 1000} s`;
  out(
    `(${name ?? `b${o.phaseSpreadMs > 0 ? '2' : '1'}`}) ${o.jobs} jobs in flight on ` +
      `${o.processes === 1 ? 'one worker process' : `${o.processes} worker processes`}` +
      `${o.compiled ? ' (compiled, plain node)' : ''} ` +
      `(WORKER_CONCURRENCY=${o.concurrency}, POLL_INTERVAL_MS=${o.pollIntervalMs}), ${o.provider} fake, clips take ${takes}, ` +
      `provider keep-alive ${o.keepAliveMs / 1000} s` +
      `${o.hints ? ', completion hints by webhook to an http role process' : ''}`,
  );
  out(`    submitted ${r.submitted} in ${ms(r.submitMs)} (${r.refused} refused)`);
  out(
    `    delivered ${r.clips} clips, ${r.failureNotices} failure notices, ${r.deliverFailed} deliveries failed` +
      `${r.finished ? '' : ` — gave up after ${Math.round(r.waitedMs / 1000)} s`}`,
  );
  out(`    ready → delivered   ${spreadLine(r.latency)}`);
  out(`      ready → handover  ${spreadLine(r.detection)}`);
  out(`      handover → post   ${spreadLine(r.handoff)}`);
  out(`        deliver queued  ${spreadLine(r.deliverWait)}`);
  out(`        deliver running ${spreadLine(r.deliverRun)}`);
  // With hints, the gap between two polls is the hint's doing, not lateness.
  if (!o.hints) out(`    poll gap − interval ${spreadLine(r.pollOvershoot)}`);
  out(
    `    polls: ${r.polls.total} total (${r.queriesPerJob.toFixed(2)} per job), ` +
      `${perSecond(r.polls.meanPerSecond)} mean, ${perSecond(r.polls.peakPerSecond)} peak`,
  );
  if (r.hints) {
    const statuses = Object.entries(r.hints.statuses)
      .map(([status, n]) => `${n} × ${status}`)
      .join(', ');
    out(`    hints: ${statuses || 'none answered'}; ${r.hints.failed} unanswered`);
    out(`      sent after ready  ${spreadLine(r.hints.late)}`);
    out(`      http answered in  ${spreadLine(r.hints.answer)}`);
  }
  if (r.http) {
    out(
      `    http role process: RSS idle ${mb(r.http.idleKiB)}, VmHWM ${mb(r.http.hwmKiB)}, CPU ${r.http.cpuSeconds.toFixed(1)} s`,
    );
  }
  out(
    `    worker CPU ${r.workerCpu.seconds.toFixed(1)} s (${(r.workerCpu.share * 100).toFixed(0)}% of one core over ` +
      `${Math.round(r.waitedMs / 1000)} s, busiest 2 s ${(r.workerCpu.peakShare2s * 100).toFixed(0)}%); ` +
      `redis CPU ${r.redisCpuSeconds.toFixed(1)} s; bench process (fake provider) CPU ${r.benchCpuSeconds.toFixed(1)} s` +
      (r.loopDelayMs
        ? `; worker event-loop delay p50 ${r.loopDelayMs.p50.toFixed(1)} ms, p99 ${r.loopDelayMs.p99.toFixed(1)} ms, ` +
          `max ${r.loopDelayMs.max.toFixed(0)} ms`
        : ''),
  );
  out(
    `    worker RSS: idle ${mb(r.memory.idleKiB)} (baseline), peak sampled ${mb(r.memory.peakSampledKiB)} ` +
      `(${r.memory.samples} samples), VmHWM ${mb(r.memory.hwmKiB)}`,
  );
  if (r.proxyFailures > 0)
    out(`    provider proxy answered ${r.proxyFailures} requests with 502 (should be 0)`);
  if (r.logProblems.count > 0) {
    out(
      `    worker logged ${r.logProblems.count} warnings/errors, first: ${r.logProblems.first.join(' | ')}`,
    );
  }
  const rssPass = r.memory.hwmKiB < RSS_TARGET_KIB;
  const allDone = r.finished && r.clips === o.jobs;
  const p95Pass = allDone && r.latency.p95 < p95Target;
  out(`  target peak RSS < 300 MB: ${mb(r.memory.hwmKiB)}  ${verdict(rssPass)}`);
  out(
    `  target p95 ready → delivered < ${ms(p95Target)}: ${ms(r.latency.p95)}` +
      `${allDone ? '' : ` (only ${r.clips}/${o.jobs} clips delivered)`}  ${verdict(p95Pass)}`,
  );
  return [rssPass, p95Pass];
}

const MiB = 1024 * 1024;
/** A knob's number: `fallback` when unset or not a number above 0 (or ≥ 0 with `zeroOk`). */
const positive = (value: string | undefined, fallback: number, zeroOk = false): number => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && (n > 0 || (zeroOk && n === 0))
    ? n
    : fallback;
};
const RSS_GROWTH_TARGET_KIB = 150 * 1024;
const secs = (msValue: number | undefined): string =>
  msValue === undefined || !Number.isFinite(msValue) ? 'n/a' : `${(msValue / 1000).toFixed(1)} s`;
const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

const children = (c: ChildrenPeak): string =>
  `its ffmpeg/ffprobe processes peaked at ${c.count} at once, ${mb(c.pssKiB)} PSS together (${mb(c.rssKiB)} RSS summed)`;

function reportTranscodes(t: TranscodeRun): void {
  const c = t.clip;
  out(
    `    transcodes: a ${(c.bytes / MiB).toFixed(1)} MiB clip (${c.durationS.toFixed(1)} s ${c.width}×${c.height} ${c.codecs}, ` +
      `the memory run's bitrate; shorter than it to fit the time bound) to Discord targets limited to ` +
      `${(t.limit / MiB).toFixed(0)} MiB; the worker's pool runs ${t.poolSize} at once`,
  );
  out(
    `      ffmpeg alone (fitUnder in the bench process, same file and limit): ${t.aloneRuns.map(secs).join(' before, ')}` +
      `${t.aloneRuns.length > 1 ? ' after' : ''}, mean ${secs(t.aloneMs)} → ` +
      `${(t.aloneBytes / MiB).toFixed(1)} MiB`,
  );
  const ratio = (x: number | undefined) =>
    x === undefined || !Number.isFinite(x) ? 'n/a' : `×${(x / t.aloneMs).toFixed(2)}`;
  out(`      one delivery alone in the worker:  logged ${secs(t.singleMs)}  ${ratio(t.singleMs)} of alone`);
  const b = t.batch;
  out(
    `      ${b.count} deliveries at once: logged (with the wait for a slot) mean ${secs(mean(b.loggedMs))}, ` +
      `median ${secs(median(b.loggedMs))}; running mean ${secs(mean(b.ranMs))}, median ${secs(median(b.ranMs))} ` +
      `${ratio(median(b.ranMs))} of alone; ${b.loggedMs.length}/${b.count} compressed in ${secs(b.wallMs)} ` +
      `(${ratio(b.wallMs / Math.max(1, b.count))} of alone per clip)${b.finished ? '' : ' — gave up waiting'}`,
  );
  out(
    `      received ${t.uploads} compressed clips (1 + ${b.count}), ${t.underLimit} under the limit ` +
      `(largest ${(t.largestUpload / MiB).toFixed(2)} MiB); ` +
      `worker RSS peak ${mb(t.peakSampledKiB)}; ${children(t.children)}` +
      `${t.failedSteps > 0 ? `; ${t.failedSteps} preparation steps failed` : ''}`,
  );
}

function reportDeliveries(r: DeliveriesResult): boolean[] {
  const c = r.clip;
  out(
    `(d) deliveries of large clips on one worker process: a ${(c.bytes / MiB).toFixed(1)} MiB clip ` +
      `(${c.durationS.toFixed(1)} s ${c.width}×${c.height} ${c.codecs}, made by ffmpeg), real ffmpeg, ` +
      `Discord and Telegram fakes in another process`,
  );
  const m = r.memory;
  let pass = false;
  if (m) {
    out(
      `    ${m.deliveries} deliveries at once (${m.discord} Discord, ${m.telegram} Telegram, each as it is): ` +
        `${m.delivered} delivered, ${m.failed} failed, ${m.unfinished} unfinished in ${secs(m.wallMs)}; ` +
        `at most ${m.maxRunning} running at once, each ${secs(m.run.p50)} median (max ${secs(m.run.max)})`,
    );
    out(
      `    received: ${m.discordUploads} Discord + ${m.telegramUploads} Telegram uploads, ${m.intact} byte for byte the clip; ` +
        `${m.telegramWithVideoFacts} Telegram videos with duration, size and thumbnail`,
    );
    const growthSampled = m.peakSampledKiB - m.idleKiB;
    const growthHwm = m.hwmKiB - m.idleKiB;
    out(
      `    worker RSS: idle ${mb(m.idleKiB)} (baseline), peak sampled ${mb(m.peakSampledKiB)} (+${mb(growthSampled)}, ` +
        `${m.samples} samples at 100 ms), VmHWM ${mb(m.hwmKiB)} (+${mb(growthHwm)}` +
        `${m.hwmReset ? ', reset after the baseline' : ', over the whole life: clear_refs refused'}); ` +
        `worker CPU ${m.workerCpuSeconds.toFixed(1)} s`,
    );
    if (m.usage) {
      const { idle, peaks } = m.usage;
      const grew = (k: keyof typeof idle) => `+${mb((peaks[k] - idle[k]) / 1024)}`;
      out(
        `    of which (worker's memoryUsage, each figure's own peak): V8 heap total ${grew('heapTotal')} ` +
          `(used ${grew('heapUsed')}), external ${grew('external')} (array buffers ${grew('arrayBuffers')}); ` +
          `RSS after the run ${mb(m.endKiB)}`,
      );
    }
    out(`    outside the worker's RSS: ${children(m.children)}`);
    const growth = Math.max(growthSampled, growthHwm);
    pass = m.delivered === m.deliveries && m.intact === m.deliveries && growth <= RSS_GROWTH_TARGET_KIB;
    if (r.transcode && 'skipped' in r.transcode) out(`    transcodes: skipped (${r.transcode.skipped})`);
    else if (r.transcode) reportTranscodes(r.transcode);
    if (r.loopDelayMs) {
      out(
        `    worker event-loop delay p50 ${r.loopDelayMs.p50.toFixed(1)} ms, p99 ${r.loopDelayMs.p99.toFixed(1)} ms, ` +
          `max ${r.loopDelayMs.max.toFixed(0)} ms`,
      );
    }
    if (r.logProblems.count > 0) {
      out(
        `    worker logged ${r.logProblems.count} warnings/errors, first: ${r.logProblems.first.join(' | ')}`,
      );
    }
    out(
      `  target RSS growth ≤ 150 MB, all ${m.deliveries} delivered whole: +${mb(growth)}` +
        `${m.delivered === m.deliveries && m.intact === m.deliveries ? '' : ` (${m.intact}/${m.deliveries} arrived whole)`}  ${verdict(pass)}`,
    );
  } else {
    out('  target RSS growth ≤ 150 MB: no memory run  MISS');
  }
  out(`    part (d) took ${secs(r.elapsedMs)}`);
  return [pass];
}

async function main(): Promise<void> {
  const redisUrl = loopbackRedisUrl(process.env);
  const parts = (process.env.BENCH_PARTS ?? 'a,c,b,d').split(',').map((p) => p.trim());
  const transcodeSeconds = positive(process.env.BENCH_D_TRANSCODE_SECONDS, 5);
  // What part (b) must leave of the bound for part (d), when it runs.
  const reserved = parts.includes('d') ? dBudgetMs(transcodeSeconds) : 0;
  // P3 runs last, with a bound of its own on top (it is not in the default parts).
  const p3Jobs = Math.floor(positive(process.env.BENCH_P3_JOBS, 10_000));
  const p3PollJobs = (process.env.BENCH_P3_POLL_JOBS ?? '2000,4000,6000')
    .split(',')
    .map((n) => Math.floor(Number(n)))
    .filter((n) => n > 0);
  const p3Runs = (process.env.BENCH_P3_RUNS ?? P3_DEFAULT_RUNS.join(',')).split(',').map((r) => r.trim());
  const p3Reserved = parts.includes('p3') ? p3BudgetMs(p3Runs, p3PollJobs) : 0;
  const TIME_BOUND_MS = BASE_BOUND_MS + reserved + p3Reserved;
  const concurrency = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 50);
  const processes = Number(process.env.BENCH_WORKER_PROCESSES ?? 1);
  const abort = new AbortController();
  const started = Date.now();
  const bound = setTimeout(() => {
    process.stderr.write(`bench: over its ${TIME_BOUND_MS / 1000} s bound, stopping\n`);
    abort.abort();
    setTimeout(() => process.exit(1), 20_000).unref();
  }, TIME_BOUND_MS);
  bound.unref();
  // Ctrl-C: let the part in hand stop and delete its keys; a second Ctrl-C leaves at once.
  process.once('SIGINT', () => {
    process.stderr.write('bench: interrupted, cleaning up (Ctrl-C again to leave now)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  out(
    `reelay bench — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores, redis ${redisUrl}`,
  );
  const speedLine = () =>
    `machine speed ${Math.round(machineSpeed() / 1000)}k JSON round trips/s on one core`;
  out(`  ${speedLine()} (at start; shared 2-core VM: figures move with it)`);
  const verdicts: boolean[] = [];
  if (parts.includes('a')) {
    const r = await runIntakeBench({
      redisUrl,
      jobs: 3_000,
      inFlight: 64,
      rounds: 15,
      warmupJobs: 3_000,
      warmupRuns: 2,
      budgetMs: 30_000,
      signal: abort.signal,
      log: out,
    });
    verdicts.push(reportIntake(r));
    out();
  }
  if (parts.includes('c')) {
    verdicts.push(reportDefer(await runDeferBench({ redisUrl, interactions: 200, rounds: 3, log: out })));
    out();
  }
  // b1 is the brief's case (every clip exactly 20 s); b2 spreads readiness over one poll interval.
  for (const [part, phaseSpreadMs] of [
    ['b1', 0],
    ['b2', 5_000],
  ] as const) {
    if (!parts.includes(part) && !parts.includes('b')) continue;
    // Each run needs ~30 s when healthy; never start one that could not finish inside the bound.
    const left = TIME_BOUND_MS - reserved - p3Reserved - (Date.now() - started) - 30_000;
    if (abort.signal.aborted || left < 60_000) {
      out(`(${part}) skipped: not enough of the time bound left`);
      continue;
    }
    const r = await runInFlightBench({
      label: part,
      redisUrl,
      jobs: 2_000,
      generationMs: 20_000,
      pollIntervalMs: 5_000,
      concurrency,
      processes,
      submitInFlight: 64,
      waitMs: Math.min(part === 'b1' ? 170_000 : 90_000, left),
      phaseSpreadMs,
      keepAliveMs: Number(process.env.BENCH_PROVIDER_KEEPALIVE_MS ?? 60_000),
      ...(process.env.BENCH_WORKER_CPU_PROF ? { cpuProfileDir: process.env.BENCH_WORKER_CPU_PROF } : {}),
      log: out,
      signal: abort.signal,
    });
    verdicts.push(...reportInFlight(r));
    out();
  }
  if (parts.includes('d')) {
    const left = TIME_BOUND_MS - p3Reserved - (Date.now() - started) - 20_000;
    if (abort.signal.aborted || left < 90_000) {
      out('(d) skipped: not enough of the time bound left');
    } else {
      const transcodeConcurrency = process.env.BENCH_D_TRANSCODE_CONCURRENCY;
      const r = await runDeliveriesBench({
        redisUrl,
        deliveries: 20,
        clipSeconds: 15,
        clipBytes: 45 * MiB,
        discordLimit: 50 * MiB,
        transcodeClips: Math.floor(positive(process.env.BENCH_D_TRANSCODE_CLIPS, 4, true)),
        transcodeSeconds,
        transcodeLimit: 10 * MiB,
        transcodeConcurrency: transcodeConcurrency
          ? Math.floor(positive(transcodeConcurrency, 1))
          : undefined,
        budgetMs: Math.min(reserved, left),
        log: out,
        signal: abort.signal,
      });
      verdicts.push(...reportDeliveries(r));
      out();
    }
  }
  if (parts.includes('p3') && !abort.signal.aborted) {
    out(
      `(P3) capacity: runs ${p3Runs.join(', ')}; ${p3Jobs} jobs per hints run, ` +
        `${p3PollJobs.join(', ')} in the polling-alone runs`,
    );
    verdicts.push(
      ...(await runP3({
        redisUrl,
        jobs: p3Jobs,
        pollJobs: p3PollJobs,
        runs: p3Runs,
        spreadMs: Math.floor(positive(process.env.BENCH_P3_SPREAD_MS, 5_000)),
        concurrency,
        keepAliveMs: Number(process.env.BENCH_PROVIDER_KEEPALIVE_MS ?? 60_000),
        ...(process.env.BENCH_WORKER_CPU_PROF ? { cpuProfileDir: process.env.BENCH_WORKER_CPU_PROF } : {}),
        log: out,
        signal: abort.signal,
        report: (r, p95Target) =>
          reportInFlight(
            r,
            r.options.hints ? `P3 h${r.options.processes}` : `P3 poll ${r.options.jobs}`,
            p95Target,
          ),
      })),
    );
  }
  out(`  ${speedLine()} (at end)`);
  const passed = verdicts.filter(Boolean).length;
  out(`${passed}/${verdicts.length} targets met in ${Math.round((Date.now() - started) / 1000)} s`);
  // Stopped early (time bound or Ctrl-C): not a result to trust.
  if (abort.signal.aborted) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(
      `bench crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
