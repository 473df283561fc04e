import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { findModel, type ModelSpec } from '../../core/catalog.js';
import { QUALITIES } from '../../core/request.js';
import { type AdminArgSpec, type AdminSubSpec, adminFor } from '../../desk/admin.js';
import {
  availableCommands,
  type CommandSpec,
  commandDurations,
  commandInputs,
  commandModels,
  commandResolutions,
  commandSpec,
  defaultModelFor,
  type GenerateCommandName,
  modelsTaking,
  offeredSettings,
  type SettingSpec,
} from '../../desk/commands.js';
import { andList } from '../../desk/docs.js';
import { shorten, unique } from '../../desk/format.js';
import { imageOption, OPTION, settingOption } from './words.js';

/**
 * The slash commands, derived from the desk's declarations (`desk/commands.ts`) and the catalog:
 * each setting a command offers becomes an option named after it (in snake case), with choices from
 * the models that take it, and its description names those models when not all do.
 */

type Command = RESTPostAPIChatInputApplicationCommandsJSONBody;
type Option = APIApplicationCommandBasicOption;

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

const describe = (text: string): string => shorten(text, DISCORD_LIMITS.description);

/** `['image/jpeg', 'image/png']` → "JPEG or PNG". */
const typesText = (types: readonly string[]): string =>
  unique(types.map((t) => (t.split('/')[1] ?? t).toUpperCase())).join(' or ');

/** "16:9" → "16:9 (landscape)". */
function ratioName(ratio: string): string {
  const [w, h] = ratio.split(':').map(Number);
  if (w === undefined || h === undefined || !(w > 0) || !(h > 0)) return ratio;
  return `${ratio} (${w > h ? 'landscape' : w < h ? 'portrait' : 'square'})`;
}

/** Choices when they fit Discord's limit, else none (the value is then free and the desk checks it). */
function choicesOf<T extends string | number>(
  values: readonly T[],
  name: (v: T) => string = String,
): { choices: APIApplicationCommandOptionChoice<T>[] } | Record<string, never> {
  if (values.length === 0 || values.length > DISCORD_LIMITS.choices) return {};
  return {
    choices: values.map((value) => ({ name: shorten(name(value), DISCORD_LIMITS.choiceName), value })),
  };
}

const lengthLimits = (min: number, max: number) => ({
  min_length: Math.max(1, Math.min(min, DISCORD_LIMITS.stringLength)),
  max_length: Math.min(max, DISCORD_LIMITS.stringLength),
});

/** The command's model when the person names none. */
function defaultModel(command: GenerateCommandName, models: readonly ModelSpec[]): ModelSpec | undefined {
  const id = defaultModelFor(command === 'video' ? 'text' : command, models);
  return findModel(id, models) ?? models[0];
}

/** What an option of one setting says and offers, beyond its name: from the models that take it. */
function settingDetails(
  command: GenerateCommandName,
  setting: SettingSpec,
  taking: readonly ModelSpec[],
  all: readonly ModelSpec[],
): { note: string; extra: Partial<Option> } {
  const fallback = defaultModel(command, taking);
  switch (setting.key) {
    case 'model':
      // Suggested as the member types (`handlers.ts`): no cap on the catalog, and filtered by what
      // they typed, their attachments and what their server allows.
      return { note: ` (default ${fallback?.id ?? ''}); see /models`, extra: { autocomplete: true } };
    case 'duration': {
      const durations = commandDurations(command, all);
      const choices = choicesOf(durations, (d) => `${d} seconds`);
      const range = { min_value: durations[0] ?? 1, max_value: durations.at(-1) ?? 1 };
      const note = `${fallback ? ` (default ${fallback.defaultDuration})` : ''}; see /models`;
      return { note, extra: 'choices' in choices ? choices : range };
    }
    case 'aspectRatio': {
      const modes = commandSpec(command).modes ?? [];
      // Where some model's clip follows the image, say so: choosing a ratio there is refused.
      const follows = all.some((m) =>
        m.modes.some((mode) => modes.includes(mode) && !m.aspectRatioModes.includes(mode)),
      );
      const note = `${fallback ? ` (default ${fallback.defaultAspectRatio})` : ''}${follows ? '; some models keep an image’s own shape' : ''}`;
      return { note, extra: choicesOf(unique(taking.flatMap((m) => m.aspectRatios)), ratioName) };
    }
    case 'negativePrompt': {
      const rules = taking.flatMap((m) => (m.negativePrompt ? [m.negativePrompt] : []));
      const extra = lengthLimits(
        Math.min(...rules.map((r) => r.minLength)),
        Math.max(...rules.map((r) => r.maxLength)),
      );
      return { note: '', extra };
    }
    case 'quality': {
      const offered = new Set(taking.flatMap((m) => m.qualities));
      const qualities = QUALITIES.filter((q) => offered.has(q));
      return { note: `: ${qualities.join(' or ')}`, extra: choicesOf(qualities) };
    }
    case 'cfgScale': {
      const ranges = taking.flatMap((m) => (m.cfgScale ? [m.cfgScale] : []));
      const min = Math.min(...ranges.map((r) => r.min));
      const max = Math.max(...ranges.map((r) => r.max));
      return { note: `, ${min}–${max}`, extra: { min_value: min, max_value: max } };
    }
    case 'sound':
      return { note: '; see /models for the price', extra: {} };
    case 'multiShot':
      return { note: ' (off: one continuous shot)', extra: {} };
    case 'resolution': {
      const note = fallback?.resolutions
        ? ` (default ${fallback.resolutions.default}); see /models`
        : '; see /models';
      return { note, extra: choicesOf(commandResolutions(command, taking)) };
    }
    case 'seed': {
      const ranges = taking.flatMap((m) => (m.seed ? [m.seed] : []));
      const min = Math.min(...ranges.map((r) => r.min));
      const max = Math.max(...ranges.map((r) => r.max));
      return { note: `, ${min}–${max}`, extra: { min_value: min, max_value: max } };
    }
  }
}

