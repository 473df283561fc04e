import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { CATALOG, findModel, type ModelSpec } from '../../core/catalog.js';
import { err, type Result, userError } from '../../core/errors.js';
import {
  GENERATION_MODES,
  type GenerationMode,
  type GenerationRequest,
  type ImageRef,
  QUALITIES,
  type ValidRequest,
} from '../../core/request.js';
import { validate } from '../../core/validate.js';
import { defaultModelFor, unique } from '../shared.js';

/**
 * The slash commands, generated from the model catalog, and the pure half of taking one: options →
 * `GenerationRequest` → checked request. Nothing here touches discord.js classes or the network, so
 * it is tested with plain objects; `bot.ts` does the I/O.
 */

/** Discord's limits on command definitions (and on what we must stay under). */
export const DISCORD_LIMITS = {
  /** Options per command. */
  options: 25,
  /** Choices per option. */
  choices: 25,
  /** Command, option and choice-name length. */
  description: 100,
  name: 32,
  choiceName: 100,
  /** Most a string option's `max_length` may be. */
  stringLength: 6000,
} as const;

/** The commands that make a clip, and the modes each serves. */
export const GENERATE_COMMANDS = {
  video: ['text', 'first-frame', 'first-last'],
  reference: ['reference'],
} as const satisfies Record<string, readonly GenerationMode[]>;
export type GenerateCommand = keyof typeof GENERATE_COMMANDS;

/** Option names as Discord shows them (lowercase, snake case). */
export const OPTION = {
  prompt: 'prompt',
  model: 'model',
  duration: 'duration',
  aspectRatio: 'aspect_ratio',
  negativePrompt: 'negative_prompt',
  mode: 'mode',
  sound: 'sound',
  firstFrame: 'first_frame',
  lastFrame: 'last_frame',
  referenceVideo: 'reference_video',
} as const;

/** The name of the `n`th reference image option (from 1). */
export const imageOption = (n: number): string => `image${n}`;

type BasicOption = APIApplicationCommandBasicOption;

/** Cuts a text to `max` characters, with an ellipsis when it had to. */
const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

const describe = (text: string): string => clip(text, DISCORD_LIMITS.description);

/** `['image/jpeg', 'image/png']` → "JPEG or PNG". */
const typesText = (types: readonly string[]): string =>
  unique(types.map((t) => (t.split('/')[1] ?? t).toUpperCase())).join(' or ');

/** "16:9" → "16:9 (landscape)". */
function ratioName(ratio: string): string {
  const [w, h] = ratio.split(':').map(Number);
  if (w === undefined || h === undefined || !(w > 0) || !(h > 0)) return ratio;
  return `${ratio} (${w > h ? 'landscape' : w < h ? 'portrait' : 'square'})`;
}

/** "a, b and c" — short lists of model ids in descriptions. */
const andList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** The catalog models a command can use: those doing at least one of its modes, in catalog order. */
export function commandModels(
  command: GenerateCommand,
  catalog: readonly ModelSpec[] = CATALOG,
): ModelSpec[] {
  const modes: readonly GenerationMode[] = GENERATE_COMMANDS[command];
  return catalog.filter((m) => m.modes.some((mode) => modes.includes(mode)));
}

/** Choices when they fit Discord's limit, else none (the value is then free and `validate` checks it). */
function choicesOf<T extends string | number>(
  values: readonly T[],
  name: (v: T) => string,
): APIApplicationCommandOptionChoice<T>[] | undefined {
  if (values.length === 0 || values.length > DISCORD_LIMITS.choices) return undefined;
  return values.map((value) => ({ name: clip(name(value), DISCORD_LIMITS.choiceName), value }));
}

function promptOption(models: readonly ModelSpec[]): BasicOption {
  // Never stricter than the most lenient model: each model's own limit is validate's to say.
  const min = Math.min(...models.map((m) => m.prompt.minLength));
  const max = Math.max(...models.map((m) => m.prompt.maxLength));
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.prompt,
    description: describe('What happens in the clip'),
    required: true,
    min_length: Math.max(1, Math.min(min, DISCORD_LIMITS.stringLength)),
    max_length: Math.min(max, DISCORD_LIMITS.stringLength),
  };
}

function modelOption(models: readonly ModelSpec[], fallback: string): BasicOption {
  const choices = choicesOf(
    models.map((m) => m.id),
    (id) => {
      const label = findModel(id, models)?.label ?? id;
      return label === id ? id : `${label} (${id})`;
    },
  );
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.model,
    description: describe(`Model (default ${fallback}); see /models`),
    ...(choices ? { choices } : {}),
  };
}

