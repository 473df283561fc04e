import { CATALOG, findModel, type ModelSpec } from '../../core/catalog.js';
import type { QuotaUsage } from '../../jobs/quota.js';
import {
  countdownText,
  DEFAULT_REFERENCE_MODEL,
  DEFAULT_VIDEO_MODEL,
  durationsText,
  modesText,
  priceRows,
  QUOTA_CLOSED_TEXT,
  qualitiesText,
  quotaLines,
  ratiosText,
  unique,
} from '../shared.js';

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

function modelText(model: ModelSpec): string {
  const defaults = [
    model.id === DEFAULT_VIDEO_MODEL ? '/video' : undefined,
    model.id === DEFAULT_REFERENCE_MODEL ? '/reference' : undefined,
  ].filter((c) => c !== undefined);
  const lines = [
    `▶️ ${model.id} — ${model.label}${defaults.length > 0 ? ` (default for ${defaults.join(' and ')})` : ''}`,
    model.description,
    `Modes: ${modesText(model)}`,
    `Length: ${durationsText(model.durations)}`,
    `Ratios: ${ratiosText(model)}`,
  ];
  if (model.qualities.length > 1) lines.push(`Quality: ${qualitiesText(model)}`);
  const extras = [
    model.negativePrompt ? '--neg' : undefined,
    model.sound ? `--sound (${model.sound.default ? 'on' : 'off'} by default)` : undefined,
  ].filter((e) => e !== undefined);
  if (extras.length > 0) lines.push(`Takes: ${extras.join(', ')}`);

  lines.push('Credits per clip:');
  for (const { label, row } of priceRows(model)) lines.push(`  ${label}${row}`);
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

/** A user's quota for today; `now` in epoch ms, to count down to the reset. */
export function quotaText(usage: QuotaUsage, now: number): string {
  if (usage.limit <= 0) return QUOTA_CLOSED_TEXT;
  const resetAt = new Date(usage.resetsAt).toISOString().slice(11, 16);
  const wait = usage.resetsAt - now;
  const reset =
    wait > 0 ? `Resets at ${resetAt} UTC (in ${countdownText(wait)}).` : `Resets at ${resetAt} UTC.`;
  const { left, used } = quotaLines(usage);
  return [left, used, reset].join('\n');
}
