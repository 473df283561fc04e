import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { COMMON, DEFAULT_PRESET, type TranscodeOptions } from './fit.js';
import { FIT } from './plan.js';
import { audioPlaysInline, type FfmpegPaths, type Probe, probe, videoPlaysInline } from './probe.js';
import { asFile, asOperationTimeout, deadline, FfmpegError, runTool } from './run.js';

/** makePlayable's quality when it has to transcode: CRF 23 (x264's default), capped at `FIT.maxBpp`. */
export const PLAYABLE_CRF = 23;
const PLAYABLE_AUDIO_BPS = 128_000;

/** What makePlayable does to each stream: copy it as it is, or encode it anew. */
export interface PlayableAction {
  video: 'copy' | 'h264';
  audio: 'copy' | 'aac' | 'none';
}

/**
 * Which streams phones play as they are. Both copied is a remux: only the container changes (and
 * `moov` moves first). A video that needs encoding takes the audio with it (one pass either way).
 */
export function playableAction(p: Probe): PlayableAction {
  const video = videoPlaysInline(p) ? 'copy' : 'h264';
  const audio =
    p.audioCodec === undefined ? 'none' : video === 'copy' && audioPlaysInline(p) ? 'copy' : 'aac';
  return { video, audio };
}

/** ffmpeg's arguments for one makePlayable run, from the source's probe and the action. */
function playableArgs(
  p: Probe,
  action: PlayableAction,
  input: string,
  output: string,
  preset: string,
): string[] {
  const video =
    action.video === 'copy'
      ? ['-c:v', 'copy', ...(p.videoCodec === 'hevc' ? ['-tag:v', 'hvc1'] : [])]
      : [
          ...(p.width % 2 || p.height % 2 ? ['-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2'] : []),
          ...['-c:v', 'libx264', '-preset', preset, '-crf', String(PLAYABLE_CRF), '-pix_fmt', 'yuv420p'],
          ...playableCap(p),
        ];
  const audio =
    action.audio === 'none'
      ? ['-an']
      : action.audio === 'copy'
        ? ['-map', '0:a:0', '-c:a', 'copy']
        : ['-map', '0:a:0', '-c:a', 'aac', '-b:a', String(PLAYABLE_AUDIO_BPS), '-ac', '2'];
  return [
    ...COMMON,
    ...['-i', asFile(input), '-map', '0:V:0'],
    ...video,
    ...audio,
    ...['-movflags', '+faststart', '-f', 'mp4', asFile(output)],
  ];
}

/** CRF 23 is capped at `FIT.maxBpp` of the source's size and rate (VBV buffer: two seconds of it). */
function playableCap(p: Probe): string[] {
  const maxrate = Math.round(FIT.maxBpp * p.width * p.height * (p.fps ?? FIT.defaultFps));
  return ['-maxrate', String(maxrate), '-bufsize', String(2 * maxrate)];
}

/**
 * Makes a clip phones play inline, into `output` (MP4, `+faststart`): a remux (streams copied) when
 * its codecs already play and only the container does not; else an H.264/AAC transcode at the
 * source's size (CRF 23, capped) — where the video plays but the audio does not, the video is copied
 * and only the audio encoded. A remux that ffmpeg refuses falls back to the transcode.
 * Answers the output's probe; throws an FfmpegError on failure, having removed the partial output.
 */
export async function makePlayable(
  paths: FfmpegPaths,
  input: string,
  output: string,
  opts: TranscodeOptions,
): Promise<Probe> {
  const remaining = deadline(opts.timeoutMs);
  const preset = opts.preset ?? DEFAULT_PRESET;
  const run = (args: string[]) =>
    runTool(paths.ffmpeg, args, { timeoutMs: remaining(), signal: opts.signal });
  try {
    const source = await probe(paths, input, { timeoutMs: remaining(), signal: opts.signal });
    const action = playableAction(source);
    try {
      await run(playableArgs(source, action, input, output, preset));
    } catch (error) {
      const copied = action.video === 'copy' || action.audio === 'copy';
      if (!(error instanceof FfmpegError && error.reason === 'failed' && copied)) throw error;
      await run(
        playableArgs(
          source,
          { video: 'h264', audio: action.audio === 'none' ? 'none' : 'aac' },
          input,
          output,
          preset,
        ),
      );
    }
    return await probe(paths, output, { timeoutMs: remaining(), signal: opts.signal });
  } catch (error) {
    await rm(output, { force: true });
    throw asOperationTimeout(error, `making ${basename(input)} playable`, opts.timeoutMs);
  }
}
