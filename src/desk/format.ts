import { creditsFor, type ModelSpec, TAKES } from '../core/catalog.js';
import type { GenerationMode, Quality } from '../core/request.js';

/**
 * Small phrases the front desk builds its answers from, whatever the platform's markup: durations,
 * prices, elapsed time, countdowns, a progress bar.
 */

export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** A mode as a person names it. */
export const MODE_NAMES: Record<GenerationMode, string> = {
  text: 'text',
  'first-frame': 'image (first frame)',
  'first-last': 'first + last frame',
  reference: 'reference images',
  motion: 'motion control (an image moved by a video)',
};

/** "text, image (first frame), first + last frame"; "reference images (up to 7)". */
export const modesText = (model: ModelSpec): string =>
  model.modes
    .map((m) => (m === 'reference' ? `${MODE_NAMES[m]} (up to ${model.maxReferenceImages})` : MODE_NAMES[m]))
    .join(', ');

/** "16:9, 9:16, 1:1", and in which modes they apply when an animated image keeps its own shape. */
export function ratiosText(model: ModelSpec): string {
  const ratios = model.aspectRatios.join(', ');
  const fixedShape = model.modes.filter((m) => !model.aspectRatioModes.includes(m));
  if (model.aspectRatioModes.length === 0) return "none to choose: the clip keeps the image's shape";
  return fixedShape.length === 0
    ? ratios
    : `${ratios} (for ${model.aspectRatioModes.map((m) => MODE_NAMES[m]).join(', ')}; an animated image keeps its shape)`;
}

/** "std (default), pro" — meaningful only when a model has more than one. */
export const qualitiesText = (model: ModelSpec): string =>
  model.qualities.map((q) => (q === model.defaultQuality ? `${q} (default)` : q)).join(', ');

/** `[3,4,5,…,15]` → "3–15 s"; `[5, 10]` → "5 or 10 s". */
export function durationsText(durations: readonly number[]): string {
  const sorted = [...durations].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return '';
  if (sorted.length > 2 && last - first === sorted.length - 1) return `${first}–${last} s`;
  if (sorted.length === 1) return `${first} s`;
  return `${sorted.slice(0, -1).join(', ')} or ${last} s`;
}

/**
 * "5 s: 175 · 10 s: 350" — credits of one clip at each duration; "72 per second" where the price is
 * by the second (a list of 13 lengths would not fit a chat message beside the other models).
 */
export const priceRow = (model: ModelSpec, quality: Quality, sound: boolean, resolution?: string): string =>
  model.price.kind === 'per-second'
    ? `${creditsFor(model, 1, quality, sound, resolution)} per second`
    : model.durations.map((d) => `${d} s: ${creditsFor(model, d, quality, sound, resolution)}`).join(' · ');

/**
 * The price lines of a model: one per quality it offers, and again with sound where it has sound;
 * with `resolutions`, one per resolution too where it offers several (else at its default one).
 */
export function priceRows(
  model: ModelSpec,
  options: { resolutions?: boolean } = {},
): { label: string; row: string }[] {
  const many = model.qualities.length > 1;
  const resolutions =
    options.resolutions && TAKES.resolution(model) ? (model.resolutions?.options ?? []) : [undefined];
  const rows: { label: string; row: string }[] = [];
  for (const q of many ? model.qualities : [model.defaultQuality]) {
    for (const r of resolutions) {
      const label = `${many ? `${q} ` : ''}${r ? `${r} ` : ''}`;
      rows.push({ label, row: priceRow(model, q, false, r) });
      if (model.sound) rows.push({ label: `${label}with sound `, row: priceRow(model, q, true, r) });
    }
  }
  return rows;
}

/** The fewest credits a clip of the model costs: its shortest clip, at its defaults, without sound. */
export const cheapestClip = (model: ModelSpec): number =>
  Math.min(...model.durations.map((d) => creditsFor(model, d, model.defaultQuality, false)));

const MINUTE_MS = 60_000;

/** "5h 12m", "45m", "3h" — rounded up to the minute so it never says "0m" before the reset. */
export function countdownText(ms: number): string {
  const minutes = Math.max(0, Math.ceil(ms / MINUTE_MS));
  if (minutes === 0) return 'now';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : ''].filter((s) => s !== '').join(' ');
}

/** "1m 05s", "42s", "1h 02m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A ten-cell bar: ▓▓▓▓░░░░░░ */
export const progressBar = (percent: number): string => {
  const filled = Math.max(0, Math.min(10, Math.round(percent / 10)));
  return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)}`;
};

/**
 * Time left for a task `percent` done after `elapsedMs` of running, assuming it keeps its pace;
 * undefined when progress says nothing yet (0 %, none) or the task is already done.
 */
export function remainingMs(percent: number | undefined, elapsedMs: number): number | undefined {
  if (percent === undefined || !Number.isFinite(percent) || percent <= 0 || percent >= 100) return undefined;
  if (!Number.isFinite(elapsedMs) || elapsedMs <= 0) return undefined;
  return (elapsedMs * (100 - percent)) / percent;
}

/** An UTC clock time: "00:00 UTC". */
export const utcClock = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(11, 16)} UTC`;

/** A prompt cut to `max` characters, with an ellipsis when it had to be. */
export const shorten = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
