import type {
  APIApplicationCommandBasicOption,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { buildCommands, DISCORD_LIMITS } from '../../../src/bots/discord/commands.js';
import { type AttachmentLike, type CommandOptions, commandOf } from '../../../src/bots/discord/options.js';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import { KLING } from '../../../src/catalog/kling.js';
import { CATALOG } from '../../../src/catalog/models.js';
import { MIB, type ModelSpec } from '../../../src/core/catalog.js';
import { messageFor } from '../../../src/core/messages.js';
import { commandModels } from '../../../src/desk/commands.js';
import { checkCommand } from '../../../src/desk/request.js';

type Command = RESTPostAPIChatInputApplicationCommandsJSONBody;
type Option = APIApplicationCommandBasicOption;

const byName = (commands: Command[], name: string): Command => {
  const found = commands.find((c) => c.name === name);
  if (!found) throw new Error(`no /${name} in ${commands.map((c) => c.name).join(', ')}`);
  return found;
};

const optionOf = (command: Command, name: string): Option | undefined =>
  (command.options ?? []).find((o) => o.name === name) as Option | undefined;

const option = (command: Command, name: string): Option => {
  const found = optionOf(command, name);
  if (!found) throw new Error(`/${command.name} has no ${name}`);
  return found;
};

const choiceValues = (o: Option): (string | number)[] =>
  'choices' in o && o.choices ? o.choices.map((c) => c.value) : [];

const kling25 = CATALOG.find((m) => m.id === 'kling-2.5-turbo-pro')!;
const o1 = CATALOG.find((m) => m.id === 'kling-o1')!;

/** A model made from an existing one, for catalogs that differ from the shipped one. */
const variant = (base: ModelSpec, changes: Partial<ModelSpec>): ModelSpec => ({ ...base, ...changes });

/** O3 Pro as a reference-only model, as it first shipped. */
const o3 = variant(CATALOG.find((m) => m.id === 'kling-o3-pro')!, {
  modes: ['reference'],
  aspectRatioModes: ['reference'],
});
/**
 * A small catalog of one model of each kind, so the tests of how commands and refusals follow a
 * catalog read the same however many models ship.
 */
const BASE = [kling25, o1, o3];

/** A command or subcommand: a name, a description, options. */
type Node = { name: string; description: string; options?: unknown[] | undefined };

/**
 * Characters Discord counts toward a command's size limit: names, descriptions, choice names and
 * values, of the command and every option, subcommands' included.
 */
const commandSize = (c: Node): number =>
  c.name.length +
  c.description.length +
  ((c.options ?? []) as Option[]).reduce(
    (n, o) =>
      n +
      ('options' in o ? commandSize(o as Node) : o.name.length + o.description.length) +
      ('choices' in o && o.choices
        ? o.choices.reduce((k, ch) => k + ch.name.length + String(ch.value).length, 0)
        : 0),
    0,
  );

/** The levels of a command that hold options: the command, and each subcommand. */
const levels = (c: Node): Node[] => [
  c,
  ...((c.options ?? []) as (Option | Node)[]).filter((o): o is Node => (o as { type: number }).type === 1),
];

function checkLimits(commands: Command[]): void {
  for (const c of commands) {
    expect(commandSize(c)).toBeLessThanOrEqual(4000);
    for (const level of levels(c)) checkLevel(level);
  }
}

function checkLevel(c: Node): void {
  const nameRule = /^[-_\p{Ll}\p{N}]{1,32}$/u;
  expect(c.name).toMatch(nameRule);
  expect(c.description.length).toBeGreaterThan(0);
  expect(c.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
  const options = ((c.options ?? []) as Option[]).filter((o) => (o.type as number) !== 1);
  expect(options.length).toBeLessThanOrEqual(DISCORD_LIMITS.options);
  expect(new Set(options.map((o) => o.name)).size).toBe(options.length);
  // Discord refuses a required option after an optional one.
  const firstOptional = options.findIndex((o) => !('required' in o && o.required));
  if (firstOptional >= 0) {
    expect(options.slice(firstOptional).some((o) => 'required' in o && o.required)).toBe(false);
  }
  for (const o of options) {
    expect(o.name).toMatch(nameRule);
    expect(o.description.length).toBeGreaterThan(0);
    expect(o.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    if ('choices' in o && o.choices) {
      expect(o.choices.length).toBeGreaterThan(0);
      expect(o.choices.length).toBeLessThanOrEqual(DISCORD_LIMITS.choices);
      for (const ch of o.choices) {
        expect(ch.name.length).toBeGreaterThan(0);
        expect(ch.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.choiceName);
      }
    }
    if ('max_length' in o && o.max_length !== undefined) {
      expect(o.max_length).toBeLessThanOrEqual(DISCORD_LIMITS.stringLength);
    }
  }
}

describe('buildCommands with the shipped Kling family', () => {
  // The Kling models only: what each option lists should not change each time a family is added.
  const commands = buildCommands(KLING);
  const video = byName(commands, 'video');
  const reference = byName(commands, 'reference');

  it('defines /video, /reference, /models, /quota, /history, /cancel, /help and /admin as chat-input commands', () => {
    expect(commands.map((c) => c.name)).toEqual([
      'video',
      'reference',
      'motion',
      'models',
      'quota',
      'history',
      'cancel',
      'help',
      'admin',
    ]);
    for (const c of commands) expect(c.type).toBe(1);
  });

  it("stays within Discord's limits, with the whole catalog too", () => {
    checkLimits(commands);
    checkLimits(buildCommands(CATALOG));
  });

  it('suggests the model as it is typed: autocomplete, no choices, whatever the catalog’s size', () => {
    for (const command of [video, reference, byName(buildCommands(CATALOG), 'video')]) {
      expect(option(command, 'model')).toMatchObject({ type: 3, autocomplete: true });
      expect(option(command, 'model')).not.toHaveProperty('choices');
    }
    expect(CATALOG.length).toBeGreaterThan(DISCORD_LIMITS.choices - 5);
    expect(option(video, 'model').description).toContain('(default kling-2.5-turbo-pro); see /models');
    expect(option(reference, 'model').description).toContain('(default kling-o3-pro)');
  });

  it("offers the union of the models' durations, as integers", () => {
    expect(option(video, 'duration').type).toBe(4);
    expect(choiceValues(option(video, 'duration'))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(choiceValues(option(reference, 'duration'))).toEqual([
      3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
  });

  it('offers the aspect ratios, named by their shape', () => {
    const ratio = option(video, 'aspect_ratio');
    expect(choiceValues(ratio)).toEqual(['16:9', '9:16', '1:1']);
    expect('choices' in ratio && ratio.choices?.map((c) => c.name)).toEqual([
      '16:9 (landscape)',
      '9:16 (portrait)',
      '1:1 (square)',
    ]);
    expect(choiceValues(option(reference, 'aspect_ratio'))).toEqual(['16:9', '9:16', '1:1']);
  });

  it('offers mode (std/pro) only where a model has a choice of quality', () => {
    expect(choiceValues(option(video, 'mode'))).toEqual(['std', 'pro']);
    expect(option(video, 'mode').description).toContain('kling-o1');
    expect(optionOf(reference, 'mode')).toBeUndefined();
  });

  it('offers sound, a negative prompt, a guidance scale, a seed and a reference video only where a model takes them', () => {
    expect(option(reference, 'sound').type).toBe(5);
    expect(option(video, 'sound').description).toContain('kling-3.0-pro');
    expect(option(video, 'negative_prompt').description).toContain('kling-2.5-turbo-pro');
    expect(option(video, 'negative_prompt')).toMatchObject({ min_length: 2, max_length: 2500 });
    expect(optionOf(reference, 'negative_prompt')).toBeUndefined();
    expect(option(video, 'cfg_scale')).toMatchObject({ type: 10, min_value: 0, max_value: 1 });
    expect(option(video, 'cfg_scale').description).toContain('(kling-2.5-turbo-pro,');
    expect(optionOf(reference, 'cfg_scale')).toBeUndefined();
    expect(option(video, 'seed')).toMatchObject({ type: 4, min_value: 1, max_value: 2_147_483_647 });
    expect(option(video, 'seed').description).toContain('(kling-2.1-master and kling-2.1-pro)');
    expect(optionOf(reference, 'seed')).toBeUndefined();
    // No Kling model offers a choice of resolution; other families do.
    expect(optionOf(video, 'resolution')).toBeUndefined();
    expect(option(byName(buildCommands(CATALOG), 'video'), 'resolution').description).toContain(
      'veo-3.1-pro',
    );
    expect(option(reference, 'reference_video').type).toBe(11);
    expect(optionOf(video, 'reference_video')).toBeUndefined();
  });

  it('/video: a required prompt, then the options, then the two frames as attachments', () => {
    expect(video.options?.map((o) => o.name)).toEqual([
      'prompt',
      'model',
      'duration',
      'aspect_ratio',
      'negative_prompt',
      'mode',
      'cfg_scale',
      'sound',
      'seed',
      'multi_shot',
      'first_frame',
      'last_frame',
    ]);
    // Boolean; its description says what off means.
    expect(option(video, 'multi_shot')).toMatchObject({ type: 5 });
    expect(option(video, 'multi_shot').description).toMatch(/shots.*off: one continuous shot/i);
    expect(option(video, 'prompt')).toMatchObject({
      type: 3,
      required: true,
      min_length: 2,
      max_length: 2500,
    });
    expect(option(video, 'first_frame')).toMatchObject({ type: 11 });
    expect(option(video, 'last_frame')).toMatchObject({ type: 11 });
    expect('required' in option(video, 'first_frame')).toBe(false);
  });

  it('/reference: prompt and image1 required, image2 … image7 optional, then the rest', () => {
    expect(reference.options?.map((o) => o.name)).toEqual([
      'prompt',
      'image1',
      'image2',
      'image3',
      'image4',
      'image5',
      'image6',
      'image7',
      'model',
      'duration',
      'aspect_ratio',
      'sound',
      'multi_shot',
      'reference_video',
    ]);
    expect(option(reference, 'image1')).toMatchObject({ type: 11, required: true });
    expect(option(reference, 'image7')).toMatchObject({ type: 11 });
    expect(option(reference, 'prompt')).toMatchObject({ max_length: 2500 });
    expect(reference.description).toContain('up to 7 images');
  });

  it('/motion: a prompt, the character image and the driving video (both required), then its settings', () => {
    const motion = byName(commands, 'motion');
    expect(motion.options?.map((o) => o.name)).toEqual([
      'prompt',
      'image',
      'video',
      'model',
      'negative_prompt',
    ]);
    expect(option(motion, 'image')).toMatchObject({ type: 11, required: true });
    expect(option(motion, 'video')).toMatchObject({ type: 11, required: true });
    expect(option(motion, 'video').description).toContain('up to 10 s');
    expect(option(motion, 'negative_prompt').description).toContain('(kling-3.0-pro and kling-3.0-std)');
  });

  it('/models takes an optional model, suggested as typed; /quota, /history, /cancel and /help take no options', () => {
    expect(byName(commands, 'models').options).toEqual([
      expect.objectContaining({ type: 3, name: 'model', autocomplete: true }),
    ]);
    expect('required' in option(byName(commands, 'models'), 'model')).toBe(false);
    for (const name of ['quota', 'history', 'cancel', 'help']) {
      expect(byName(commands, name).options).toBeUndefined();
    }
  });
});

describe('buildCommands follows the catalog', () => {
  it('a new model, duration and aspect ratio show up with no code change', () => {
    const kling3 = variant(o1, {
      id: 'kling-3',
      label: 'Kling 3',
      durations: [5, 8, 10],
      aspectRatios: ['16:9', '21:9'],
      qualities: ['std', 'pro'],
    });
    const video = byName(buildCommands([...BASE, kling3]), 'video');
    expect(commandModels('video', [...BASE, kling3]).map((m) => m.id)).toEqual([
      'kling-2.5-turbo-pro',
      'kling-o1',
      'kling-3',
    ]);
    expect(choiceValues(option(video, 'duration'))).toEqual([5, 8, 10]);
    expect(choiceValues(option(video, 'aspect_ratio'))).toEqual(['16:9', '9:16', '1:1', '21:9']);
    expect(option(video, 'mode').description).toContain('kling-o1 and kling-3');
    // The shipped catalog's commands are untouched by the other catalog.
    expect(choiceValues(option(byName(buildCommands(BASE), 'video'), 'duration'))).toEqual([5, 10]);
  });

  it('a new reference model with more images, sound and no reference video', () => {
    const big = variant(o3, { id: 'ref-9', label: 'Ref 9', maxReferenceImages: 9, durations: [4, 20] });
    const reference = byName(buildCommands([...BASE, big]), 'reference');
    expect(commandModels('reference', [...BASE, big]).map((m) => m.id)).toEqual(['kling-o3-pro', 'ref-9']);
    expect(option(reference, 'image9')).toMatchObject({ type: 11 });
    expect(optionOf(reference, 'image10')).toBeUndefined();
    expect(choiceValues(option(reference, 'duration'))).toContain(20);
  });

  it('sound on a video model adds the option to /video, naming the model', () => {
    const loud = variant(o1, {
      id: 'loud',
      sound: { default: true },
      price: { kind: 'per-second', credits: 1, withSound: 2 },
    });
    const video = byName(buildCommands([...BASE, loud]), 'video');
    expect(option(video, 'sound').description).toContain('loud');
  });

  it('more than 25 durations: a min and max instead of choices', () => {
    const long = variant(o3, { id: 'long', durations: Array.from({ length: 30 }, (_, i) => i + 1) });
    const duration = option(byName(buildCommands([long]), 'reference'), 'duration');
    expect('choices' in duration && duration.choices).toBeFalsy();
    expect(duration).toMatchObject({ min_value: 1, max_value: 30 });
  });

  it('more than 25 models: the model is still suggested as typed, within Discord’s limits', () => {
    const many = Array.from({ length: 30 }, (_, i) => variant(o1, { id: `m${i}`, label: `M ${i}` }));
    const commands = buildCommands(many);
    checkLimits(commands);
    expect(option(byName(commands, 'video'), 'model')).toMatchObject({ autocomplete: true });
  });

  it('a model taking 40 reference images still fits the 25 options', () => {
    const huge = variant(o3, { id: 'huge', maxReferenceImages: 40 });
    const commands = buildCommands([huge]);
    checkLimits(commands);
    const reference = byName(commands, 'reference');
    expect(reference.options).toHaveLength(25);
    expect(option(reference, 'image1')).toMatchObject({ required: true });
  });

  it('leaves out a command no model serves', () => {
    const small = ['models', 'quota', 'history', 'cancel', 'help', 'admin'];
    expect(buildCommands([o3]).map((c) => c.name)).toEqual(['reference', ...small]);
    expect(buildCommands([o1]).map((c) => c.name)).toEqual(['video', ...small]);
  });

  it('a text-only catalog has no frame options', () => {
    const textOnly = variant(o1, { id: 'words', modes: ['text'], aspectRatioModes: ['text'] });
    const video = byName(buildCommands([textOnly]), 'video');
    expect(optionOf(video, 'first_frame')).toBeUndefined();
    expect(optionOf(video, 'last_frame')).toBeUndefined();
    expect(video.description).toBe('Make a video clip from a prompt');
  });

  it('cuts a long description to 100 characters', () => {
    const wordy = variant(o1, { id: 'wordy-model-with-a-long-name', label: 'W'.repeat(200) });
    const commands = buildCommands([wordy]);
    checkLimits(commands);
  });

  it('a setting only some models of a command take names them; one all take names none', () => {
    const both = variant(o1, { id: 'o1-neg', negativePrompt: { minLength: 1, maxLength: 100 } });
    const video = byName(buildCommands([o1, both]), 'video');
    expect(option(video, 'negative_prompt').description).toBe('What to keep out of the clip (o1-neg)');
    const all = byName(buildCommands([both]), 'video');
    expect(option(all, 'negative_prompt').description).toBe('What to keep out of the clip');
    expect(optionOf(all, 'mode')?.description).toBe('Quality: std or pro');
  });
});

/** Options as a ChatInputCommandInteraction gives them, from a plain object. */
function options(values: Record<string, string | number | boolean | AttachmentLike>): CommandOptions {
  const get = <T>(name: string, ok: (v: unknown) => v is T): T | null => {
    const v = values[name];
    return v !== undefined && ok(v) ? v : null;
  };
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  return {
    getString: (n) => get(n, (v): v is string => typeof v === 'string'),
    getInteger: (n) => get(n, isNumber),
    getNumber: (n) => get(n, isNumber),
    getBoolean: (n) => get(n, (v): v is boolean => typeof v === 'boolean'),
    getAttachment: (n) => get(n, (v): v is AttachmentLike => typeof v === 'object'),
  };
}

/** An attachment as the API resolves it (`data.resolved.attachments[id]`). */
const attachment = (name: string, extra: Partial<AttachmentLike> = {}): AttachmentLike => ({
  id: `1${name.length}00000000000000000`,
  filename: name,
  size: MIB,
  url: `https://cdn.discordapp.com/attachments/1/2/${name}?ex=abc&is=def&hm=123`,
  proxy_url: `https://media.discordapp.net/attachments/1/2/${name}`,
  content_type: 'image/png',
  width: 1024,
  height: 768,
  ...extra,
});

const refOf = (a: AttachmentLike) => ({
  source: { kind: 'discord', id: a.url },
  filename: a.filename,
  contentType: a.content_type,
  size: a.size,
  width: a.width,
  height: a.height,
});

const WHO = {
  requester: { platform: DISCORD, userId: '42' },
  target: { platform: DISCORD, data: { channelId: '1' } },
  place: { platform: DISCORD, community: '7', channel: '1' },
};

/** A command's options as the desk's command. */
const parse = (name: 'video' | 'reference', values: Parameters<typeof options>[0]) =>
  commandOf(name, options(values), WHO);

/** The reply a command gets from the desk's pure check, in Discord's words. */
function refusal(
  name: 'video' | 'reference',
  values: Parameters<typeof options>[0],
  catalog: readonly ModelSpec[] = BASE,
): string {
  const { command, words } = parse(name, values);
  const checked = checkCommand(command, catalog);
  if (checked.ok) throw new Error(`expected a refusal of ${JSON.stringify(values)}`);
  return messageFor(checked.error, words);
}

describe('commandOf: a slash command as the desk’s command', () => {
  it("a ChatInputCommandInteraction's options are CommandOptions", () => {
    expectTypeOf<ChatInputCommandInteraction['options']>().toExtend<CommandOptions>();
  });

  it('/video with a prompt alone: no settings, no attachments, the requester, place and target as given', () => {
    expect(parse('video', { prompt: 'a fox in the snow' }).command).toEqual({
      command: 'video',
      ...WHO,
      prompt: 'a fox in the snow',
      settings: {},
      attachments: [],
    });
  });

  it('maps every setting option to its neutral key, by the desk’s declarations', () => {
    const { command } = parse('video', {
      prompt: 'waves',
      model: 'kling-o1',
      duration: 10,
      aspect_ratio: '9:16',
      negative_prompt: 'blur',
      mode: 'pro',
      cfg_scale: 0.7,
      sound: false,
    });
    expect(command.settings).toEqual({
      model: 'kling-o1',
      duration: 10,
      aspectRatio: '9:16',
      negativePrompt: 'blur',
      quality: 'pro',
      cfgScale: 0.7,
      sound: false,
    });
  });

  it('a blank model or ratio counts as not given', () => {
    expect(parse('video', { prompt: 'x y', model: '  ', aspect_ratio: '' }).command.settings).toEqual({});
  });

  it('frames go in the places their options name, as discord media references', () => {
    const first = attachment('first.png');
    const last = attachment('last.jpg', { content_type: 'image/jpeg', width: 640, height: 480 });
    const { command } = parse('video', { prompt: 'x y', first_frame: first, last_frame: last });
    expect(command.attachments).toEqual([
      { ref: refOf(first), kind: 'image', slot: 'first' },
      { ref: refOf(last), kind: 'image', slot: 'last' },
    ]);
    expect(JSON.stringify(command)).not.toContain('media.discordapp.net');
  });

  it('leaves out what Discord does not know; reads discord.js’s Attachment shape too', () => {
    const doc = attachment('notes.pdf', { width: null, height: null, size: 5000 });
    delete doc.content_type;
    expect(parse('video', { prompt: 'x y', first_frame: doc }).command.attachments[0]?.ref).toEqual({
      source: { kind: 'discord', id: doc.url },
      filename: 'notes.pdf',
      size: 5000,
    });
    const shaped = {
      url: 'https://cdn.discordapp.com/a.png',
      name: 'a.png',
      contentType: 'image/png',
      size: 10,
    };
    expect(parse('video', { prompt: 'x y', first_frame: shaped }).command.attachments[0]?.ref).toEqual({
      source: { kind: 'discord', id: shaped.url },
      filename: 'a.png',
      contentType: 'image/png',
      size: 10,
    });
  });

  it('/reference: images in option order (gaps skipped), and the reference video as a video', () => {
    const one = attachment('one.png');
    const three = attachment('three.png');
    const video = attachment('move.mp4', { content_type: 'video/mp4', width: 1280, height: 720 });
    const { command } = parse('reference', {
      prompt: 'two',
      image1: one,
      image3: three,
      reference_video: video,
    });
    expect(command.attachments).toEqual([
      { ref: refOf(one), kind: 'image', slot: 'reference' },
      { ref: refOf(three), kind: 'image', slot: 'reference' },
      { ref: refOf(video), kind: 'video', slot: 'video' },
    ]);
    const checked = checkCommand(command, CATALOG);
    expect(checked.ok && checked.value).toMatchObject({
      model: 'kling-o3-pro',
      mode: 'reference',
      images: { references: [refOf(one), refOf(three)], video: refOf(video) },
    });
  });
});

describe('refusals name what the person typed, the Discord way', () => {
  const png = attachment('a.png');
  const mp4 = attachment('clip.mp4', { content_type: 'video/mp4', width: 1280, height: 720 });

  it('a bad attachment names its option: first_frame, image2, and image3 when image2 was skipped', () => {
    const pdf = attachment('doc.pdf', { content_type: 'application/pdf' });
    expect(refusal('video', { prompt: 'p q', first_frame: pdf })).toBe(
      '`first_frame` is a PDF; please send a JPEG or PNG image.',
    );
    expect(refusal('reference', { prompt: 'p q', image1: png, image2: mp4 })).toBe(
      '`image2` is an MP4 video; please send a JPEG or PNG image.',
    );
    expect(
      refusal('reference', { prompt: 'p q', image1: png, image3: attachment('t.png', { width: 100 }) }),
    ).toBe('`image3` is too small: each side must be at least 300 pixels.');
    expect(refusal('reference', { prompt: 'p q', image1: png, reference_video: png })).toBe(
      '`reference_video` is a PNG image; please send an MP4 video.',
    );
  });

  it('a refused setting names its option and the models that take it', () => {
    expect(refusal('video', { prompt: 'p q', model: 'kling-o1', negative_prompt: 'blur' })).toBe(
      'kling-o1 does not take `negative_prompt`. Models that do: kling-2.5-turbo-pro.',
    );
    expect(refusal('video', { prompt: 'p q', model: 'kling-o1', cfg_scale: 0.5 })).toBe(
      'kling-o1 does not take `cfg_scale`. Models that do: kling-2.5-turbo-pro.',
    );
    expect(refusal('video', { prompt: 'p q', first_frame: png, aspect_ratio: '9:16' })).toBe(
      "With kling-2.5-turbo-pro, an animated image keeps the image's own shape: leave out `aspect_ratio`. Models that let you choose: kling-o1.",
    );
  });

  it('`mode: std` with the default model (pro only) names the model that has it', () => {
    expect(refusal('video', { prompt: 'p q', mode: 'std' })).toBe(
      'kling-2.5-turbo-pro has no "std" mode. Choose one of: pro. Models that have std: kling-o1.',
    );
  });

  it('a model of the other command names the models that can', () => {
    expect(refusal('video', { prompt: 'p q', model: 'kling-o3-pro' })).toBe(
      "kling-o3-pro can't make a clip from text alone; it works from reference images. Models that can: kling-2.5-turbo-pro, kling-o1.",
    );
    expect(refusal('reference', { prompt: 'p q', model: 'kling-o1', image1: png })).toBe(
      "kling-o1 can't make a clip from reference images; it works from text alone, a first frame or a first and a last frame. Models that can: kling-o3-pro.",
    );
  });

  it('a last frame alone, or on a model that cannot end on one, says so', () => {
    expect(refusal('video', { prompt: 'p q', last_frame: png })).toBe(
      'A last frame needs a first frame too.',
    );
    const start = variant(o1, { id: 'kling-start', modes: ['text', 'first-frame'] });
    expect(refusal('video', { prompt: 'p q', model: 'kling-start', last_frame: png }, [...BASE, start])).toBe(
      "kling-start can't make a clip from a first and a last frame; it works from text alone or a first frame. Models that can: kling-2.5-turbo-pro, kling-o1.",
    );
  });
});

describe('resolution and seed, the Discord way', () => {
  const hd = variant(o1, {
    id: 'hd',
    resolutions: { options: ['720p', '1080p', '4k'], default: '1080p' },
    seed: { min: 0, max: 99 },
  });
  const catalog = [...BASE, hd];

  it('offers a resolution with the models’ choices and the default, and a seed with its range', () => {
    const video = byName(buildCommands(catalog), 'video');
    const resolution = option(video, 'resolution');
    expect(resolution.type).toBe(3);
    expect(choiceValues(resolution)).toEqual(['720p', '1080p', '4k']);
    expect(resolution.description).toBe('Resolution of the clip (default 1080p); see /models (hd)');
    expect(option(video, 'seed')).toMatchObject({ type: 4, min_value: 0, max_value: 99 });
    checkLimits(buildCommands(catalog));
  });

  it('maps the options to the neutral settings', () => {
    expect(parse('video', { prompt: 'x y', resolution: '4k', seed: 7 }).command.settings).toEqual({
      resolution: '4k',
      seed: 7,
    });
  });

  it('answers a resolution the model lacks, a seed out of range, a seed on a model without one', () => {
    expect(refusal('video', { prompt: 'p q', model: 'hd', resolution: '8k' }, catalog)).toBe(
      "hd doesn't make 8k clips. Choose one of: 720p, 1080p, 4k.",
    );
    expect(refusal('video', { prompt: 'p q', resolution: '4k' }, catalog)).toBe(
      'kling-2.5-turbo-pro makes clips of one resolution only: leave out `resolution`. Models that let you choose: hd.',
    );
    expect(refusal('video', { prompt: 'p q', model: 'hd', seed: 100 }, catalog)).toBe(
      'The seed must be a whole number from 0 to 99; "100" is not one.',
    );
    expect(refusal('video', { prompt: 'p q', model: 'kling-o1', seed: 5 }, catalog)).toBe(
      'kling-o1 does not take `seed`. Models that do: hd.',
    );
  });
});
