import { err, ok, type Result, type UserError, userError } from '../../core/errors.js';
import type { GenerationRequest } from '../../core/request.js';

/** What the text after `/video` or `/reference` says, before any check against the model catalog. */
export interface ParsedArgs {
  prompt: string;
  model?: string;
  duration?: number;
  aspectRatio?: string;
  negativePrompt?: string;
  quality?: string;
  sound?: boolean;
}

type ValueKey = 'model' | 'duration' | 'aspectRatio' | 'negativePrompt' | 'quality';

interface OptionSpec {
  key: ValueKey | 'sound';
  /** Shown when the value is missing. */
  example?: string;
  /** Set by a value-less flag. */
  sound?: boolean;
}

/** Every option by the name a person types (without the dashes). The first name of each is its main one. */
const OPTIONS: Record<string, OptionSpec> = {
  model: { key: 'model', example: '--model kling-o1' },
  duration: { key: 'duration', example: '--duration 10' },
  ratio: { key: 'aspectRatio', example: '--ratio 9:16' },
  'aspect-ratio': { key: 'aspectRatio', example: '--aspect-ratio 9:16' },
  neg: { key: 'negativePrompt', example: '--neg "blurry, text"' },
  'negative-prompt': { key: 'negativePrompt', example: '--negative-prompt "blurry, text"' },
  mode: { key: 'quality', example: '--mode pro' },
  quality: { key: 'quality', example: '--quality pro' },
  sound: { key: 'sound', sound: true },
  'no-sound': { key: 'sound', sound: false },
};

/** The options as a person types them, for the "unknown option" message. */
export const KNOWN_OPTIONS: readonly string[] = Object.keys(OPTIONS).map((name) => `--${name}`);

/**
 * Opening quote → the characters that close it. Phones turn `"` into “…” (or „…“), `'` into ‘…’;
 * a keyboard may mix straight and curly, so either closes.
 */
const QUOTES: Record<string, string> = {
  '"': '"”“',
  '“': '”“"',
  '”': '”',
  '„': '“”',
  "'": "'’",
  '‘': "’'",
  '’': '’',
  '«': '»',
};

interface Token {
  /** The text as typed, quotes included. */
  raw: string;
  /** The text with the quotes of its quoted parts removed. */
  value: string;
  /** Starts with a quote: never an option, and its quoted part is a value verbatim. */
  quoted: boolean;
  /** Exactly one quoted part and nothing else. */
  wholeQuoted: boolean;
}

const isSpace = (c: string): boolean => /\s/u.test(c);
/** A closing quote must not be followed by a letter or digit, so "a dog's bone" has no quote in it. */
const closesAt = (text: string, i: number): boolean => !/[\p{L}\p{N}]/u.test(text[i + 1] ?? ' ');

/**
 * Where the quote opened at `open` closes, or -1 (then the quote mark is just a character).
 * `unclosed` remembers, per kind of quote, the earliest start that found no closer: a later start
 * cannot find one either, which keeps a message full of stray quotes linear.
 */
function closingQuote(text: string, open: number, unclosed: Map<string, number>): number {
  const closers = QUOTES[text[open] ?? ''];
  if (closers === undefined || open >= (unclosed.get(closers) ?? Number.POSITIVE_INFINITY)) return -1;
  for (let i = open + 1; i < text.length; i++) {
    if (closers.includes(text[i] ?? '') && closesAt(text, i)) return i;
  }
  unclosed.set(closers, open);
  return -1;
}

/**
 * Splits on whitespace. A quote opens only at the start of a word or right after `=`, so apostrophes
 * and inch marks inside words stay as they are.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const unclosed = new Map<string, number>();
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i] ?? '')) {
      i++;
      continue;
    }
    const start = i;
    let value = '';
    let quoted = false;
    let firstQuoteEnd = -1;
    while (i < text.length && !isSpace(text[i] ?? '')) {
      const close = i === start || text[i - 1] === '=' ? closingQuote(text, i, unclosed) : -1;
      if (close >= 0) {
        if (i === start) {
          quoted = true;
          firstQuoteEnd = close + 1;
        }
        value += text.slice(i + 1, close);
        i = close + 1;
      } else {
        value += text[i];
        i++;
      }
    }
    tokens.push({ raw: text.slice(start, i), value, quoted, wholeQuoted: quoted && i === firstQuoteEnd });
  }
  return tokens;
}

/** `--name`, `--name=value`; phones autocorrect `--` into an em dash — or an en dash –. */
const OPTION = /^(?:--|[—–])(\p{L}[\p{L}\p{N}-]*)(?:=([\s\S]*))?$/u;

