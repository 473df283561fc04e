import type { Probe } from './probe.js';

/**
 * The numbers of compress-to-fit, in one place.
 *
 * - `margin` 5 %: the budget is `maxBytes × 0.95`. Two-pass libx264 lands within about ±3 % of its
 *   target on a few seconds of 1080p (measured: +2.5 % on an easy 5 s test pattern), and MP4's own
 *   boxes add well under 1 %; a result still over is retried once, lower.
 * - `decentBpp` 0.05 video bits per pixel per frame picks the rung: the largest one at or above it.
 *   That is where x264 (preset medium) still looks clean on smooth, generated footage; 1080p30 needs
 *   3.1 Mb/s, 720p30 1.4 Mb/s, 540p30 0.78 Mb/s.
 * - `minBpp` 0.025: when no rung reaches `decentBpp`, the lowest rung is still taken down to this
 *   (soft, but it plays and stays in the channel, where a link expires); below it: 'impossible'.
 * - `maxBpp` 0.2: never spend more than this, however large the budget (a 50 MB Telegram budget
 *   would otherwise make a 40 Mb/s file that looks no better than a 10 Mb/s one).
 * - `ladder` 1080 → 720 → 540 by the short side (portrait clips too); never upscaled: a source below
 *   1080 starts at its own size.
 * - audio: AAC at 96 kb/s, or 64 kb/s when 96 kb/s would take more than `tightAudioShare` (10 %) of
 *   the budget; none when the source has none.
 * - `fps` 30 when ffprobe does not know the frame rate.
 */
export const FIT = {
  margin: 0.05,
  decentBpp: 0.05,
  minBpp: 0.025,
  maxBpp: 0.2,
  ladder: [1080, 720, 540] as readonly number[],
  audioBps: 96_000,
  tightAudioBps: 64_000,
  tightAudioShare: 0.1,
  defaultFps: 30,
} as const;

/** How to transcode a clip so it fits: the output's size and bitrates. */
export interface FitPlan {
  /** The output's frame size (even numbers: 4:2:0 needs them). */
  width: number;
  height: number;
  /** Whether the frame size differs from the source's. */
  scaled: boolean;
  /** Video bits/s (average, two-pass). */
  videoBitrate: number;
  /** AAC bits/s; undefined: the output has no audio (neither has the source). */
  audioBitrate?: number;
  /** The frame rate the plan counted with (the source's; 30 when unknown). */
  fps: number;
  /** Video bits per pixel per frame at `width`×`height` and `fps`. */
  bitsPerPixel: number;
  durationS: number;
  /** The limit the output must stay under. */
  maxBytes: number;
  /** `maxBytes × (1 − margin)`: what the bitrates add up to over `durationS`. */
  targetBytes: number;
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

/** The short-side sizes to try, largest first: the ladder's, never above the source's own. */
export function rungsFor(shortSide: number): number[] {
  const top = Math.max(...FIT.ladder);
  const below = FIT.ladder.filter((rung) => rung <= shortSide);
  return shortSide < top && !below.includes(shortSide) ? [shortSide, ...below] : below;
}

/** The frame size with `shortSide` on the short side, keeping the source's shape. */
export function scaledTo(
  p: Pick<Probe, 'width' | 'height'>,
  shortSide: number,
): { width: number; height: number } {
  const ratio = shortSide / Math.min(p.width, p.height);
  return { width: even(p.width * ratio), height: even(p.height * ratio) };
}

/**
 * The pure plan to fit a clip under `maxBytes`: the budget `maxBytes × (1 − margin) × 8 / duration`
 * bits/s, less the audio's, goes to the video; the largest rung of the ladder where that is at least
 * `decentBpp` bits per pixel per frame is kept (or the lowest rung down to `minBpp`); 'impossible'
 * when even that does not fit. See {@link FIT} for the numbers.
 */
export function planFit(p: Probe, maxBytes: number): FitPlan | 'impossible' {
  if (!(p.durationS > 0) || !(maxBytes > 0) || !(p.width > 0) || !(p.height > 0)) return 'impossible';
  const targetBytes = Math.floor(maxBytes * (1 - FIT.margin));
  const totalBps = (targetBytes * 8) / p.durationS;
  const audioBitrate =
    p.audioCodec === undefined
      ? undefined
      : FIT.audioBps > totalBps * FIT.tightAudioShare
        ? FIT.tightAudioBps
        : FIT.audioBps;
  const videoBps = totalBps - (audioBitrate ?? 0);
  const fps = p.fps !== undefined && p.fps > 0 ? p.fps : FIT.defaultFps;
  const bpp = (size: { width: number; height: number }) => videoBps / (size.width * size.height * fps);
  const rungs = rungsFor(Math.min(p.width, p.height));
  const sizes = rungs.map((rung) => scaledTo(p, rung));
  const lowest = sizes.at(-1);
  const size =
    sizes.find((s) => bpp(s) >= FIT.decentBpp) ?? (lowest && bpp(lowest) >= FIT.minBpp ? lowest : undefined);
  if (!size) return 'impossible';
  const ceiling = FIT.maxBpp * size.width * size.height * fps;
  const videoBitrate = Math.floor(Math.min(videoBps, ceiling));
  return {
    ...size,
    scaled: size.width !== p.width || size.height !== p.height,
    videoBitrate,
    ...(audioBitrate === undefined ? {} : { audioBitrate }),
    fps,
    bitsPerPixel: videoBitrate / (size.width * size.height * fps),
    durationS: p.durationS,
    maxBytes,
    targetBytes,
  };
}