const OPTION_TYPES: Record<SettingSpec['type'], ApplicationCommandOptionType> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  number: ApplicationCommandOptionType.Number,
  boolean: ApplicationCommandOptionType.Boolean,
};

/** The option of one setting; its description names the models taking it when not all of them do. */
function settingOptionOf(
  command: GenerateCommandName,
  setting: SettingSpec,
  catalog: readonly ModelSpec[],
): Option {
  const all = commandModels(command, catalog);
  const taking = modelsTaking(command, setting, catalog);
  const which = taking.length === all.length ? '' : ` (${andList(taking.map((m) => m.id))})`;
  const { note, extra } = settingDetails(command, setting, taking, all);
  return {
    type: OPTION_TYPES[setting.type],
    name: settingOption(setting),
    description: describe(`${setting.summary}${note}${which}`),
    ...extra,
  } as Option;
}

const attachment = (name: string, description: string, required = false): Option => ({
  type: ApplicationCommandOptionType.Attachment,
  name,
  description: describe(description),
  ...(required ? { required: true } : {}),
});

function promptOption(models: readonly ModelSpec[]): Option {
  // Never stricter than the most lenient model: each model's own limit is the desk's to say.
  const min = Math.min(...models.map((m) => m.prompt.minLength));
  const max = Math.max(...models.map((m) => m.prompt.maxLength));
  return {
    type: ApplicationCommandOptionType.String,
    name: OPTION.prompt,
    description: describe('What happens in the clip'),
    required: true,
    ...lengthLimits(min, max),
  };
}

/** The attachment options of `/video`: the frames its models take. */
function frameOptions(catalog: readonly ModelSpec[]): Option[] {
  const inputs = commandInputs('video', catalog);
  const framing = commandModels('video', catalog).filter((m) => m.modes.some((mode) => mode !== 'text'));
  const types = typesText(framing.flatMap((m) => m.images.types));
  return [
    ...(inputs.firstFrame
      ? [attachment(OPTION.firstFrame, `Image to animate: the clip starts from it (${types})`)]
      : []),
    ...(inputs.lastFrame
      ? [attachment(OPTION.lastFrame, `Image the clip ends on (with ${OPTION.firstFrame}; ${types})`)]
      : []),
  ];
}

function referenceVideoOption(catalog: readonly ModelSpec[]): Option[] {
  if (!commandInputs('reference', catalog).referenceVideo) return [];
  const limits = commandModels('reference', catalog).flatMap((m) =>
    m.referenceVideo ? [m.referenceVideo] : [],
  );
  const seconds = Math.max(...limits.map((l) => l.maxSeconds));
  const types = typesText(limits.flatMap((l) => l.types));
  return [attachment(OPTION.referenceVideo, `A video to follow (${types}, up to ${seconds} s)`)];
}

/** `/motion`'s inputs, both required: the character image and the driving video. */
function motionOptions(catalog: readonly ModelSpec[]): Option[] {
  const limits = commandModels('motion', catalog).flatMap((m) => (m.motion ? [m.motion] : []));
  const images = typesText(limits.flatMap((l) => l.image.types));
  const videos = typesText(limits.flatMap((l) => l.video.types));
  const seconds = Math.max(...limits.map((l) => l.video.maxSeconds));
  return [
    attachment(OPTION.image, `The character to move (${images})`, true),
    attachment(OPTION.video, `The motion to copy (${videos}, up to ${seconds} s)`, true),
  ];
}

/** How many image options `/reference` has: what its models take, within the room Discord leaves. */
export function referenceImageCount(catalog: readonly ModelSpec[]): number {
  const others = offeredSettings('reference', catalog).length + referenceVideoOption(catalog).length;
  const wanted = commandInputs('reference', catalog).references;
  return Math.max(1, Math.min(wanted, DISCORD_LIMITS.options - 1 - others));
}