function parseOption(token: Token): { name: string; inline?: string } | undefined {
  if (token.quoted) return undefined;
  const m = OPTION.exec(token.value);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  return m[2] === undefined ? { name } : { name, inline: m[2] };
}

const DURATION = /^(\d{1,4})\s*(?:s|secs?|seconds?)?$/iu;
const RATIO = /^(\d{1,2})\s*[:x×/∶]\s*(\d{1,2})$/iu;
const BOOLEAN: Record<string, boolean> = {
  on: true,
  yes: true,
  true: true,
  off: false,
  no: false,
  false: false,
};

function invalid(option: string, value: string, expected: string): Result<never, UserError> {
  return err(userError('option-invalid', { option, value, expected }));
}

/**
 * Parses the text after `/video` or `/reference` (grammY's `ctx.match`):
 * `<prompt words> [--model m] [--duration d] [--ratio 16:9] [--neg "…"] [--mode std|pro] [--sound|--no-sound]`.
 * Options may come anywhere; the other words, in order and joined by single spaces, are the prompt.
 * Quoted words are never options. Only the syntax is checked here: whether the model has that
 * duration or ratio is `validate`'s job.
 */
export function parseArgs(args: string): Result<ParsedArgs> {
  const tokens = tokenize(args);
  const promptTokens: Token[] = [];
  const values: Partial<Record<ValueKey, string>> = {};
  const shown: Partial<Record<ValueKey, string>> = {};
  let sound: boolean | undefined;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const opt = parseOption(token);
    if (!opt) {
      promptTokens.push(token);
      continue;
    }
    const typed = `--${opt.name}`;
    const spec = Object.hasOwn(OPTIONS, opt.name) ? OPTIONS[opt.name] : undefined;
    if (!spec) return err(userError('option-unknown', { option: typed, known: KNOWN_OPTIONS }));

    if (spec.key === 'sound') {
      if (opt.inline === undefined) {
        sound = spec.sound;
        continue;
      }
      const word = opt.inline.trim().toLowerCase();
      const b = Object.hasOwn(BOOLEAN, word) ? BOOLEAN[word] : undefined;
      if (b === undefined) return invalid(typed, opt.inline, 'on or off');
      sound = spec.sound === b;
      continue;
    }

    let value = opt.inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next && !parseOption(next)) {
        value = next.value;
        i++;
      }
    }
    if (value === undefined || value.trim() === '') {
      return err(
        userError(
          'option-missing-value',
          spec.example ? { option: typed, example: spec.example } : { option: typed },
        ),
      );
    }
    values[spec.key] = value;
    shown[spec.key] = typed;
  }

  const parsed: ParsedArgs = { prompt: promptText(promptTokens) };
  if (values.model !== undefined) parsed.model = values.model.trim().toLowerCase();
  if (values.duration !== undefined) {
    const m = DURATION.exec(values.duration.trim());
    if (!m) return invalid(shown.duration!, values.duration, 'a number of seconds, like 5 or 10');
    parsed.duration = Number(m[1]);
  }
  if (values.aspectRatio !== undefined) {
    const m = RATIO.exec(values.aspectRatio.trim());
    if (!m) return invalid(shown.aspectRatio!, values.aspectRatio, 'a ratio like 16:9, 9:16 or 1:1');
    parsed.aspectRatio = `${Number(m[1])}:${Number(m[2])}`;
  }
  if (values.negativePrompt !== undefined) parsed.negativePrompt = values.negativePrompt.trim();
  if (values.quality !== undefined) parsed.quality = values.quality.trim().toLowerCase();
  if (sound !== undefined) parsed.sound = sound;
  return ok(parsed);
}

/**
 * The prompt words joined by single spaces. A prompt that is one quoted part loses its quotes; quotes
 * around a part of a longer prompt stay (`a sign reading "OPEN"` means the quotes), as typed inside.
 */
function promptText(tokens: Token[]): string {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only?.wholeQuoted) return only.value.trim();
  return tokens.map((t) => t.raw).join(' ');
}

/** The platform-neutral request for these arguments; `defaultModel` when the text names none. */
export function toRequest(parsed: ParsedArgs, defaultModel: string): GenerationRequest {
  const req: GenerationRequest = { model: parsed.model ?? defaultModel, prompt: parsed.prompt };
  if (parsed.duration !== undefined) req.duration = parsed.duration;
  if (parsed.aspectRatio !== undefined) req.aspectRatio = parsed.aspectRatio;
  if (parsed.negativePrompt !== undefined) req.negativePrompt = parsed.negativePrompt;
  if (parsed.quality !== undefined) req.quality = parsed.quality;
  if (parsed.sound !== undefined) req.sound = parsed.sound;
  return req;
}
