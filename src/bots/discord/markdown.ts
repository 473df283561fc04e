import type { ModelSpec } from '../../core/catalog.js';
import { settingSpec } from '../../desk/commands.js';
import type { AttachFacts, Doc, Example, HelpWords, Line, Span } from '../../desk/docs.js';
import type { Settings } from '../../desk/request.js';
import { referenceImageCount } from './commands.js';
import { DISCORD_WORDS, imageOption, OPTION, settingOption } from './words.js';

/** The desk's documents in Discord markdown. Every one fits a message for the shipped catalog. */

/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2000;

const code = (s: string): string => `\`${s}\``;

/** `<t:1763769600:R>`: Discord shows it in the reader's time zone, as "in 2 minutes". */
export const relativeTime = (epochMs: number): string => `<t:${Math.round(epochMs / 1000)}:R>`;

/** What an example puts in an image option: the first photo, then another one. */
const PLACEHOLDERS = ['(your photo)', '(another photo)'];

/** A setting's value as Discord's client shows what was typed (`sound: True`). */
const valueText = (value: Settings[keyof Settings]): string =>
  typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);

/**
 * An example as a person types it in Discord's client:
 * `/video prompt: the waves roll in gently first_frame: (your photo) model: kling-o1 mode: pro`.
 */
export function exampleText(example: Example): string {
  const parts = [`/${example.command}`, `${OPTION.prompt}: ${example.prompt}`];
  for (let n = 1; n <= example.images; n++) {
    const option =
      example.command === 'video' ? (n === 1 ? OPTION.firstFrame : OPTION.lastFrame) : imageOption(n);
    parts.push(`${option}: ${PLACEHOLDERS[Math.min(n, 2) - 1]}`);
  }
  if (example.video) parts.push(`${OPTION.referenceVideo}: (your video)`);
  for (const [key, value] of Object.entries(example.settings) as [
    keyof Settings,
    Settings[keyof Settings],
  ][]) {
    if (value !== undefined) parts.push(`${settingOption(settingSpec(key))}: ${valueText(value)}`);
  }
  return parts.join(' ');
}

/** `**Label:** `: spaces at the edges stay outside the stars, where every Markdown reader wants them. */
function boldText(text: string): string {
  const m = /^(\s*)([\s\S]*?)(\s*)$/.exec(text);
  const [, before = '', inner = '', after = ''] = m ?? [];
  return inner === '' ? text : `${before}**${inner}**${after}`;
}

/** A mention of a member, role or channel: Discord shows its name (the bot's answers never ping). */
function refText(span: Extract<Span, { ref: string }>): string {
  if (span.ref === 'user') return `<@${span.id}>`;
  if (span.ref === 'role') return `<@&${span.id}>`;
  return `<#${span.id}>`;
}

function spanText(span: Span): string {
  if (typeof span === 'string') return span;
  if ('bold' in span) return boldText(span.bold);
  if ('code' in span) return code(span.code);
  if ('setting' in span) return DISCORD_WORDS.setting(span.setting);
  if ('prompt' in span) return code(OPTION.prompt);
  if ('command' in span) return DISCORD_WORDS.command(span.command);
  if ('example' in span) return code(exampleText(span.example));
  if ('ref' in span) return refText(span);
  return `${relativeTime(span.time)} (<t:${Math.round(span.time / 1000)}:t>)`;
}

const lineText = (line: Line): string => line.map(spanText).join('');

/** A document as one Discord message: a title, then each section's heading and lines. */
export function renderDoc(doc: Doc): string {
  const out = [`## ${doc.title}`];
  for (const section of doc.sections) {
    if (section.heading) out.push(lineText(section.heading));
    for (const line of section.lines) out.push(`${section.bullets ? '- ' : ''}${lineText(line)}`);
  }
  return out.join('\n');
}

/** How a Discord user gives each command its inputs: attachment options. */
export function discordHelpWords(catalog: readonly ModelSpec[]): HelpWords {
  return {
    attaching(command, inputs: AttachFacts): Line[] {
      if (command === 'video') {
        if (!inputs.firstFrame) return [];
        const last: Span[] = inputs.lastFrame
          ? [', and one as ', { code: OPTION.lastFrame }, ' to end on']
          : [];
        return [['attach an image as ', { code: OPTION.firstFrame }, ' to animate it', ...last]];
      }
      if (command === 'motion') {
        return [
          [
            'attach the character as ',
            { code: OPTION.image },
            ' and a video of the motion to copy as ',
            { code: OPTION.video },
          ],
        ];
      }
      const n = referenceImageCount(catalog);
      const images: Span[] =
        n > 1 ? [{ code: imageOption(1) }, ' … ', { code: imageOption(n) }] : [{ code: imageOption(1) }];
      const video: Span[] = inputs.referenceVideo
        ? [', and a video as ', { code: OPTION.referenceVideo }]
        : [];
      return [[`attach up to ${n} image${n === 1 ? '' : 's'} as `, ...images, ...video]];
    },
  };
}
