import { join } from 'node:path';
import type { ClipFile } from '../core/ports.js';
import type { Logger } from '../log.js';
import {
  FfmpegError,
  type FfmpegPaths,
  fitUnder,
  makePlayable,
  type Probe,
  planFit,
  playsInline,
  probe,
  thumbnail,
} from '../media/ffmpeg.js';
import type { TranscodePool } from '../media/pool.js';
import { metrics } from '../metrics.js';

/**
 * What a worker does to a downloaded clip before a platform posts it, when ffmpeg is there: probe it
 * (length and shape, for the platforms to show), make it play inline (a remux, or a transcode, for
 * a codec or container phones can't play), compress it under the target's upload limit when it is
 * over (and only then: a clip that fits goes byte for byte), and take a thumbnail. Every transcode
 * runs in the worker's bounded pool, with a time limit. Nothing here fails a delivery: without
 * ffmpeg, or when a transcode fails or nothing fits, the clip goes as it is — over the limit, the
 * platform posts the provider's link — and the reason is logged with ffmpeg's last words.
 */

export interface ClipTools {
  /** Where ffmpeg and ffprobe are; undefined: none on this machine. */
  ffmpeg: FfmpegPaths | undefined;
  pool: TranscodePool;
  /** Longest one transcode may run. */
  timeoutMs: number;
  logger: Logger;
}

const videoOf = (p: Probe): NonNullable<ClipFile['video']> => ({
  durationS: p.durationS,
  width: p.width,
  height: p.height,
  codec: p.videoCodec,
});

/** Logs why a step was skipped, with ffmpeg's last stderr lines when it was ffmpeg that failed. */
function skipped(tools: ClipTools, jobId: string, step: string, error: unknown): void {
  tools.logger.warn(
    {
      jobId,
      step,
      err: error instanceof Error ? error.message : String(error),
      ...(error instanceof FfmpegError ? { stderr: error.stderrTail } : {}),
    },
    'clip preparation step failed; the clip goes as it is',
  );
}

/**
 * The clip as it should be posted: `clip` itself, or a new file in `dir` (probed, playable, under
 * `limit` when it can be), with its probe and thumbnail when ffmpeg is there.
 */
export async function prepareClip(
  tools: ClipTools,
  jobId: string,
  clip: ClipFile,
  dir: string,
  limit: number | undefined,
): Promise<ClipFile> {
  const paths = tools.ffmpeg;
  if (!paths) return clip;
  const transcode = { timeoutMs: tools.timeoutMs, workDir: dir };
  let current = clip;
  let probed: Probe;
  try {
    probed = await probe(paths, clip.path, { timeoutMs: 30_000 });
  } catch (error) {
    skipped(tools, jobId, 'probe', error);
    return clip;
  }
  if (!playsInline(probed)) {
    try {
      const out = join(dir, 'playable.mp4');
      probed = await tools.pool.run(() => makePlayable(paths, current.path, out, transcode));
      current = { ...current, path: out, size: probed.sizeBytes };
      metrics.transcodes.inc({ kind: 'playable', result: 'ok' });
      tools.logger.info({ jobId, codec: probed.videoCodec }, 'clip made playable inline');
    } catch (error) {
      metrics.transcodes.inc({ kind: 'playable', result: 'failed' });
      skipped(tools, jobId, 'make-playable', error);
    }
  }
  if (limit !== undefined && current.size > limit) {
    if (planFit(probed, limit) === 'impossible') {
      tools.logger.info(
        { jobId, size: current.size, limit },
        'clip cannot fit the upload limit: posting the link',
      );
    } else {
      try {
        const out = join(dir, 'fit.mp4');
        // `ms` is ffmpeg's own time, from the moment the pool gives the clip a slot.
        let started = 0;
        const fitted = await tools.pool.run(() => {
          started = performance.now();
          return fitUnder(paths, current.path, out, limit, transcode);
        });
        tools.logger.info(
          {
            jobId,
            from: current.size,
            to: fitted.probe.sizeBytes,
            limit,
            passes: fitted.passes,
            ms: Math.round(performance.now() - started),
          },
          'clip compressed to fit',
        );
        current = { ...current, path: out, size: fitted.probe.sizeBytes, compressedFrom: clip.size };
        probed = fitted.probe;
        metrics.transcodes.inc({ kind: 'fit', result: 'ok' });
      } catch (error) {
        metrics.transcodes.inc({ kind: 'fit', result: 'failed' });
        skipped(tools, jobId, 'compress', error);
      }
    }
  }
  const thumb = join(dir, 'thumb.jpg');
  const withThumb = await thumbnail(paths, current.path, thumb, {
    timeoutMs: 30_000,
    durationS: probed.durationS,
  })
    .then(() => ({ thumbnailPath: thumb }))
    .catch((error: unknown) => {
      skipped(tools, jobId, 'thumbnail', error);
      return {};
    });
  return { ...current, video: videoOf(probed), ...withThumb };
}
