/**
 * `npm run bench`: (a) intake throughput against a bare queue.add, (c) Discord dispatch → defer under a
 * burst of 200 commands against a bare discord.js defer, (b) 2,000 jobs in flight on one worker
 * process against a 20 s fake provider. Loopback only; each part on its own random BullMQ
 * prefix, deleted after. Prints PASS/MISS per target; exits non-zero only when the bench itself
 * breaks (or overruns its own time bound). See docs/benchmarks.md.
 *
 * Knobs (environment): BENCH_PARTS=a,c,b (or b1, b2) · BENCH_WORKER_CONCURRENCY (default 50, the
 * service default) · BENCH_WORKER_PROCESSES (default 1) · BENCH_WORKER_CPU_PROF=<dir> (the worker of part b writes a V8 CPU profile there)
 * · BENCH_PROVIDER_KEEPALIVE_MS (default 60000; 1000 reproduces the fakes' connection-per-request).
 */
import { cpus } from 'node:os';
import { type DeferBenchResult, runDeferBench } from './discord.js';
import { type InFlightResult, runInFlightBench, type Spread } from './in-flight.js';
import { type IntakeBenchResult, runIntakeBench } from './intake.js';
import { loopbackRedisUrl } from './keys.js';
import { machineSpeed, mb, median, ms, perSecond, verdict } from './stats.js';

/** Hard bound of the whole run; the parts bound themselves well inside it. */
const TIME_BOUND_MS = 270_000;
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

function reportInFlight(r: InFlightResult): boolean[] {
  const o = r.options;
  const takes =
    o.phaseSpreadMs > 0
      ? `${o.generationMs / 1000}–${(o.generationMs + o.phaseSpreadMs) / 1000} s (uniform)`
      : `exactly ${o.generationMs / 1000} s`;
  out(
    `(b${o.phaseSpreadMs > 0 ? '2' : '1'}) ${o.jobs} jobs in flight on ` +
      `${o.processes === 1 ? 'one worker process' : `${o.processes} worker processes`} ` +
      `(WORKER_CONCURRENCY=${o.concurrency}, POLL_INTERVAL_MS=${o.pollIntervalMs}), clips take ${takes}, ` +
      `provider keep-alive ${o.keepAliveMs / 1000} s`,
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
  out(`    poll gap − interval ${spreadLine(r.pollOvershoot)}`);
  out(
    `    polls: ${r.polls.total} total, ${perSecond(r.polls.meanPerSecond)} mean, ${perSecond(r.polls.peakPerSecond)} peak`,
  );
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
  const p95Target = o.pollIntervalMs + 1_000;
  const allDone = r.finished && r.clips === o.jobs;
  const p95Pass = allDone && r.latency.p95 < p95Target;
  out(`  target peak RSS < 300 MB: ${mb(r.memory.hwmKiB)}  ${verdict(rssPass)}`);
  out(
    `  target p95 ready → delivered < ${ms(p95Target)}: ${ms(r.latency.p95)}` +
      `${allDone ? '' : ` (only ${r.clips}/${o.jobs} clips delivered)`}  ${verdict(p95Pass)}`,
  );
  return [rssPass, p95Pass];
}

async function main(): Promise<void> {
  const redisUrl = loopbackRedisUrl(process.env);
  const parts = (process.env.BENCH_PARTS ?? 'a,c,b').split(',').map((p) => p.trim());
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
    const left = TIME_BOUND_MS - (Date.now() - started) - 30_000;
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
