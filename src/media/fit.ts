import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type FitPlan, planFit } from './plan.js';
import { type FfmpegPaths, type Probe, probe } from './probe.js';
import { asFile, asOperationTimeout, deadline, FfmpegError, runTool } from './run.js';

/**
 * libx264's preset for every transcode here. `medium` (x264's own default) is the usual balance of
 * quality per bit and speed. Measured on 2 cores: 5 s of 1080p24 (12 MB) to 10 MiB in 8–15 s; 10 s
 * of grainy 1080p24 (47 MB) to 10 MiB in 31 s (23 s at `veryfast`, the same size).
 */
export const DEFAULT_PRESET = 'medium';
/**
 * A result still over the limit is retried once at 85 % of the video bitrate — or lower, in
 * proportion, when it was far over: `0.95 × target ÷ result`. Two-pass overshoots most on short,
 * busy clips (2 s of 1080p noise came out 26 % over its target, and 30 % over at 85 % of the rate),
 * so the retry aims 5 % under the target it missed.
 */
export const RETRY_FACTOR = 0.85;
const RETRY_AIM = 0.95;

export interface TranscodeOptions {
  /** For the whole operation (probe, passes, retry): ffmpeg is killed when it runs out. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** libx264 preset; {@link DEFAULT_PRESET} by default. */
  preset?: string;
}

/** What every ffmpeg run here starts with: no banner, no stdin, errors only, overwrite. */
export const COMMON = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];

const sizeOf = (file: string): Promise<number> =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/** Removes x264's two-pass statistics (`<prefix>-0.log`, `.mbtree`, their `.temp`). */
async function removePassLogs(workDir: string, prefix: string): Promise<void> {
  const names = await readdir(workDir).catch(() => [] as string[]);
  await Promise.all(
    names.filter((name) => name.startsWith(prefix)).map((name) => rm(join(workDir, name), { force: true })),
  );
}

/** Two passes of libx264 at the plan's bitrate, then AAC, into MP4 with `moov` first. */
async function encodeTwoPass(
  paths: FfmpegPaths,
  input: string,
  output: string,
  plan: FitPlan,
  passLog: string,
  preset: string,
  remaining: () => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const video = (pass: 1 | 2) => [
    ...['-map', '0:V:0'],
    ...(plan.scaled ? ['-vf', `scale=${plan.width}:${plan.height}`] : []),
    ...['-c:v', 'libx264', '-preset', preset, '-b:v', String(plan.videoBitrate), '-pix_fmt', 'yuv420p'],
    ...['-pass', String(pass), '-passlogfile', passLog],
  ];
  const audio =
    plan.audioBitrate === undefined
      ? ['-an']
      : ['-map', '0:a:0', '-c:a', 'aac', '-b:a', String(plan.audioBitrate), '-ac', '2'];
  const src = ['-i', asFile(input)];
  await runTool(paths.ffmpeg, [...COMMON, ...src, ...video(1), '-an', '-f', 'null', '-'], {
    timeoutMs: remaining(),
    signal,
  });
  await runTool(
    paths.ffmpeg,
    [...COMMON, ...src, ...video(2), ...audio, '-movflags', '+faststart', '-f', 'mp4', asFile(output)],
    { timeoutMs: remaining(), signal },
  );
}

/**
 * Transcodes `input` to `output` under `maxBytes` by {@link planFit}'s plan: H.264 (libx264, yuv420p)
 * + AAC in MP4 with `+faststart`.
 *
 * Two-pass, always: pass 1 (video only, to a null muxer) measures the clip, pass 2 spends the budget
 * where it shows. On clips of 5 s and more it lands within about 3 % of its target whatever the
 * content, where a capped-CRF pass either undershoots (wasting the budget on easy footage) or needs a
 * VBV buffer so small, to be sure of the size, that it starves busy scenes. Encoding at a budget is
 * not slower than CRF: the 47 MB clip above took 31 s in two passes, 53 s in one pass at CRF 23.
 * The result's size is checked; if over, one retry at {@link RETRY_FACTOR} of the bitrate.
 *
 * Answers the output's probe, the source's, the plan used last and how many ffmpeg passes ran.
 * Throws an FfmpegError on failure (`impossible`, `too-big`, `timeout`, `aborted`, `failed`,
 * `invalid`), having removed the partial output and the pass logs it made in `workDir`.
 */
export async function fitUnder(
  paths: FfmpegPaths,
  input: string,
  output: string,
  maxBytes: number,
  opts: TranscodeOptions & { workDir: string },
): Promise<FitResult> {
  try {
    return await fitWithin(paths, input, output, maxBytes, opts);
  } catch (error) {
    throw asOperationTimeout(error, `fitting ${basename(input)}`, opts.timeoutMs);
  }
}

/** What fitUnder did: the output's probe, the source's, the plan it used last, the ffmpeg passes run. */
export interface FitResult {
  probe: Probe;
  source: Probe;
  plan: FitPlan;
  passes: number;
}

async function fitWithin(
  paths: FfmpegPaths,
  input: string,
  output: string,
  maxBytes: number,
  opts: TranscodeOptions & { workDir: string },
): Promise<FitResult> {
  const remaining = deadline(opts.timeoutMs);
  const preset = opts.preset ?? DEFAULT_PRESET;
  const source = await probe(paths, input, { timeoutMs: remaining(), signal: opts.signal });
  const first = planFit(source, maxBytes);
  if (first === 'impossible') {
    throw new FfmpegError(
      `${basename(input)} (${source.durationS.toFixed(1)} s, ${source.width}×${source.height}) cannot fit in ${maxBytes} bytes`,
      'impossible',
    );
  }
  const prefix = `x264-${randomUUID()}`;
  const passLog = join(opts.workDir, prefix);
  let plan = first;
  let passes = 0;
  let done = false;
  try {
    for (let attempt = 1; ; attempt++) {
      await encodeTwoPass(paths, input, output, plan, passLog, preset, remaining, opts.signal);
      passes += 2;
      const size = await sizeOf(output);
      if (size > 0 && size <= maxBytes) break;
      if (attempt === 2) {
        throw new FfmpegError(
          `${basename(input)} came out at ${size} bytes, over ${maxBytes}, after a retry`,
          'too-big',
        );
      }
      const factor = Math.min(RETRY_FACTOR, RETRY_AIM * (plan.targetBytes / size));
      const videoBitrate = Math.floor(plan.videoBitrate * factor);
      plan = { ...plan, videoBitrate, bitsPerPixel: videoBitrate / (plan.width * plan.height * plan.fps) };
    }
    const result = await probe(paths, output, { timeoutMs: remaining(), signal: opts.signal });
    done = true;
    return { probe: result, source, plan, passes };
  } finally {
    await removePassLogs(opts.workDir, prefix);
    if (!done) await rm(output, { force: true });
  }
}