function durationOption(models: readonly ModelSpec[], fallback: ModelSpec | undefined): BasicOption {
  const durations = unique(models.flatMap((m) => m.durations)).sort((a, b) => a - b);
  const choices = choicesOf(durations, (d) => `${d} seconds`);
  const base = {
    type: ApplicationCommandOptionType.Integer as const,
    name: OPTION.duration,
    description: describe(
      `Length in seconds${fallback ? ` (default ${fallback.defaultDuration})` : ''}; see /models`,
    ),
  };
  if (choices) return { ...base, choices };
  return { ...base, min_value: durations[0] ?? 1, max_value: durations.at(-1) ?? 1 };
}

function aspectRatioOption(
  models: readonly ModelSpec[],
  modes: readonly GenerationMode[],
  fallbackModel: ModelSpec | undefined,
): BasicOption | undefined {
  const choosing = models.filter((m) => m.aspectRatioModes.some((mode) => modes.includes(mode)));
  if (choosing.length === 0) return undefined;
  const ratios = unique(choosing.flatMap((m) => m.aspectRatios));
  const choices = choicesOf(ratios, ratioName);
  // Where some model's clip follows the image, say so: choosing a ratio there is refused.
  const follows = models.some((m) =>
    m.modes.some((mode) => modes.includes(mode) && !m.aspectRatioModes.includes(mode)),
  );
  const fallback = (choosing.find((m) => m.id === fallbackModel?.id) ?? choosing[0])?.defaultAspectRatio;
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.aspectRatio,
    description: describe(
      `Shape of the clip${fallback ? ` (default ${fallback})` : ''}${follows ? '; some models keep an image’s own shape' : ''}`,
    ),
    ...(choices ? { choices } : {}),
  };
}

function qualityOption(models: readonly ModelSpec[]): BasicOption | undefined {
  const choosing = models.filter((m) => m.qualities.length > 1);
  if (choosing.length === 0) return undefined;
  const offered = new Set(choosing.flatMap((m) => m.qualities));
  const qualities = QUALITIES.filter((q) => offered.has(q));
  const choices = choicesOf(qualities, (q) => q);
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.mode,
    description: describe(`Quality: ${qualities.join(' or ')} (${andList(choosing.map((m) => m.id))})`),
    ...(choices ? { choices } : {}),
  };
}

function negativePromptOption(models: readonly ModelSpec[]): BasicOption | undefined {
  const taking = models.filter((m) => m.negativePrompt !== undefined);
  if (taking.length === 0) return undefined;
  const min = Math.min(...taking.map((m) => m.negativePrompt?.minLength ?? 1));
  const max = Math.max(...taking.map((m) => m.negativePrompt?.maxLength ?? 1));
  const which = taking.length === models.length ? '' : ` (${andList(taking.map((m) => m.id))})`;
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.negativePrompt,
    description: describe(`What to keep out of the clip${which}`),
    min_length: Math.max(1, Math.min(min, DISCORD_LIMITS.stringLength)),
    max_length: Math.min(max, DISCORD_LIMITS.stringLength),
  };
}

function soundOption(models: readonly ModelSpec[]): BasicOption | undefined {
  const sounding = models.filter((m) => m.sound !== undefined);
  if (sounding.length === 0) return undefined;
  const which = sounding.length === models.length ? '' : ` (${andList(sounding.map((m) => m.id))})`;
  return {
    type: ApplicationCommandOptionType.Boolean,
    name: OPTION.sound,
    description: describe(`Generate sound too${which}; see /models for the price`),
  };
}

const attachment = (name: string, description: string, required = false): BasicOption => ({
  type: ApplicationCommandOptionType.Attachment,
  name,
  description: describe(description),
  ...(required ? { required: true } : {}),
});

function command(
  name: string,
  description: string,
  options: BasicOption[] = [],
): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name,
    description: describe(description),
    ...(options.length > 0 ? { options } : {}),
  };
}

