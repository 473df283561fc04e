import { rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type FfmpegPaths, probe } from './probe.js';
import { asFile, deadline, FfmpegError, runTool } from './run.js';

const THUMBNAIL_TIMEOUT_MS = 30_000;
/** Telegram's rule for a video's thumbnail: a JPEG at most 320 px on each side (and under 200 kB). */
export const THUMBNAIL_MAX_SIDE = 320;

/** Where a thumbnail is taken by default: 1 s in, or the middle of a clip shorter than 2 s. */
export const thumbnailAt = (durationS: number): number => (durationS >= 2 ? 1 : durationS / 2);

/**
 * One frame as a JPEG (≤ 320 px on the long side, Telegram's thumbnail rule; never enlarged), at
 * `atS` (default 1 s or the middle of a short clip: the clip is probed when `durationS` is not given).
 * `timeoutMs` (30 s by default) covers the probe and the frame together.
 */
export async function thumbnail(
  paths: FfmpegPaths,
  file: string,
  out: string,
  opts: {
    atS?: number;
    durationS?: number;
    maxSide?: number;
    timeoutMs?: number;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<void> {
  const remaining = deadline(opts.timeoutMs ?? THUMBNAIL_TIMEOUT_MS);
  let atS = opts.atS;
  if (atS === undefined) {
    const durationS =
      opts.durationS ?? (await probe(paths, file, { timeoutMs: remaining(), signal: opts.signal })).durationS;
    atS = thumbnailAt(durationS);
  }
  const side = opts.maxSide ?? THUMBNAIL_MAX_SIDE;
  await rm(out, { force: true });
  const scale = `scale=w='min(${side},iw)':h='min(${side},ih)':force_original_aspect_ratio=decrease`;
  const { stderrTail } = await runTool(
    paths.ffmpeg,
    // biome-ignore format: the arguments read as flag-value pairs
    ['-hide_banner', '-nostdin', '-v', 'error', '-y',
     '-ss', atS.toFixed(3), '-i', asFile(file),
     '-map', '0:V:0', '-frames:v', '1', '-vf', scale, '-q:v', '4',
     '-f', 'image2', '-update', '1', asFile(out)],
    { timeoutMs: remaining(), signal: opts.signal },
  );
  const size = await stat(out).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) {
    throw new FfmpegError(`no frame at ${atS.toFixed(3)} s in ${basename(file)}`, 'failed', stderrTail);
  }
}
