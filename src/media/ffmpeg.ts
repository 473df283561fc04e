/**
 * ffmpeg for clips that fit and play: what a clip is (ffprobe), whether phones play it inline, a
 * thumbnail, the plan and the transcode that fit it under an upload limit, and the remux or
 * transcode that makes it playable. Every binary is spawned with an argument array (never a shell),
 * under a time limit and an abort signal; each failure is an {@link FfmpegError} with ffmpeg's last
 * stderr lines. The pool that bounds transcodes is in `pool.ts`.
 */

export { findFfmpeg } from './find.js';
export {
  DEFAULT_PRESET,
  type FitResult,
  fitUnder,
  RETRY_FACTOR,
  type TranscodeOptions,
} from './fit.js';
export { FIT, type FitPlan, planFit, rungsFor, scaledTo } from './plan.js';
export { makePlayable, PLAYABLE_CRF, type PlayableAction, playableAction } from './playable.js';
export {
  audioPlaysInline,
  type FfmpegPaths,
  isMp4,
  type Probe,
  parseProbe,
  playsInline,
  probe,
  videoPlaysInline,
} from './probe.js';
export { FfmpegError, type FfmpegFailure } from './run.js';
export { THUMBNAIL_MAX_SIDE, thumbnail, thumbnailAt } from './thumbnail.js';