function videoCommand(
  catalog: readonly ModelSpec[],
): RESTPostAPIChatInputApplicationCommandsJSONBody | undefined {
  const modes = GENERATE_COMMANDS.video;
  const models = commandModels('video', catalog);
  if (models.length === 0) return undefined;
  const fallbackId = defaultModelFor('text', catalog);
  const fallback = findModel(fallbackId, models) ?? models[0];
  const does = (mode: GenerationMode) => models.some((m) => m.modes.includes(mode));
  const frameTypes = typesText(
    models
      .filter((m) => m.modes.includes('first-frame') || m.modes.includes('first-last'))
      .flatMap((m) => m.images.types),
  );

  const options: (BasicOption | undefined)[] = [
    promptOption(models),
    modelOption(models, fallback?.id ?? fallbackId),
    durationOption(models, fallback),
    aspectRatioOption(models, modes, fallback),
    negativePromptOption(models),
    qualityOption(models),
    soundOption(models),
    does('first-frame') || does('first-last')
      ? attachment(OPTION.firstFrame, `Image to animate: the clip starts from it (${frameTypes})`)
      : undefined,
    does('first-last')
      ? attachment(OPTION.lastFrame, `Image the clip ends on (with first_frame; ${frameTypes})`)
      : undefined,
  ];
  const sources = [
    does('text') ? 'a prompt' : undefined,
    does('first-frame') ? 'an image' : undefined,
    does('first-last') ? 'a first and last frame' : undefined,
  ].filter((s) => s !== undefined);
  const from = sources.length > 1 ? `${sources.slice(0, -1).join(', ')}, or ${sources.at(-1)}` : sources[0];
  return command(
    'video',
    `Make a video clip from ${from}`,
    options.filter((o) => o !== undefined),
  );
}

function referenceCommand(
  catalog: readonly ModelSpec[],
): RESTPostAPIChatInputApplicationCommandsJSONBody | undefined {
  const modes = GENERATE_COMMANDS.reference;
  const models = commandModels('reference', catalog);
  if (models.length === 0) return undefined;
  const fallbackId = defaultModelFor('reference', catalog);
  const fallback = findModel(fallbackId, models) ?? models[0];
  const types = typesText(models.flatMap((m) => m.images.types));
  const videoModels = models.filter((m) => m.referenceVideo !== undefined);

  const others = [
    modelOption(models, fallback?.id ?? fallbackId),
    durationOption(models, fallback),
    aspectRatioOption(models, modes, fallback),
    qualityOption(models),
    soundOption(models),
    negativePromptOption(models),
    videoModels.length > 0
      ? attachment(
          OPTION.referenceVideo,
          `A video to follow (${typesText(videoModels.flatMap((m) => m.referenceVideo?.types ?? []))}, up to ${Math.max(...videoModels.map((m) => m.referenceVideo?.maxSeconds ?? 0))} s)`,
        )
      : undefined,
  ].filter((o) => o !== undefined);
  // Images take what room Discord's 25 options leave after the prompt and the other options.
  const maxImages = Math.max(1, ...models.map((m) => m.maxReferenceImages));
  const imageCount = Math.max(1, Math.min(maxImages, DISCORD_LIMITS.options - 1 - others.length));
  const images = Array.from({ length: imageCount }, (_, i) =>
    i === 0
      ? attachment(imageOption(1), `A person or thing to keep in the clip (${types})`, true)
      : attachment(imageOption(i + 1), `Reference image ${i + 1}`),
  );
  return command(
    'reference',
    `Make a clip that keeps the people or things of up to ${imageCount} image${imageCount === 1 ? '' : 's'}`,
    [promptOption(models), ...images, ...others],
  );
}

/**
 * The slash commands, for a bulk overwrite (`PUT /applications/{app}/commands`). Everything a
 * command offers comes from the catalog: the models doing its modes, the union of their durations,
 * ratios and qualities, and the extras (negative prompt, sound, frames, reference video) some of
 * them take. A command no model serves is left out.
 */
export function buildCommands(
  catalog: readonly ModelSpec[] = CATALOG,
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    videoCommand(catalog),
    referenceCommand(catalog),
    command('models', 'Models, clip lengths and prices'),
    command('quota', 'How many videos you have left today'),
    command('help', 'How to make a video, with examples'),
  ].filter((c) => c !== undefined);
}

/**
 * An attachment option's value, as discord.js gives it (`Attachment`: `name`, `contentType`) or as
 * the API does (`data.resolved.attachments[id]`: `filename`, `content_type`).
 */
export interface AttachmentLike {
  url: string;
  id?: string;
  size?: number;
  filename?: string;
  name?: string;
  content_type?: string | null;
  contentType?: string | null;
  proxy_url?: string;
  width?: number | null;
  height?: number | null;
}

