import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedWordIn, loadBlockedWords, normalize } from '../../src/desk/moderation.js';

describe('normalize', () => {
  it.each([
    ['ＮＡＳＴＹ', 'nasty'],
    ['Násty', 'nasty'],
    ['  Hot \t\n  DOG ', 'hot dog'],
    ['ﬁne', 'fine'],
    ['Straße', 'strasse'],
    ['İstanbul', 'istanbul'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['οδός σου', 'οδοσ σου'],
    ['οδός', 'οδοσ'],
    ['Ёлка', 'елка'],
    ['Crème Brûlée', 'creme brulee'],
    ['Tiếng Việt', 'tieng viet'],
    ['①２3', '123'],
  ])('%j → %j', (text, expected) => {
    expect(normalize(text)).toBe(expected);
  });

  it('does not depend on the locale (Turkish I is folded the same everywhere)', () => {
    expect(normalize('TITLE')).toBe('title');
    expect(normalize('ı')).toBe('i');
  });

  it('keeps marks that are part of a letter: Devanagari vowel signs, kana voicing, Hangul syllables', () => {
    expect(normalize('किताब')).toBe('किताब');
    expect(normalize('ばか')).toBe('ばか');
    expect(normalize('ばか')).not.toBe(normalize('はか'));
    expect(normalize('바보')).toBe('바보');
    // Half-width katakana become full width (NFKC), voicing mark included.
    expect(normalize('ﾊﾞｶ')).toBe('バカ');
  });

  it('folds optional pointing in Hebrew and Arabic', () => {
    expect(normalize('שָׁלוֹם')).toBe('שלום');
    expect(normalize('كَلْب')).toBe('كلب');
  });
});

describe('blockedWordIn', () => {
  const words = ['nasty'];

  it.each([
    'ＮＡＳＴＹ',
    'a Násty clip',
    'NASTY!',
    '"nasty"',
    'so-nasty-dance',
    'nasty_thing',
    'ｎａｓｔｙ cat',
    'n\u0301asty',
  ])('catches %j', (prompt) => {
    expect(blockedWordIn(prompt, words)).toBe('nasty');
  });

  it.each(['nastyness', 'dynasty', 'unnasty', 'nasty2', 'a clean prompt', ''])(
    'lets %j through',
    (prompt) => {
      expect(blockedWordIn(prompt, words)).toBeUndefined();
    },
  );

  it('catches a longer word only when it is listed', () => {
    expect(blockedWordIn('pure nastyness', ['nasty', 'nastyness'])).toBe('nastyness');
  });

  it('answers the word as the list spells it', () => {
    expect(blockedWordIn('a nasty one', ['Násty'])).toBe('Násty');
    expect(blockedWordIn('a NÁSTY one', ['ＮＡＳＴＹ'])).toBe('ＮＡＳＴＹ');
  });

  it('answers the first listed word that matches', () => {
    expect(blockedWordIn('rude and nasty', ['nasty', 'rude'])).toBe('nasty');
  });

  it('matches a phrase across any spacing or punctuation between its words', () => {
    const list = ['hot dog'];
    for (const prompt of ['a hot dog stand', 'HOT   DOG', 'hot-dog', 'hot\ndog', 'Hót Dög!']) {
      expect(blockedWordIn(prompt, list), prompt).toBe('hot dog');
    }
    for (const prompt of ['a hot day with a dog', 'hotdog', 'shot dog', 'hot dogs']) {
      expect(blockedWordIn(prompt, list), prompt).toBeUndefined();
    }
  });

  it('matches whole words in Cyrillic, case and ё folded', () => {
    const list = ['дурак'];
    expect(blockedWordIn('Ты ДУРАК!', list)).toBe('дурак');
    expect(blockedWordIn('дурачок', list)).toBeUndefined();
    expect(blockedWordIn('Всё', ['все'])).toBe('все');
  });

  it('matches whole words in Greek, with final sigma folded', () => {
    expect(blockedWordIn('ΚΑΚΟΣ σκύλος', ['κακός'])).toBe('κακός');
    expect(blockedWordIn('κακοσκύλος', ['κακός'])).toBeUndefined();
  });

  it('matches CJK words as substrings: Chinese and Japanese have no spaces between words', () => {
    expect(blockedWordIn('一只坏狗在跑', ['坏狗'])).toBe('坏狗');
    expect(blockedWordIn('お前はバカだ', ['バカ'])).toBe('バカ');
    expect(blockedWordIn('お前はﾊﾞｶだ', ['バカ'])).toBe('バカ');
    // The voicing mark is part of the letter: ハカ (a different word) does not match バカ.
    expect(blockedWordIn('ハカ', ['バカ'])).toBeUndefined();
    // Korean glues particles to the word, so Hangul matches as a substring too.
    expect(blockedWordIn('너는 바보야', ['바보'])).toBe('바보');
  });

  it('keeps the whole-word rule on the spaced side of a mixed word', () => {
    expect(blockedWordIn('超AV女優だ', ['av女優'])).toBe('av女優');
    expect(blockedWordIn('NAV女優', ['av女優'])).toBeUndefined();
    // A change of script is a boundary: a Latin word glued to Japanese text is still a word.
    expect(blockedWordIn('とてもnastyだ', ['nasty'])).toBe('nasty');
    expect(blockedWordIn('とてもnastyness', ['nasty'])).toBeUndefined();
  });

  it('does not treat a Devanagari vowel sign as a boundary', () => {
    expect(blockedWordIn('यह किताब है', ['किताब'])).toBe('किताब');
    expect(blockedWordIn('यह कित है', ['किताब'])).toBeUndefined();
    expect(blockedWordIn('किताबें', ['किताब'])).toBeUndefined();
  });

  it('treats listed words literally, not as patterns', () => {
    expect(blockedWordIn('f*ck that', ['f*ck'])).toBe('f*ck');
    expect(blockedWordIn('fuck that', ['f*ck'])).toBeUndefined();
    expect(blockedWordIn('a (b) c', ['(b)'])).toBe('(b)');
    expect(blockedWordIn('anything', ['.*'])).toBeUndefined();
  });

  it('skips empty list entries', () => {
    expect(blockedWordIn('anything at all', ['', '   ', '\u0301'])).toBeUndefined();
  });
});

describe('loadBlockedWords', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelay-words-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads one word a line, trimmed, skipping comments, blank lines and repeats', async () => {
    const path = join(dir, 'words.txt');
    await writeFile(
      path,
      '\uFEFF# the operator list\r\nnasty\r\n\r\n  hot dog  \n   # indented comment\nNASTY\n坏狗\n\t\n',
      'utf8',
    );
    expect(await loadBlockedWords(path)).toEqual(['nasty', 'hot dog', '坏狗']);
  });

  it('reads an empty file as no words', async () => {
    const path = join(dir, 'empty.txt');
    await writeFile(path, '', 'utf8');
    expect(await loadBlockedWords(path)).toEqual([]);
  });

  it('throws an Error naming the path of a missing file', async () => {
    const path = join(dir, 'missing.txt');
    await expect(loadBlockedWords(path)).rejects.toThrow(path);
    await expect(loadBlockedWords(path)).rejects.toThrow(/no such file/);
  });

  it('throws an Error naming the path of a directory', async () => {
    await expect(loadBlockedWords(dir)).rejects.toThrow(dir);
  });
});