function referenceImages(catalog: readonly ModelSpec[]): Option[] {
  const types = typesText(commandModels('reference', catalog).flatMap((m) => m.images.types));
  return Array.from({ length: referenceImageCount(catalog) }, (_, i) =>
    i === 0
      ? attachment(imageOption(1), `A person or thing to keep in the clip (${types})`, true)
      : attachment(imageOption(i + 1), `Reference image ${i + 1}`),
  );
}

function generateCommand(spec: CommandSpec, catalog: readonly ModelSpec[]): Command {
  const command = spec.name as GenerateCommandName;
  const settings = offeredSettings(command, catalog).map((s) => settingOptionOf(command, s, catalog));
  const prompt = promptOption(commandModels(command, catalog));
  // Required options first, as Discord wants: the prompt, and `/reference`'s first image.
  const options =
    command === 'video'
      ? [prompt, ...settings, ...frameOptions(catalog)]
      : command === 'motion'
        ? [prompt, ...motionOptions(catalog), ...settings]
        : [prompt, ...referenceImages(catalog), ...settings, ...referenceVideoOption(catalog)];
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: describe(spec.summary(catalog)),
    options,
  };
}

/** The `/admin` subcommands Discord offers: every one, since Discord has roles and channels. */
export const DISCORD_ADMIN: readonly AdminSubSpec[] = adminFor({ roles: true, channels: true });

/** The channels `/admin channels` may name: those people can type a command in. */
export const TEXT_CHANNEL_TYPES = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildVoice,
  ChannelType.GuildStageVoice,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
] as const;

/** Longest model name an option takes: an id, an alias or a prefix of one. */
const MODEL_NAME_MAX = 100;

/** `/models`' optional model: one model's options and prices, suggested as it is typed. */
const modelsOption = (): Option => ({
  type: ApplicationCommandOptionType.String,
  name: 'model',
  description: describe('One model: its options, limits and credits'),
  autocomplete: true,
  max_length: MODEL_NAME_MAX,
});

/** Longest blocked word or phrase `/admin words` takes (the desk refuses longer ones too). */
const WORD_MAX = 60;

/** The option of one `/admin` argument, by its kind in the desk's declaration. */
function adminOption(arg: AdminArgSpec): Option {
  const base = {
    name: arg.name,
    description: describe(arg.summary),
    ...(arg.required ? { required: true } : {}),
  };
  const string = ApplicationCommandOptionType.String;
  switch (arg.kind) {
    case 'credits':
      // A string, so `off` can be typed where the declaration allows it.
      return { ...base, type: string, max_length: 20 };
    case 'user':
      return { ...base, type: ApplicationCommandOptionType.User };
    case 'role':
      return { ...base, type: ApplicationCommandOptionType.Role };
    case 'channel':
      return { ...base, type: ApplicationCommandOptionType.Channel, channel_types: [...TEXT_CHANNEL_TYPES] };
    case 'model':
      return { ...base, type: string, autocomplete: true, max_length: MODEL_NAME_MAX };
    case 'choice':
      return { ...base, type: string, ...choicesOf(arg.choices ?? []) } as Option;
    case 'word':
      return { ...base, type: string, min_length: 1, max_length: WORD_MAX };
    case 'job':
      return { ...base, type: string, max_length: 64 };
  }
}

/** One `/admin` subcommand: its arguments as options, the required ones first (as Discord wants). */
function adminSubcommand(spec: AdminSubSpec): APIApplicationCommandSubcommandOption {
  const args = [...spec.args.filter((a) => a.required), ...spec.args.filter((a) => !a.required)];
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: spec.name,
    description: describe(spec.summary),
    ...(args.length > 0 ? { options: args.map(adminOption) } : {}),
  };
}

/**
 * `/admin`: a subcommand per entry of the desk's declaration. Discord shows it only to members with
 * Manage Server (`default_member_permissions`); the desk checks again when it runs, since a server
 * may override the default and old clients ignore it. In the bot's DMs only operators pass.
 */
function adminCommand(spec: CommandSpec, catalog: readonly ModelSpec[]): Command {
  return {
    type: ApplicationCommandType.ChatInput,
    name: spec.name,
    description: describe(spec.summary(catalog)),
    default_member_permissions: String(PermissionFlagsBits.ManageGuild),
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    options: DISCORD_ADMIN.map(adminSubcommand),
  };
}

/**
 * The slash commands, for a bulk overwrite (`PUT /applications/{app}/commands`): every command the
 * desk declares that this catalog serves, in the desk's order.
 */
export function buildCommands(catalog: readonly ModelSpec[]): Command[] {
  return availableCommands(catalog).map((spec) => {
    if (spec.modes) return generateCommand(spec, catalog);
    if (spec.name === 'admin') return adminCommand(spec, catalog);
    return {
      type: ApplicationCommandType.ChatInput,
      name: spec.name,
      description: describe(spec.summary(catalog)),
      ...(spec.name === 'models' ? { options: [modelsOption()] } : {}),
    };
  });
}