/** The part of a command's options we read; a `ChatInputCommandInteraction['options']` is one. */
export interface CommandOptions {
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getBoolean(name: string): boolean | null;
  getAttachment(name: string): AttachmentLike | null;
}

/** An attachment as an image reference: its CDN URL and what Discord says of it. */
export function imageRefOf(a: AttachmentLike): ImageRef {
  const ref: ImageRef = { source: { kind: 'url', url: a.url } };
  const filename = a.filename ?? a.name;
  if (filename) ref.filename = filename;
  const contentType = a.content_type ?? a.contentType;
  if (contentType) ref.contentType = contentType;
  if (typeof a.size === 'number' && Number.isInteger(a.size) && a.size >= 0) ref.size = a.size;
  if (typeof a.width === 'number' && Number.isInteger(a.width) && a.width > 0) ref.width = a.width;
  if (typeof a.height === 'number' && Number.isInteger(a.height) && a.height > 0) ref.height = a.height;
  return ref;
}

const text = (options: CommandOptions, name: string): string | undefined => {
  const value = options.getString(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/**
 * A `/video` or `/reference` interaction's options as a request. No model chosen: the command's
 * default for the mode the images ask for. Nothing is checked here: {@link checkCommand} does that.
 */
export function requestFromOptions(
  command: GenerateCommand,
  options: CommandOptions,
  catalog: readonly ModelSpec[] = CATALOG,
): GenerationRequest {
  const request: GenerationRequest = { model: '', prompt: options.getString(OPTION.prompt) ?? '' };
  let mode: GenerationMode;
  if (command === 'video') {
    const first = options.getAttachment(OPTION.firstFrame);
    const last = options.getAttachment(OPTION.lastFrame);
    if (first) request.firstFrame = imageRefOf(first);
    if (last) request.lastFrame = imageRefOf(last);
    mode = last ? 'first-last' : first ? 'first-frame' : 'text';
  } else {
    const references: ImageRef[] = [];
    for (let n = 1; n <= DISCORD_LIMITS.options; n++) {
      const image = options.getAttachment(imageOption(n));
      if (image) references.push(imageRefOf(image));
    }
    if (references.length > 0) request.references = references;
    const video = options.getAttachment(OPTION.referenceVideo);
    if (video) request.referenceVideo = imageRefOf(video);
    mode = 'reference';
  }
  request.model = text(options, OPTION.model) ?? defaultModelFor(mode, catalog);

  const negativePrompt = options.getString(OPTION.negativePrompt);
  if (negativePrompt !== null) request.negativePrompt = negativePrompt;
  const duration = options.getInteger(OPTION.duration);
  if (duration !== null) request.duration = duration;
  const aspectRatio = text(options, OPTION.aspectRatio);
  if (aspectRatio !== undefined) request.aspectRatio = aspectRatio;
  const quality = text(options, OPTION.mode);
  if (quality !== undefined) request.quality = quality;
  const sound = options.getBoolean(OPTION.sound);
  if (sound !== null) request.sound = sound;
  return request;
}

const isMode = (v: unknown): v is GenerationMode => (GENERATION_MODES as readonly unknown[]).includes(v);

/**
 * Checks a request as `validate` does, with the specific answer for each impossible combination:
 * a mode the model lacks (a last frame on a model without first-and-last-frame clips, a first frame
 * on a text-only model, a reference video on a model taking none) names the models that can, and a
 * last frame alone on a model that cannot end on a frame says so rather than asking for a first frame.
 */
export function checkCommand(
  request: GenerationRequest,
  catalog: readonly ModelSpec[] = CATALOG,
): Result<ValidRequest> {
  const model = findModel(request.model, catalog);
  const capable = (mode: GenerationMode | 'reference-video'): string[] =>
    catalog
      .filter((m) => (mode === 'reference-video' ? m.referenceVideo !== undefined : m.modes.includes(mode)))
      .filter((m) => m.id !== model?.id)
      .map((m) => m.id);

  if (model && request.lastFrame && !request.firstFrame && !model.modes.includes('first-last')) {
    return err(
      userError('mode-unsupported', {
        model: model.id,
        mode: 'first-last',
        allowed: model.modes,
        models: capable('first-last'),
      }),
    );
  }
  const result = validate(request, catalog);
  if (result.ok || result.error.id !== 'mode-unsupported') return result;
  const mode = result.error.details?.mode;
  if (mode !== 'reference-video' && !isMode(mode)) return result;
  return err(userError('mode-unsupported', { ...result.error.details, models: capable(mode) }));
}
