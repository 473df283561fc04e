import { readFile } from 'node:fs/promises';

/**
 * Blocked words: a prompt is checked against the community's list and the operator's global list
 * (`BLOCKED_WORDS_FILE`) before anything is charged. Pure, but for {@link loadBlockedWords}.
 *
 * Matching is on whole words, case-insensitively, after {@link normalize} of both the prompt and the
 * listed word, so `ＮＡＳＴＹ`, `Násty` and `NASTY!` all hit a listed `nasty`, and `nastyness` does not.
 */

/**
 * Scripts whose combining marks are accents or optional pointing (`é`, `ё`, Greek tonos, Hebrew
 * niqqud, Arabic harakat): folded away. Elsewhere a mark is part of the letter (a Devanagari or Thai
 * vowel sign, the kana voicing mark in `ば`) and folding it would make different words equal.
 */
const FOLDED_MARKS =
  /(?<=[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Hebrew}\p{Script=Arabic}])\p{M}+/gu;

/**
 * Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) or,
 * for Korean, with particles glued to the word: there a word has no boundary to look for, so a listed
 * word in these scripts matches as a substring on that side.
 */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** A character that belongs to a word: a letter, a digit, or a mark kept on a letter. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * A word character of a spaced script, as a pattern: what must not touch a bounded edge of a listed
 * word. A change to an unspaced script is a boundary (`超AV女優` holds the word `AV女優`).
 */
const SPACED_WORD_CHAR = `(?!${UNSPACED.source})[\\p{L}\\p{N}\\p{M}]`;

/**
 * The comparable form of a text: NFKC (full-width and compatibility forms to plain ones), full case
 * folding without locale (`ß` → `ss`, `İ` → `i`, final `ς` → `σ` wherever it stands), accents folded
 * (NFD, then the marks of the scripts above dropped, then NFC again so Hangul syllables stay whole),
 * whitespace collapsed to one space and trimmed.
 */
export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFD')
    .replace(FOLDED_MARKS, '')
    .normalize('NFC')
    .replace(/ς/gu, 'σ')
    .replace(/\s+/gu, ' ')
    .trim();
}

const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * The pattern of one normalised listed word. A boundary (no letter, digit or mark of a spaced script
 * next to it) is required on each side whose edge character is a letter or digit of a spaced script;
 * a space inside the word (`hot dog`) stands for any run of non-word characters (`hot-dog`,
 * `hot_dog`, `hot  dog`).
 */
function wordPattern(word: string): RegExp {
  const chars = [...word];
  const first = chars[0] as string;
  const last = chars[chars.length - 1] as string;
  const bounded = (c: string): boolean => WORD_CHAR.test(c) && !UNSPACED.test(c);
  const body = word.split(' ').map(escapeRegExp).join('[^\\p{L}\\p{N}\\p{M}]+');
  const before = bounded(first) ? `(?<!${SPACED_WORD_CHAR})` : '';
  const after = bounded(last) ? `(?!${SPACED_WORD_CHAR})` : '';
  return new RegExp(`${before}${body}${after}`, 'u');
}

/**
 * The first word of `words` (in list order) found in `prompt`, spelled as the list has it; undefined
 * when none is. Whole words, case-insensitive, after {@link normalize} of both sides; a listed word may
 * be several words (`hot dog`). Words in scripts without spaces (CJK, Thai…) match as substrings,
 * since they have no word boundary to find.
 */
export function blockedWordIn(prompt: string, words: readonly string[]): string | undefined {
  const text = normalize(prompt);
  if (text === '') return undefined;
  for (const word of words) {
    const normal = normalize(word);
    if (normal === '') continue;
    if (!text.includes(normal.split(' ')[0] as string)) continue;
    if (wordPattern(normal).test(text)) return word;
  }
  return undefined;
}

/**
 * Reads the operator's list (`BLOCKED_WORDS_FILE`): UTF-8, one word (or phrase) a line, trimmed;
 * blank lines and lines starting with `#` are skipped, and so are repeats (by normalised form).
 * Throws an Error naming the path when the file cannot be read (main turns it into a config error).
 */
export async function loadBlockedWords(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (code ?? String(error));
    throw new Error(`BLOCKED_WORDS_FILE: cannot read ${path} (${why})`, { cause: error });
  }
  const seen = new Set<string>();
  const words: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const normal = normalize(line);
    if (normal === '' || seen.has(normal)) continue;
    seen.add(normal);
    words.push(line);
  }
  return words;
}
