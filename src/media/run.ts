import { spawn } from 'node:child_process';
import { basename } from 'node:path';

/** Why an ffmpeg step gave no result. */
export type FfmpegFailure =
  /** The binary is not there or cannot be started. */
  | 'missing'
  /** It ran and exited non-zero (a broken input, an unknown codec): see `stderrTail`. */
  | 'failed'
  /** It ran past its time limit and was killed. */
  | 'timeout'
  /** The caller's signal aborted it; it was killed. */
  | 'aborted'
  /** It ran, but what it says of the file is not a usable clip (no video stream, no duration). */
  | 'invalid'
  /** No plan fits the clip under the size limit (see `planFit`). */
  | 'impossible'
  /** The transcode, retried once with a lower bitrate, still came out over the limit. */
  | 'too-big';

/**
 * An ffmpeg or ffprobe step failed. `stderrTail` holds the last lines ffmpeg wrote to stderr (at most
 * {@link STDERR_TAIL_LINES}): never the command's environment, only what the tool itself said.
 */
export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly reason: FfmpegFailure,
    readonly stderrTail = '',
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

export const STDERR_TAIL_LINES = 20;
/** How much of stderr is kept while a tool runs (its tail only: a long encode can say a lot). */
const STDERR_KEEP_CHARS = 16 * 1024;
/** ffprobe's JSON for one file is a few kB; anything past this is not what we asked for. */
const STDOUT_MAX_CHARS = 4 * 1024 * 1024;

export interface RunOptions {
  /** Kill the tool after this long (SIGKILL) and throw an FfmpegError with reason `timeout`. */
  timeoutMs: number;
  /** Kill the tool when this aborts and throw an FfmpegError with reason `aborted`. */
  signal?: AbortSignal | undefined;
  /** Collect stdout (ffprobe's JSON); otherwise it is ignored. */
  stdout?: boolean;
}

/** The last `STDERR_TAIL_LINES` non-empty lines; progress lines (ended by `\r`) count as lines. */
export function tailLines(text: string, lines = STDERR_TAIL_LINES): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-lines)
    .join('\n');
}

/**
 * Runs a tool (ffmpeg, ffprobe) with an argument array — never through a shell — under a time limit
 * and an optional abort signal; both kill it at once. Resolves with its stdout (when asked for) and
 * the tail of its stderr; throws an {@link FfmpegError} for every way it can go wrong.
 */
export function runTool(
  bin: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<{ stdout: string; stderrTail: string }> {
  const name = basename(bin);
  if (opts.signal?.aborted) return Promise.reject(new FfmpegError(`${name} aborted`, 'aborted'));
  if (!(opts.timeoutMs > 0)) {
    return Promise.reject(new FfmpegError(`${name} had no time left to run`, 'timeout'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let stopped: 'timeout' | 'aborted' | undefined;
    let settled = false;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (stdout.length < STDOUT_MAX_CHARS) stdout += chunk;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 2 * STDERR_KEEP_CHARS) stderr = stderr.slice(-STDERR_KEEP_CHARS);
    });
    const stop = (why: 'timeout' | 'aborted') => {
      if (stopped || settled) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);
    const onAbort = () => stop('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error: FfmpegError | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve({ stdout, stderrTail: tailLines(stderr) });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawning failed (ENOENT, EACCES): there is no process to wait for.
      finish(new FfmpegError(`${name} could not be started (${error.code ?? error.message})`, 'missing'));
    });
    child.on('close', (code, signal) => {
      const tail = tailLines(stderr);
      if (stopped === 'timeout') {
        finish(
          new FfmpegError(`${name} ran past its ${opts.timeoutMs} ms limit and was killed`, 'timeout', tail),
        );
      } else if (stopped === 'aborted') {
        finish(new FfmpegError(`${name} aborted`, 'aborted', tail));
      } else if (code !== 0) {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        const last = tail.split('\n').at(-1);
        finish(new FfmpegError(`${name} ${how}${last ? `: ${last}` : ''}`, 'failed', tail));
      } else {
        finish(undefined);
      }
    });
  });
}

/**
 * A time budget shared by the steps of one operation: each step gets what is left, so a transcode
 * of several passes stops at its deadline whichever pass it is in.
 */
export function deadline(timeoutMs: number, now: () => number = Date.now): () => number {
  const end = now() + timeoutMs;
  return () => Math.max(0, end - now());
}

/**
 * A step's timeout told as the whole operation's: "<what> ran past its <timeoutMs> ms limit" (the
 * step itself only knew the time that was left to it). Other errors pass through.
 */
export function asOperationTimeout(error: unknown, what: string, timeoutMs: number): unknown {
  if (!(error instanceof FfmpegError) || error.reason !== 'timeout') return error;
  return new FfmpegError(
    `${what} ran past its ${timeoutMs} ms limit and was stopped`,
    'timeout',
    error.stderrTail,
  );
}

/** An input or output path for ffmpeg, read as a plain file whatever it looks like (`http:`, `-x`). */
export const asFile = (path: string): string => `file:${path}`;
