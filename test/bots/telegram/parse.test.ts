import { describe, expect, it } from 'vitest';
import { DEFAULT_REFERENCE_MODEL, DEFAULT_VIDEO_MODEL } from '../../../src/bots/shared.js';
import { KNOWN_OPTIONS, type ParsedArgs, parseArgs, toRequest } from '../../../src/bots/telegram/parse.js';
import type { ErrorId, UserError } from '../../../src/core/errors.js';
import { messageFor } from '../../../src/core/messages.js';
import { validate } from '../../../src/core/validate.js';

function parsed(text: string): ParsedArgs {
  const result = parseArgs(text);
  if (!result.ok) throw new Error(`expected arguments, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function refused(text: string, id: ErrorId): UserError {
  const result = parseArgs(text);
  if (result.ok) throw new Error(`expected ${id}, got ${JSON.stringify(result.value)}`);
  expect(result.error.id).toBe(id);
  return result.error;
}

describe('parseArgs: the prompt', () => {
  it('is the whole text when there are no options', () => {
    expect(parsed('a red fox runs through fresh snow')).toEqual({
      prompt: 'a red fox runs through fresh snow',
    });
  });

  it('is trimmed, with runs of spaces and line breaks made single spaces', () => {
    expect(parsed('  a red fox\n\nruns   through\tsnow  ')).toEqual({
      prompt: 'a red fox runs through snow',
    });
  });

  it('is empty for an empty text (validate says the prompt is missing)', () => {
    expect(parsed('')).toEqual({ prompt: '' });
    expect(parsed('   \n ')).toEqual({ prompt: '' });
    expect(parsed('--duration 10')).toEqual({ prompt: '', duration: 10 });
  });

  it('keeps the order of its words around options anywhere in the text', () => {
    expect(parsed('--model kling-o1 a red fox --duration 10 runs through --ratio 9:16 snow')).toEqual({
      prompt: 'a red fox runs through snow',
      model: 'kling-o1',
      duration: 10,
      aspectRatio: '9:16',
    });
  });

  it('keeps apostrophes, inch marks and dashes inside words', () => {
    expect(parsed("a dog's 5\" toy, don't stop — rock'n'roll")).toEqual({
      prompt: "a dog's 5\" toy, don't stop — rock'n'roll",
    });
  });

  it('keeps a lone dash or an em dash between words', () => {
    expect(parsed('a cat - sleeping — quietly -- softly')).toEqual({
      prompt: 'a cat - sleeping — quietly -- softly',
    });
  });

  it('keeps emoji and other scripts as typed', () => {
    expect(parsed('кошка на скейтборде 🐱🛹 --duration 5')).toEqual({
      prompt: 'кошка на скейтборде 🐱🛹',
      duration: 5,
    });
  });
});

describe('parseArgs: quotes', () => {
  it('a wholly quoted prompt loses its quotes and may contain option-like words', () => {
    expect(parsed('"a sign that says --model and --sound" --duration 10')).toEqual({
      prompt: 'a sign that says --model and --sound',
      duration: 10,
    });
  });

  it.each([
    ['straight double', '"blurry, low quality"'],
    ['straight single', "'blurry, low quality'"],
    ['curly double', '“blurry, low quality”'],
    ['curly single', '‘blurry, low quality’'],
    ['guillemets', '«blurry, low quality»'],
    ['German low-high', '„blurry, low quality“'],
    ['mixed straight and curly', '“blurry, low quality"'],
  ])('a %s-quoted value may hold spaces and commas', (_name, quoted) => {
    expect(parsed(`a fox --neg ${quoted} in snow`)).toEqual({
      prompt: 'a fox in snow',
      negativePrompt: 'blurry, low quality',
    });
  });

  it('quotes around a part of a longer prompt stay, protecting what is inside', () => {
    expect(parsed('a neon sign reading "OPEN --late" at night --duration 5')).toEqual({
      prompt: 'a neon sign reading "OPEN --late" at night',
      duration: 5,
    });
    expect(parsed('a sign reading “OPEN”, glowing')).toEqual({ prompt: 'a sign reading “OPEN”, glowing' });
  });

  it('keeps the spacing inside a quoted part', () => {
    expect(parsed('"two  spaces"')).toEqual({ prompt: 'two  spaces' });
  });

  it('a quote that never closes is an ordinary character', () => {
    expect(parsed('a "quoted fox --duration 5')).toEqual({ prompt: 'a "quoted fox', duration: 5 });
    expect(parsed("'90s style city --duration 5")).toEqual({ prompt: "'90s style city", duration: 5 });
  });

  it('an apostrophe inside a quoted value does not end it', () => {
    expect(parsed("x --neg 'the dog's ears' y")).toEqual({ prompt: 'x y', negativePrompt: "the dog's ears" });
  });

  it('quotes work after = too', () => {
    expect(parsed('a fox --neg="blurry, dark" --ratio=“1:1”')).toEqual({
      prompt: 'a fox',
      negativePrompt: 'blurry, dark',
      aspectRatio: '1:1',
    });
  });

  it('a quoted word is never an option', () => {
    expect(parsed('a fox --neg "--sound"')).toEqual({ prompt: 'a fox', negativePrompt: '--sound' });
  });

  it('stays fast on a message full of stray quotes', () => {
    const text = '"a '.repeat(1500);
    const started = performance.now();
    expect(parsed(text).prompt).toBe(text.trim());
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('parseArgs: options', () => {
  it.each([
    ['--model kling-o1', { model: 'kling-o1' }],
    ['--model Kling-O3-Pro', { model: 'kling-o3-pro' }],
    ['--duration 10', { duration: 10 }],
    ['--duration 10s', { duration: 10 }],
    ['--duration 10S', { duration: 10 }],
    ['--duration 10sec', { duration: 10 }],
    ['--duration 7seconds', { duration: 7 }],
    ['--duration "5 s"', { duration: 5 }],
    ['--ratio 9:16', { aspectRatio: '9:16' }],
    ['--ratio 16x9', { aspectRatio: '16:9' }],
    ['--ratio 1/1', { aspectRatio: '1:1' }],
    ['--ratio 16×9', { aspectRatio: '16:9' }],
    ['--aspect-ratio 9:16', { aspectRatio: '9:16' }],
    ['--neg blurry', { negativePrompt: 'blurry' }],
    ['--negative-prompt "no text"', { negativePrompt: 'no text' }],
    ['--mode pro', { quality: 'pro' }],
    ['--mode STD', { quality: 'std' }],
    ['--quality pro', { quality: 'pro' }],
    ['--sound', { sound: true }],
    ['--no-sound', { sound: false }],
    ['--sound=off', { sound: false }],
    ['--sound=yes', { sound: true }],
    ['--no-sound=no', { sound: true }],
  ])('%s', (options, expected) => {
    expect(parsed(`a fox ${options}`)).toEqual({ prompt: 'a fox', ...expected });
  });

  it('takes every option at once', () => {
    expect(
      parsed('a fox --model kling-o1 --duration 10 --ratio 1:1 --neg "blur" --mode pro --sound in snow'),
    ).toEqual({
      prompt: 'a fox in snow',
      model: 'kling-o1',
      duration: 10,
      aspectRatio: '1:1',
      negativePrompt: 'blur',
      quality: 'pro',
      sound: true,
    });
  });

  it('takes --flag=value', () => {
    expect(
      parsed('a fox --model=kling-o1 --duration=5s --aspect-ratio=9:16 --quality=std --neg=dark'),
    ).toEqual({
      prompt: 'a fox',
      model: 'kling-o1',
      duration: 5,
      aspectRatio: '9:16',
      quality: 'std',
      negativePrompt: 'dark',
    });
  });

  it('takes an em dash or an en dash for -- (phone autocorrect)', () => {
    expect(parsed('a fox —duration 10 –ratio 9:16 —model=kling-o1 —no-sound —neg “blur”')).toEqual({
      prompt: 'a fox',
      duration: 10,
      aspectRatio: '9:16',
      model: 'kling-o1',
      sound: false,
      negativePrompt: 'blur',
    });
  });

  it('reads option names case-insensitively (phones capitalise)', () => {
    expect(parsed('a fox --Duration 10 —Sound')).toEqual({ prompt: 'a fox', duration: 10, sound: true });
  });

  it('keeps the last of a repeated option', () => {
    expect(parsed('a fox --duration 5 --duration 10 --sound --no-sound')).toEqual({
      prompt: 'a fox',
      duration: 10,
      sound: false,
    });
  });

  it('does not check values against the catalog (validate does)', () => {
    expect(parsed('a fox --model nope --duration 99 --ratio 4:3 --mode ultra')).toEqual({
      prompt: 'a fox',
      model: 'nope',
      duration: 99,
      aspectRatio: '4:3',
      quality: 'ultra',
    });
  });

  it('a value flag does not eat the word after a boolean flag', () => {
    expect(parsed('--sound a fox')).toEqual({ prompt: 'a fox', sound: true });
  });

  it('a value may look like a negative number or a lone dash', () => {
    expect(refused('a fox --duration -5', 'option-invalid').details).toMatchObject({ value: '-5' });
    expect(parsed('a fox --neg —')).toEqual({ prompt: 'a fox', negativePrompt: '—' });
  });
});

describe('parseArgs: errors', () => {
  it('names an unknown option and lists the known ones', () => {
    const error = refused('a fox --colour red', 'option-unknown');
    expect(error.details).toEqual({ option: '--colour', known: KNOWN_OPTIONS });
    expect(KNOWN_OPTIONS).toEqual([
      '--model',
      '--duration',
      '--ratio',
      '--aspect-ratio',
      '--neg',
      '--negative-prompt',
      '--mode',
      '--quality',
      '--sound',
      '--no-sound',
    ]);
    expect(messageFor(error)).toBe(
      'I don\'t know the option "--colour". Options: --model, --duration, --ratio, --aspect-ratio, --neg, ' +
        '--negative-prompt, --mode, --quality, --sound, --no-sound.',
    );
  });

  it('names an unknown option typed with an em dash the way it is meant', () => {
    expect(refused('a fox —Colour red', 'option-unknown').details).toMatchObject({ option: '--colour' });
  });

  it.each([
    ['a fox --model', '--model', '--model kling-o1'],
    ['a fox --duration --sound', '--duration', '--duration 10'],
    ['a fox --ratio=', '--ratio', '--ratio 9:16'],
    ['a fox --aspect-ratio', '--aspect-ratio', '--aspect-ratio 9:16'],
    ['a fox --neg ""', '--neg', '--neg "blurry, text"'],
    ['a fox --negative-prompt', '--negative-prompt', '--negative-prompt "blurry, text"'],
    ['a fox --mode —model kling-o1', '--mode', '--mode pro'],
    ['a fox --quality', '--quality', '--quality pro'],
  ])('%s: the value is missing', (text, option, example) => {
    const error = refused(text, 'option-missing-value');
    expect(error.details).toEqual({ option, example });
    expect(messageFor(error)).toBe(`The option "${option}" needs a value, for example: ${example}.`);
  });

  it.each([
    ['--duration five', '--duration', 'five'],
    ['--duration 5.5', '--duration', '5.5'],
    ['--duration 5min', '--duration', '5min'],
    ['--ratio wide', '--ratio', 'wide'],
    ['--aspect-ratio 16:9:1', '--aspect-ratio', '16:9:1'],
    ['--sound=loud', '--sound', 'loud'],
    ['--sound=constructor', '--sound', 'constructor'],
  ])('%s is not a valid value', (options, option, value) => {
    const error = refused(`a fox ${options}`, 'option-invalid');
    expect(error.details).toMatchObject({ option, value });
    expect(typeof error.details?.expected).toBe('string');
  });

  it('says what a duration should look like', () => {
    const error = refused('a fox --duration five', 'option-invalid');
    expect(error.details).toEqual({
      option: '--duration',
      value: 'five',
      expected: 'a number of seconds, like 5 or 10',
    });
    expect(messageFor(error)).toBe(
      '"five" isn\'t a valid value for "--duration": use a number of seconds, like 5 or 10.',
    );
  });
});

describe('toRequest', () => {
  it('uses the default model when none is named, and passes the prompt', () => {
    expect(toRequest({ prompt: 'a fox' }, DEFAULT_VIDEO_MODEL)).toEqual({
      model: 'kling-2.5-turbo-pro',
      prompt: 'a fox',
    });
    expect(DEFAULT_REFERENCE_MODEL).toBe('kling-o3-pro');
  });

  it('maps every field', () => {
    expect(
      toRequest(
        {
          prompt: 'a fox',
          model: 'kling-o1',
          duration: 10,
          aspectRatio: '9:16',
          negativePrompt: 'blur',
          quality: 'pro',
          sound: false,
        },
        DEFAULT_VIDEO_MODEL,
      ),
    ).toEqual({
      model: 'kling-o1',
      prompt: 'a fox',
      duration: 10,
      aspectRatio: '9:16',
      negativePrompt: 'blur',
      quality: 'pro',
      sound: false,
    });
  });

  it('gives validate a request it accepts for a typical phone-typed command', () => {
    const args = parsed('A red fox in snow —duration 10s —ratio 9:16 —neg “blurry”');
    const result = validate(toRequest(args, DEFAULT_VIDEO_MODEL));
    expect(result.ok && result.value).toMatchObject({
      model: 'kling-2.5-turbo-pro',
      mode: 'text',
      prompt: 'A red fox in snow',
      duration: 10,
      aspectRatio: '9:16',
      negativePrompt: 'blurry',
      credits: 350,
    });
  });
});
