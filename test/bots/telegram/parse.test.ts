import { describe, expect, it } from 'vitest';
import { flagOf, knownFlags, type ParsedCommand, parseCommand } from '../../../src/bots/telegram/parse.js';
import { CATALOG } from '../../../src/catalog/models.js';
import type { ErrorId, UserError } from '../../../src/core/errors.js';
import { messageFor } from '../../../src/core/messages.js';
import { SETTINGS } from '../../../src/desk/commands.js';
import { checkCommand } from '../../../src/desk/request.js';

type Flat = { prompt: string } & ParsedCommand['settings'];

/** The parse of a command's text, settings flattened beside the prompt (as the old parser gave them). */
function parsed(text: string, command: 'video' | 'reference' = 'video'): Flat {
  const result = parseCommand(command, text, CATALOG);
  if (!result.ok) throw new Error(`expected arguments, got ${JSON.stringify(result.error)}`);
  return { prompt: result.value.prompt, ...result.value.settings };
}

function refused(text: string, id: ErrorId, command: 'video' | 'reference' = 'video'): UserError {
  const result = parseCommand(command, text, CATALOG);
  if (result.ok) throw new Error(`expected ${id}, got ${JSON.stringify(result.value)}`);
  expect(result.error.id).toBe(id);
  return result.error;
}

