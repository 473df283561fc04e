import { CATALOG, creditsFor, findModel, type ModelSpec } from '../../core/catalog.js';
import type { GenerationMode } from '../../core/request.js';
import type { QuotaUsage } from '../../jobs/quota.js';
import { DEFAULT_REFERENCE_MODEL, DEFAULT_VIDEO_MODEL } from './parse.js';

// Plain text (no parse_mode): nothing to escape, and what a person types back works as shown.

/** The bot's commands for `setMyCommands`, in menu order. */
export const BOT_COMMANDS: { command: string; description: string }[] = [
  { command: 'video', description: 'Make a video clip from a prompt, a photo, or a first and last frame' },
  { command: 'reference', description: 'Make a clip that keeps the people or things of up to 7 photos' },
  { command: 'models', description: 'Models, clip lengths and prices' },
  { command: 'quota', description: 'How many videos you have left today' },
  { command: 'cancel', description: 'Cancel your video in progress' },
  { command: 'help', description: 'How to use the bot, with examples' },
];

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

/** How to use the bot; `botUsername` without the @, for the `/video@bot` form groups may need. */
export function helpText(botUsername: string, catalog: readonly ModelSpec[] = CATALOG): string {
  const maxRefs = findModel(DEFAULT_REFERENCE_MODEL, catalog)?.maxReferenceImages ?? 7;
  const ratios = unique(catalog.flatMap((m) => m.aspectRatios)).join(' | ');
  return [
    '🎬 I make short AI video clips.',
    '',
    '/video <prompt> — a clip from your words',
    '• Send it as the caption of a photo (or an image file) to animate it',
    '• Caption an album of 2 photos: first and last frame',
    '• Or reply /video <prompt> to a photo or an album',
    '',
    `/reference <prompt> — caption an album of up to ${maxRefs} photos (or reply to one): ${DEFAULT_REFERENCE_MODEL} keeps their people and things in the clip`,
    '',
    '/models — models, lengths and prices',
    '/quota — videos left today',
    '/cancel — stop your video in progress',
    '',
    'Options, anywhere in the text:',
    '--model <id> (see /models)',
    '--duration 10 (seconds)',
    `--ratio ${ratios}`,
    '--neg "what to avoid"',
    '--mode std | pro',
    '--sound / --no-sound',
    'Quote values with spaces. A phone turning -- into — is fine.',
    '',
    'Examples:',
    '/video a red fox running through fresh snow, slow motion --duration 10 --ratio 9:16',
    '/video the waves roll in gently --model kling-o1 --mode pro  (as a photo caption)',
    '/reference the two friends share a coffee in Paris --sound  (as an album caption)',
    '',
    `In groups, commands can also be written /video@${botUsername}, /quota@${botUsername} and so on.`,
  ].join('\n');
}

const MODE_NAMES: Record<GenerationMode, string> = {
  text: 'text',
  'first-frame': 'image (first frame)',
  'first-last': 'first + last frame',
  reference: 'reference images',
};

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

/** "5 s: 175 · 10 s: 350" — credits of one clip at each duration. */
const priceRow = (model: ModelSpec, quality: ModelSpec['defaultQuality'], sound: boolean): string =>
  model.durations.map((d) => `${d} s: ${creditsFor(model, d, quality, sound)}`).join(' · ');

function modelText(model: ModelSpec): string {
  const defaults = [
    model.id === DEFAULT_VIDEO_MODEL ? '/video' : undefined,
    model.id === DEFAULT_REFERENCE_MODEL ? '/reference' : undefined,
  ].filter((c) => c !== undefined);
  const lines = [
    `▶️ ${model.id} — ${model.label}${defaults.length > 0 ? ` (default for ${defaults.join(' and ')})` : ''}`,
    model.description,
    `Modes: ${model.modes
      .map((m) =>
        m === 'reference' ? `${MODE_NAMES[m]} (up to ${model.maxReferenceImages})` : MODE_NAMES[m],
      )
      .join(', ')}`,
    `Length: ${durationsText(model.durations)}`,
  ];

  const ratios = model.aspectRatios.join(', ');
  const fixedShape = model.modes.filter((m) => !model.aspectRatioModes.includes(m));
  lines.push(
    fixedShape.length === 0
      ? `Ratios: ${ratios}`
      : `Ratios: ${ratios} (for ${model.aspectRatioModes.map((m) => MODE_NAMES[m]).join(', ')}; an animated image keeps its shape)`,
  );
  if (model.qualities.length > 1) {
    lines.push(
      `Quality: ${model.qualities.map((q) => (q === model.defaultQuality ? `${q} (default)` : q)).join(', ')}`,
    );
  }
  const extras = [
    model.negativePrompt ? '--neg' : undefined,
    model.sound ? `--sound (${model.sound.default ? 'on' : 'off'} by default)` : undefined,
  ].filter((e) => e !== undefined);
  if (extras.length > 0) lines.push(`Takes: ${extras.join(', ')}`);

  lines.push('Credits per clip:');
  const qualities = model.qualities.length > 1 ? model.qualities : [model.defaultQuality];
  for (const q of qualities) {
    const label = model.qualities.length > 1 ? `${q} ` : '';
    lines.push(`  ${label}${priceRow(model, q, false)}`);
    if (model.sound) lines.push(`  ${label}with sound ${priceRow(model, q, true)}`);
  }
  return lines.join('\n');
}

/** Every model: what it does, its lengths, ratios, qualities and what a clip costs. */
export function modelsText(catalog: readonly ModelSpec[] = CATALOG): string {
  const example = catalog.find((m) => m.id !== DEFAULT_VIDEO_MODEL && m.modes.includes('text')) ?? catalog[0];
  return [
    '🎞 Models',
    ...catalog.map(modelText),
    example ? `Choose one with --model <id>, e.g. /video a cat surfing --model ${example.id}` : 'No models.',
  ].join('\n\n');
}

const MINUTE_MS = 60_000;

/** "5h 12m", "45m", "3h" — rounded up to the minute so it never says "0m" before the reset. */
export function countdownText(ms: number): string {
  const minutes = Math.max(0, Math.ceil(ms / MINUTE_MS));
  if (minutes === 0) return 'now';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : ''].filter((s) => s !== '').join(' ');
}

/** A user's quota for today; `now` in epoch ms, to count down to the reset. */
export function quotaText(usage: QuotaUsage, now: number): string {
  if (usage.limit <= 0) return '🚫 This bot is not taking video requests here.';
  const resetAt = new Date(usage.resetsAt).toISOString().slice(11, 16);
  const wait = usage.resetsAt - now;
  const reset =
    wait > 0 ? `Resets at ${resetAt} UTC (in ${countdownText(wait)}).` : `Resets at ${resetAt} UTC.`;
  const inProgress = usage.inFlight > 0 ? ` (${usage.inFlight} in progress)` : '';
  const used = `Used today: ${usage.used} of ${usage.limit}${inProgress}.`;
  const left =
    usage.left > 0
      ? `🎬 ${usage.left} video${usage.left === 1 ? '' : 's'} left.`
      : '⏳ No videos left today.';
  return [left, used, reset].join('\n');
}
