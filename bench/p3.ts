/**
 * Part P3 (issue 11, item 5): capacity of compiled worker processes with 10,000 generations in
 * flight against a Runware fake whose clips take 20–25 s.
 *
 * - `h1`, `h2`, `h4`: one, two and four worker processes; completion hints by webhook to an http
 *   role process, polling only as the safety net (`POLL_INTERVAL_MS=30000`).
 * - `poll`: polling alone at the default interval (5 s), one worker process, at growing numbers of
 *   jobs in flight, to show where one process tops out.
 *
 * The workers and the http role run compiled (`tsc -p bench/tsconfig.p3.json`, then plain `node
 * dist/bench/*.js`), as production runs `node dist/src/main.js`. Each run is a part (b) run
 * (in-flight.ts) with those options. See docs/benchmarks.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type InFlightResult, runInFlightBench } from './in-flight.js';
import { COMPILED_DIR } from './worker-child.js';

export interface P3Options {
  redisUrl: string;
  /** Generations in flight in each hints run (`BENCH_P3_JOBS`, default 10,000). */
  jobs: number;
  /** Generations in flight in each polling-alone run, one run per count (`BENCH_P3_POLL_JOBS`). */
  pollJobs: number[];
  /** Which runs (`BENCH_P3_RUNS`): h1, h2, h4, poll. */
  runs: string[];
  /** How much later than 20 s a clip may be ready (`BENCH_P3_SPREAD_MS`, default 5,000: 20–25 s). */
  spreadMs: number;
  concurrency: number;
  keepAliveMs: number;
  /** When set, each worker writes a V8 CPU profile into this folder when it stops (--cpu-prof). */
  cpuProfileDir?: string;
  log: (line: string) => void;
  signal: AbortSignal;
  /** Prints one run's report and returns its verdicts (run.ts's reportInFlight). */
  report: (r: InFlightResult, p95TargetMs: number) => boolean[];
}

export const P3_DEFAULT_RUNS = ['h1', 'poll', 'h2', 'h4'];
const HINTS_POLL_INTERVAL_MS = 30_000;
const DEFAULT_POLL_INTERVAL_MS = 5_000;
/** The target of the hints runs: p95 from the clip being ready to delivered. */
const HINTS_P95_TARGET_MS = 1_000;
/** How long each run waits for its deliveries, after its first submit. */
const WAIT_MS = 240_000;
/** Start, baseline, the per-job figures and the key cleanup of one run, beside its wait. */
const RUN_OVERHEAD_MS = 60_000;

/** The most a P3 run of `runs` takes (its share of run.ts's time bound). */
export function p3BudgetMs(runs: readonly string[], pollJobs: readonly number[]): number {
  const count = runs.filter((r) => r !== 'poll').length + (runs.includes('poll') ? pollJobs.length : 0);
  return 60_000 + count * (WAIT_MS + RUN_OVERHEAD_MS);
}

const TSCONFIG = fileURLToPath(new URL('./tsconfig.p3.json', import.meta.url));

/** Compiles src and the bench's worker and http children into dist/ with tsc; returns its seconds. */
async function compile(log: (line: string) => void): Promise<number> {
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const problems = await new Promise<string>((resolve) => {
    execFile(process.execPath, [tsc, '-p', TSCONFIG], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      resolve(error ? stdout : ''),
    );
  });
  for (const script of ['worker.js', 'http.js']) {
    if (!existsSync(`${COMPILED_DIR}${script}`)) throw new Error(`P3: tsc made no ${script}: ${problems}`);
  }
  // tsc emits despite type errors (noEmitOnError is off): say so, the run goes on.
  if (problems) log(`  (P3) note: tsc reported type errors: ${problems.split('\n')[0]}`);
  return (Date.now() - started) / 1000;
}

export async function runP3(options: P3Options): Promise<boolean[]> {
  const { log, signal } = options;
  const seconds = await compile(log);
  log(`  (P3) compiled src and the bench children into dist/ in ${seconds.toFixed(1)} s`);
  const verdicts: boolean[] = [];
  const common = {
    redisUrl: options.redisUrl,
    generationMs: 20_000,
    phaseSpreadMs: options.spreadMs,
    concurrency: options.concurrency,
    submitInFlight: 64,
    waitMs: WAIT_MS,
    keepAliveMs: options.keepAliveMs,
    provider: 'runware' as const,
    compiled: true,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
    log,
    signal,
  };
  for (const run of options.runs) {
    if (signal.aborted) break;
    if (run === 'poll') {
      for (const jobs of options.pollJobs) {
        if (signal.aborted) break;
        const r = await runInFlightBench({
          ...common,
          label: `P3 poll ${jobs}`,
          jobs,
          pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
          processes: 1,
        });
        verdicts.push(...options.report(r, DEFAULT_POLL_INTERVAL_MS + 1_000));
        log('');
      }
      continue;
    }
    const processes = Number(/^h(\d+)$/.exec(run)?.[1]);
    if (!Number.isInteger(processes) || processes < 1) {
      log(`  (P3) unknown run "${run}" (h1, h2, h4 or poll): skipped`);
      continue;
    }
    const r = await runInFlightBench({
      ...common,
      label: `P3 ${run}`,
      jobs: options.jobs,
      pollIntervalMs: HINTS_POLL_INTERVAL_MS,
      processes,
      hints: true,
    });
    verdicts.push(...options.report(r, HINTS_P95_TARGET_MS));
    log('');
  }
  return verdicts;
}
