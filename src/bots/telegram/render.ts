import { SETTINGS } from '../../desk/commands.js';
import { type Doc, type Example, plainText, type Section, type Span } from '../../desk/docs.js';
import { countdownText, utcClock } from '../../desk/format.js';
import type { Settings } from '../../desk/request.js';
import { flagOf } from './parse.js';

/**
 * The desk's documents as Telegram messages: plain text (no parse_mode), so there is nothing to
 * escape and what a person types back works as shown.
 */

/** Telegram's longest message text. */
export const MESSAGE_MAX = 4096;

/** A value as typed after its flag: quoted when it holds spaces or commas. */
const typedValue = (value: string): string =>
  /[\s,"]/u.test(value) ? `"${value.replaceAll('"', '')}"` : value;

/** Settings as flags, in the desk's order: ` --duration 10 --ratio 9:16 --neg "blurry, text"`. */
export function flagsText(settings: Settings): string {
  return SETTINGS.map((spec) => {
    const value = settings[spec.key];
    if (value === undefined) return '';
    if (typeof value === 'boolean') return value ? ` --${spec.name}` : ` --no-${spec.name}`;
    return ` ${flagOf(spec.key)} ${typedValue(String(value))}`;
  }).join('');
}

/** How an example's inputs are sent, before its command: "As the caption of an album of 2 photos: ". */
function attachedAs(example: Example): string {
  const photos = example.images === 1 ? 'a photo' : `an album of ${example.images} photos`;
  if (example.images === 0) return example.video ? 'As the caption of an MP4 video: ' : '';
  return `As the caption of ${photos}${example.video ? ' and an MP4 video' : ''}: `;
}

/** An example as a person sends it: how to attach its inputs, then the command, on one line. */
export const exampleText = (example: Example): string =>
  `${attachedAs(example)}/${example.command} ${example.prompt}${flagsText(example.settings)}`;

/** A moment, for "Resets …": "at 00:00 UTC (in 5h 12m)". */
const timeText = (at: number, now: number): string =>
  at > now ? `at ${utcClock(at)} (in ${countdownText(at - now)})` : `at ${utcClock(at)}`;

type Named = Exclude<Span, string | { bold: string } | { code: string }>;

const spanText =
  (now: number) =>
  (span: Named): string => {
    if ('setting' in span) return flagOf(span.setting);
    if ('prompt' in span) return '<prompt>';
    if ('command' in span) return `/${span.command}`;
    if ('example' in span) return exampleText(span.example);
    // Plain text has no mentions: a member by their @name or name, else by id.
    if ('ref' in span) return span.name ?? (span.ref === 'user' ? `user ${span.id}` : span.id);
    return timeText(span.time, now);
  };

function sectionText(section: Section, now: number): string {
  const name = spanText(now);
  const lines = section.lines.map((line) => `${section.bullets ? '• ' : ''}${plainText(line, name)}`);
  return [...(section.heading ? [plainText(section.heading, name)] : []), ...lines].join('\n');
}

/** A document as one message: the title, then each section, a blank line between; cut to fit. */
export function docText(doc: Doc, now = Date.now()): string {
  const text = [doc.title, ...doc.sections.map((s) => sectionText(s, now))].join('\n\n');
  return cut(text);
}

/** A text cut to Telegram's limit, with an ellipsis where it had to be. */
export const cut = (text: string, max = MESSAGE_MAX): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
