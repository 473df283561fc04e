import { CATALOG, findModel, type ModelSpec } from '../../core/catalog.js';
import type { QuotaUsage } from '../../jobs/quota.js';
import {
  defaultModelFor,
  durationsText,
  modesText,
  priceRows,
  QUOTA_CLOSED_TEXT,
  qualitiesText,
  quotaLines,
  ratiosText,
} from '../shared.js';
import { buildCommands, imageOption, OPTION } from './commands.js';
import { relativeTime } from './status.js';

// Discord Markdown. Every text here fits one message (2,000 characters) for the shipped catalog.

/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2000;

const code = (s: string): string => `\`${s}\``;

/** The options of a command other than the prompt and the images, as `a`, `b`, `c`. */
function optionList(name: string, catalog: readonly ModelSpec[]): string {
  const options = buildCommands(catalog).find((c) => c.name === name)?.options ?? [];
  return options
    .map((o) => o.name)
    .filter((n) => n !== OPTION.prompt && n !== OPTION.firstFrame && n !== OPTION.lastFrame)
    .filter((n) => !/^image\d+$/.test(n))
    .map(code)
    .join(', ');
}

/** How to use the bot: the commands, their options (from the catalog), the buttons, examples. */
export function helpText(catalog: readonly ModelSpec[] = CATALOG): string {
  const commands = buildCommands(catalog);
  const video = commands.find((c) => c.name === 'video');
  const reference = commands.find((c) => c.name === 'reference');
  const has = (command: typeof video, option: string) => command?.options?.some((o) => o.name === option);
  const lines = ['## 🎬 I make short AI video clips'];

  if (video) {
    lines.push(`**/video** ${code(OPTION.prompt)} — a clip from your words`);
    if (has(video, OPTION.firstFrame)) {
      lines.push(
        `- attach an image as ${code(OPTION.firstFrame)} to animate it` +
          (has(video, OPTION.lastFrame) ? `, and one as ${code(OPTION.lastFrame)} to end on` : ''),
      );
    }
    lines.push(`- options: ${optionList('video', catalog)}`);
  }
  if (reference) {
    const images = reference.options?.filter((o) => /^image\d+$/.test(o.name)).length ?? 1;
    const model = defaultModelFor('reference', catalog);
    lines.push(
      `**/reference** ${code(OPTION.prompt)} ${code(imageOption(1))}${images > 1 ? ` … ${code(imageOption(images))}` : ''} — keeps the people and things of up to ${images} image${images === 1 ? '' : 's'} in the clip (${model} by default)`,
      `- options: ${optionList('reference', catalog)}`,
    );
  }
  lines.push(
    '**/models** — models, lengths and prices',
    '**/quota** — videos left today',
    '**/help** — this message',
    '',
    'Under a status, **Cancel** stops your video (it will not count against your quota) and **Again** makes another one like it.',
    '',
    '**Examples**',
    ...examples(catalog),
  );
  return lines.join('\n');
}

function examples(catalog: readonly ModelSpec[]): string[] {
  const out: string[] = [];
  const textModel = findModel(defaultModelFor('text', catalog), catalog);
  if (textModel?.modes.includes('text')) {
    const longest = Math.max(...textModel.durations);
    const portrait = textModel.aspectRatioModes.includes('text')
      ? textModel.aspectRatios.find((r) => {
          const [w, h] = r.split(':').map(Number);
          return w !== undefined && h !== undefined && w < h;
        })
      : undefined;
    out.push(
      `/video prompt: a red fox running through fresh snow, slow motion duration: ${longest}${portrait ? ` aspect_ratio: ${portrait}` : ''}`,
    );
  }
  const animating = catalog.filter((m) => m.modes.includes('first-frame'));
  const withQualities = animating.find((m) => m.qualities.length > 1);
  const animator = withQualities ?? animating[0];
  if (animator) {
    const quality = withQualities ? ` mode: ${withQualities.qualities.at(-1)}` : '';
    out.push(
      `/video prompt: the waves roll in gently first_frame: (your photo) model: ${animator.id}${quality}`,
    );
  }
  const referenceModel = findModel(defaultModelFor('reference', catalog), catalog);
  if (referenceModel?.modes.includes('reference')) {
    const two = referenceModel.maxReferenceImages >= 2 ? ' image2: (another photo)' : '';
    out.push(
      `/reference prompt: the two friends share a coffee in Paris image1: (a photo)${two}${referenceModel.sound ? ' sound: True' : ''}`,
    );
  }
  return out.map(code);
}

function modelText(model: ModelSpec, catalog: readonly ModelSpec[]): string {
  const defaults = [
    model.id === defaultModelFor('text', catalog) ? '/video' : undefined,
    model.id === defaultModelFor('reference', catalog) ? '/reference' : undefined,
  ].filter((c) => c !== undefined);
  const lines = [
    `### ${model.label} · ${code(model.id)}${defaults.length > 0 ? ` — default for ${defaults.join(' and ')}` : ''}`,
    model.description,
    `**Makes:** ${modesText(model)} · **Length:** ${durationsText(model.durations)}`,
    `**Ratios:** ${ratiosText(model)}`,
  ];
  if (model.qualities.length > 1) lines.push(`**Quality** (${code(OPTION.mode)}): ${qualitiesText(model)}`);
  const extras = [
    model.negativePrompt ? code(OPTION.negativePrompt) : undefined,
    model.sound ? `${code(OPTION.sound)} (${model.sound.default ? 'on' : 'off'} by default)` : undefined,
    model.referenceVideo ? code(OPTION.referenceVideo) : undefined,
  ].filter((e) => e !== undefined);
  if (extras.length > 0) lines.push(`**Takes:** ${extras.join(', ')}`);
  lines.push(
    `**Credits per clip:** ${priceRows(model)
      .map(({ label, row }) => `${label}${row}`)
      .join(' | ')}`,
  );
  return lines.join('\n');
}

/** Every model: what it does, its lengths, ratios, qualities, extras and what a clip costs. */
export function modelsText(catalog: readonly ModelSpec[] = CATALOG): string {
  if (catalog.length === 0) return 'No models are available.';
  return [
    '## 🎞 Models',
    ...catalog.map((m) => modelText(m, catalog)),
    `Choose one with the ${code(OPTION.model)} option of /video or /reference.`,
  ].join('\n');
}

/** A user's quota for today; `now` in epoch ms. The reset shows in the reader's own time zone. */
export function quotaText(usage: QuotaUsage, now: number): string {
  if (usage.limit <= 0) return QUOTA_CLOSED_TEXT;
  const { left, used } = quotaLines(usage);
  const at = `<t:${Math.round(usage.resetsAt / 1000)}:t>`;
  const reset =
    usage.resetsAt > now ? `Resets ${relativeTime(usage.resetsAt)} (at ${at}).` : `Resets at ${at}.`;
  return [`**${left}**`, used, reset].join('\n');
}
