/**
 * The words of a command's text as a person typed them on a phone: quotes of every kind, and `--`
 * that the keyboard turned into a dash. Only the syntax; which options exist is `parse.ts`'s.
 */

export interface Token {
  /** The text as typed, quotes included. */
  raw: string;
  /** The text with the quotes of its quoted parts removed. */
  value: string;
  /** Starts with a quote: never an option, and its quoted part is a value verbatim. */
  quoted: boolean;
  /** Exactly one quoted part and nothing else. */
  wholeQuoted: boolean;
}

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
export function tokenize(text: string): Token[] {
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

/** A token read as an option: its name in lower case (phones capitalise), and a value after `=`. */
export function optionOf(token: Token): { name: string; inline?: string } | undefined {
  if (token.quoted) return undefined;
  const m = OPTION.exec(token.value);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  return m[2] === undefined ? { name } : { name, inline: m[2] };
}

/**
 * The prompt words joined by single spaces. A prompt that is one quoted part loses its quotes; quotes
 * around a part of a longer prompt stay (`a sign reading "OPEN"` means the quotes), as typed inside.
 */
export function promptText(tokens: readonly Token[]): string {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only?.wholeQuoted) return only.value.trim();
  return tokens.map((t) => t.raw).join(' ');
}
