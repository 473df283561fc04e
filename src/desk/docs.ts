import type { SettingKey } from '../core/request.js';
import type { GenerateCommandName } from './commands.js';
import type { Settings } from './request.js';

/**
 * The desk's longer answers (help, models, quota, cancel) as neutral documents: lines of spans that
 * each platform renders in its own markup, naming settings and commands its own way.
 */

/** A clip a help text shows how to ask for. */
export interface Example {
  command: GenerateCommandName;
  prompt: string;
  settings: Settings;
  /** How many images go with it. */
  images: number;
  /** Whether a reference video goes with it. */
  video?: boolean;
}

export type Span =
  | string
  | { bold: string }
  /** Literal text, as a person would type it. */
  | { code: string }
  /** A setting, named the way the platform takes it. */
  | { setting: SettingKey }
  /** The prompt, as the platform asks for it. */
  | { prompt: true }
  /** A command, as typed. */
  | { command: string }
  /** A whole example, written the way the platform takes it. */
  | { example: Example }
  /** A moment (epoch ms), shown in the reader's terms where the platform can. */
  | { time: number }
  /** A member, role or channel of the platform, mentioned where it can (without pinging), else named. */
  | { ref: 'user' | 'role' | 'channel'; id: string; name?: string };

export type Line = readonly Span[];

export interface Section {
  heading?: Line;
  lines: Line[];
  /** Shown as a list. */
  bullets?: boolean;
}

export interface Doc {
  title: string;
  sections: Section[];
}

/** What a platform adds to the desk's help: how its people attach inputs, and any closing lines. */
export interface HelpWords {
  /** How to give a command its inputs, one line each. */
  attaching(command: GenerateCommandName, inputs: AttachFacts): Line[];
  /** Lines after everything else (a platform's own tips). */
  footer?: Line[];
}

/** What a command takes, for `HelpWords.attaching`. */
export interface AttachFacts {
  firstFrame: boolean;
  lastFrame: boolean;
  references: number;
  referenceVideo: boolean;
}

/** "a, b and c". */
export const andList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** Spans joined with a separator between them. */
export function joined(items: readonly Line[], separator: Span): Span[] {
  return items.flatMap((item, i) => (i === 0 ? item : [separator, ...item]));
}

/** The plain text of a line, for platforms without markup; `name` renders the named spans. */
export function plainText(
  line: Line,
  name: (span: Exclude<Span, string | { bold: string } | { code: string }>) => string,
): string {
  return line
    .map((span) => {
      if (typeof span === 'string') return span;
      if ('bold' in span) return span.bold;
      if ('code' in span) return span.code;
      return name(span);
    })
    .join('');
}
