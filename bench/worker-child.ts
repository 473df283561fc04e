import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/**
 * Where `tsc -p bench/tsconfig.p3.json` puts the compiled bench children (`dist/bench/*.js`, beside
 * the `dist/src` that `npm run build` makes): what {@link WorkerChildOptions.compiled} runs.
 */
export const COMPILED_DIR = fileURLToPath(new URL('../dist/bench/', import.meta.url));

/** Event-loop delay the worker measured, beyond its 10 ms sampling interval. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** The figures of `process.memoryUsage()` a worker reports, in bytes. */
export type MemoryUsage = Pick<
  NodeJS.MemoryUsage,
  'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'
>;

/** One bench worker process (bench/worker.ts unless told otherwise), started and ready. */
export interface WorkerChild {
  pid: number;
  /** True once the process has exited. */
  exited(): boolean;
  /** Log lines at warn level or worse: how many, and the first few. */
  logProblems: { count: number; first: string[] };
  /** Its last lines on stderr, for a crash report. */
  stderrTail(): string;
  loopDelay(): Promise<LoopDelay | undefined>;
  /** `process.memoryUsage()` now and each figure's peak since the last call (workers that answer it). */
  memoryUsage(): Promise<{ now: MemoryUsage; peaks: MemoryUsage } | undefined>;
  /** SIGTERM, then SIGKILL if it has not left within 10 s. */
  stop(): Promise<void>;
}

export interface WorkerChildOptions {
  /** The worker script; bench/worker.ts (part b's) by default. */
  script?: string;
  /**
   * Run with plain `node`, without tsx: `script` is then a compiled `.js` (by default
   * `dist/bench/worker.js`, see {@link COMPILED_DIR}), as production runs `node dist/src/main.js`.
   */
  compiled?: boolean;
  /** When set, the worker writes a V8 CPU profile into this folder when it stops (--cpu-prof). */
  cpuProfileDir?: string;
  /** Called with every line the worker writes on stdout (its JSON log lines). */
  onLine?: (line: string) => void;
}

/**
 * Forks a bench worker script under tsx (or compiled, under plain node) with `env` on top of this
 * process's environment; resolves once it reports ready (rejects after 30 s or if it exits first).
 */
export async function startWorkerChild(
  env: Record<string, string>,
  options: WorkerChildOptions = {},
): Promise<WorkerChild> {
  const script = options.script ?? (options.compiled ? `${COMPILED_DIR}worker.js` : WORKER);
  const child: ChildProcess = fork(script, [], {
    env: { ...process.env, ...env },
    execArgv: [
      ...(options.compiled ? [] : ['--import', 'tsx']),
      ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logProblems = { count: 0, first: [] as string[] };
  const tail: string[] = [];
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // The worker logs at info, as in production; keep what is a warning or worse.
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      options.onLine?.(line);
      if (!/"level":(40|50|60)/.test(line)) return;
      logProblems.count += 1;
      if (logProblems.first.length < 3) logProblems.first.push(line.slice(0, 300));
    });
  }
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
    });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench worker did not start within 30 s')), 30_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bench worker exited early (${code}): ${tail.join('\n')}`));
      });
    });
  } catch (error) {
    if (!exited) child.kill('SIGKILL');
    throw error;
  }

  return {
    pid: child.pid as number,
    exited: () => exited,
    logProblems,
    stderrTail: () => tail.join('\n'),
    loopDelay: () =>
      new Promise((resolve) => {
        if (exited) return resolve(undefined);
        const timer = setTimeout(() => resolve(undefined), 2_000);
        child.once('message', (m) => {
          clearTimeout(timer);
          resolve((m as { loopDelayMs?: LoopDelay }).loopDelayMs);
        });
        child.send('stats');
      }),
    memoryUsage: () =>
      new Promise((resolve) => {
        if (exited) return resolve(undefined);
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          resolve(undefined);
        }, 2_000);
        const onMessage = (m: unknown) => {
          const memory = (m as { memory?: { now: MemoryUsage; peaks: MemoryUsage } }).memory;
          if (!memory) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(memory);
        };
        child.on('message', onMessage);
        child.send('memory');
      }),
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