describe('parseCommand: the prompt', () => {
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

describe('parseCommand: quotes', () => {
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

describe('parseCommand: options', () => {
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
    ['--cfg 0.7', { cfgScale: 0.7 }],
    ['--cfg-scale 1', { cfgScale: 1 }],
    ['--cfg=0,3', { cfgScale: 0.3 }],
  ])('/video %s', (options, expected) => {
    expect(parsed(`a fox ${options}`)).toEqual({ prompt: 'a fox', ...expected });
  });

  it.each([
    ['--sound', { sound: true }],
    ['--no-sound', { sound: false }],
    ['--sound=off', { sound: false }],
    ['--sound=yes', { sound: true }],
    ['--no-sound=no', { sound: true }],
    ['--ratio 9:16', { aspectRatio: '9:16' }],
    ['--duration 12', { duration: 12 }],
  ])('/reference %s', (options, expected) => {
    expect(parsed(`a fox ${options}`, 'reference')).toEqual({ prompt: 'a fox', ...expected });
  });

  it('takes every option of a command at once', () => {
    expect(
      parsed('a fox --model kling-o1 --duration 10 --ratio 1:1 --neg "blur" --mode pro --cfg 0.5 in snow'),
    ).toEqual({
      prompt: 'a fox in snow',
      model: 'kling-o1',
      duration: 10,
      aspectRatio: '1:1',
      negativePrompt: 'blur',
      quality: 'pro',
      cfgScale: 0.5,
    });
    expect(parsed('two friends --model kling-o3-pro --duration 8 --ratio 9:16 --sound', 'reference')).toEqual(
      {
        prompt: 'two friends',
        model: 'kling-o3-pro',
        duration: 8,
        aspectRatio: '9:16',
        sound: true,
      },
    );
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
    expect(parsed('a fox —duration 10 –ratio 9:16 —model=kling-o1 —neg “blur”')).toEqual({
      prompt: 'a fox',
      duration: 10,
      aspectRatio: '9:16',
      model: 'kling-o1',
      negativePrompt: 'blur',
    });
    expect(parsed('a fox —no-sound', 'reference')).toEqual({ prompt: 'a fox', sound: false });
  });

  it('reads option names case-insensitively (phones capitalise)', () => {
    expect(parsed('a fox --Duration 10 —Sound', 'reference')).toEqual({
      prompt: 'a fox',
      duration: 10,
      sound: true,
    });
  });

  it('keeps the last of a repeated option', () => {
    expect(parsed('a fox --duration 5 --duration 10 --sound --no-sound', 'reference')).toEqual({
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
    expect(parsed('--sound a fox', 'reference')).toEqual({ prompt: 'a fox', sound: true });
  });

  it('a value may look like a negative number or a lone dash', () => {
    expect(refused('a fox --duration -5', 'option-invalid').details).toMatchObject({ value: '-5' });
    expect(parsed('a fox --neg —')).toEqual({ prompt: 'a fox', negativePrompt: '—' });
  });
});

describe('parseCommand: errors', () => {
  it('names an unknown option and lists the known ones of that command', () => {
    const error = refused('a fox --colour red', 'option-unknown');
    expect(error.details).toEqual({ option: '--colour', known: knownFlags('video', CATALOG) });
    expect(knownFlags('video', CATALOG)).toEqual([
      '--model',
      '--duration',
      '--ratio',
      '--aspect-ratio',
      '--neg',
      '--negative-prompt',
      '--mode',
      '--quality',
      '--cfg',
      '--cfg-scale',
      '--sound',
      '--no-sound',
      '--res',
      '--resolution',
      '--seed',
      '--shots',
      '--multi-shot',
      '--no-multi-shot',
    ]);
    expect(messageFor(error)).toBe(
      'I don\'t know the option "--colour". Options: --model, --duration, --ratio, --aspect-ratio, --neg, ' +
        '--negative-prompt, --mode, --quality, --cfg, --cfg-scale, --sound, --no-sound, --res, --resolution, --seed, ' +
        '--shots, --multi-shot, --no-multi-shot.',
    );
  });

  it('offers a flag only where some model of the command takes it', () => {
    // No /reference model takes a negative prompt, a mode, a cfg scale, a resolution or a seed.
    for (const flag of ['--neg x', '--mode pro', '--cfg 0.5', '--res 1080p', '--seed 3']) {
      expect(refused(`a fox ${flag}`, 'option-unknown', 'reference').details).toMatchObject({
        known: [
          '--model',
          '--duration',
          '--ratio',
          '--aspect-ratio',
          '--sound',
          '--no-sound',
          '--shots',
          '--multi-shot',
          '--no-multi-shot',
        ],
      });
    }
  });

  it("names each setting by its shortest flag, every flag derived from the desk's settings", () => {
    expect(SETTINGS.map((s) => flagOf(s.key))).toEqual([
      '--model',
      '--duration',
      '--ratio',
      '--neg',
      '--mode',
      '--cfg',
      '--sound',
      '--res',
      '--seed',
      '--shots',
    ]);
    // Every flag is offered once some model takes its setting (resolution: a model with a choice).
    const hd = { ...CATALOG[0]!, id: 'hd', resolutions: { options: ['720p', '1080p'], default: '720p' } };
    const catalog = [...CATALOG, hd];
    const all = new Set([...knownFlags('video', catalog), ...knownFlags('reference', catalog)]);
    for (const s of SETTINGS) {
      for (const name of [s.name, ...s.aliases]) expect(all).toContain(`--${name}`);
    }
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
    ['--cfg high', '--cfg', 'high'],
    ['--sound=loud', '--sound', 'loud'],
    ['--sound=constructor', '--sound', 'constructor'],
  ])('%s is not a valid value', (options, option, value) => {
    const command = option === '--sound' ? 'reference' : 'video';
    const error = refused(`a fox ${options}`, 'option-invalid', command);
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

describe('parseCommand with the desk', () => {
  it('gives the desk a request it accepts for a typical phone-typed command', () => {
    const { prompt, ...settings } = parsed('A red fox in snow —duration 10s —ratio 9:16 —neg “blurry”');
    const result = checkCommand(
      {
        command: 'video',
        requester: { platform: 'telegram', userId: '1' },
        place: { platform: 'telegram' },
        target: { platform: 'telegram', data: { chatId: 1, messageId: 1 } },
        prompt,
        settings,
        attachments: [],
      },
      CATALOG,
    );
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

describe('parseCommand: --seed and --res', () => {
  const hd = { ...CATALOG[0]!, id: 'hd', resolutions: { options: ['720p', '1080p'], default: '720p' } };
  const withHd = (text: string) => parseCommand('video', text, [...CATALOG, hd]);

  it('reads a seed as a whole number, and a resolution in lower case', () => {
    expect(parsed('a fox --seed 424242 --model kling-2.1-master')).toMatchObject({
      prompt: 'a fox',
      seed: 424242,
      model: 'kling-2.1-master',
    });
    const result = withHd('a fox --res 1080P --model hd');
    expect(result.ok && result.value.settings).toEqual({ resolution: '1080p', model: 'hd' });
    const long = withHd('a fox --resolution 4k');
    expect(long.ok && long.value.settings).toEqual({ resolution: '4k' });
  });

  it('says what a seed or a resolution should look like', () => {
    expect(refused('a fox --seed lucky', 'option-invalid').details).toEqual({
      option: '--seed',
      value: 'lucky',
      expected: 'a whole number like 12345',
    });
    expect(refused('a fox --seed 1.5', 'option-invalid').details).toMatchObject({ option: '--seed' });
    const bad = withHd('a fox --res big');
    expect(bad.ok || bad.error).toEqual({
      id: 'option-invalid',
      details: { option: '--res', value: 'big', expected: 'a resolution like 720p or 1080p' },
    });
  });
});
