import { type ModelSpec, TAKES } from '../core/catalog.js';
import type { GenerationMode, SettingKey } from '../core/request.js';
import { unique } from './format.js';

/**
 * The commands and their options, declared once. Each platform derives its surface from these
 * declarations and the catalog — Discord's command JSON, Telegram's command list, flags and help —
 * so a command added here, with a handler in the desk and a rendering per platform, exists on both.
 * What a command offers follows the catalog: a setting appears only where some model takes it.
 */

export const GENERATE_COMMANDS = ['video', 'reference', 'motion'] as const;
export type GenerateCommandName = (typeof GENERATE_COMMANDS)[number];
export type CommandName = GenerateCommandName | 'cancel' | 'quota' | 'history' | 'models' | 'help' | 'admin';

export interface CommandSpec {
  name: CommandName;
  /** One line: what it does (menus, command descriptions). */
  summary(catalog: readonly ModelSpec[]): string;
  /** The modes a generating command serves. */
  modes?: readonly GenerationMode[];
  /** For the admins of a community (and operators): platforms show it to them only where they can. */
  admins?: boolean;
}

/** A setting a person may give with a generating command. */
export interface SettingSpec {
  key: SettingKey;
  /**
   * The setting's name in kebab case: Discord's option is it in snake case (`aspect_ratio`),
   * Telegram's flag is `--aspect-ratio`, plus the `aliases` (`--ratio`; the shortest is shown).
   */
  name: string;
  aliases: readonly string[];
  type: 'string' | 'integer' | 'number' | 'boolean';
  /** What it is for, in a few words. */
  summary: string;
  /** A value to show in "needs a value, for example …". */
  example: string;
  /** Whether a model takes it in one of these modes. */
  takenBy(model: ModelSpec, modes: readonly GenerationMode[]): boolean;
}

/** Whether a command's modes go beyond motion control, which has no length, sound or guidance to choose. */
const beyondMotion = (modes: readonly GenerationMode[]): boolean => modes.some((m) => m !== 'motion');

/** The settings in the order a command lists them. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'model',
    name: 'model',
    aliases: [],
    type: 'string',
    summary: 'Model',
    example: 'kling-o1',
    takenBy: () => true,
  },
  {
    key: 'duration',
    name: 'duration',
    aliases: [],
    type: 'integer',
    summary: 'Length in seconds',
    example: '10',
    takenBy: (_m, modes) => beyondMotion(modes),
  },
  {
    key: 'aspectRatio',
    name: 'aspect-ratio',
    aliases: ['ratio'],
    type: 'string',
    summary: 'Shape of the clip',
    example: '9:16',
    takenBy: (m, modes) => m.aspectRatioModes.some((mode) => modes.includes(mode)),
  },
  {
    key: 'negativePrompt',
    name: 'negative-prompt',
    aliases: ['neg'],
    type: 'string',
    summary: 'What to keep out of the clip',
    example: '"blurry, text"',
    takenBy: (m, modes) =>
      TAKES.negativePrompt(m) && (beyondMotion(modes) || m.motion?.negativePrompt === true),
  },
  {
    key: 'quality',
    name: 'mode',
    aliases: ['quality'],
    type: 'string',
    summary: 'Quality',
    example: 'pro',
    takenBy: TAKES.quality,
  },
  {
    key: 'cfgScale',
    name: 'cfg-scale',
    aliases: ['cfg'],
    type: 'number',
    summary: 'How closely to follow the prompt',
    example: '0.7',
    takenBy: (m, modes) => TAKES.cfgScale(m) && beyondMotion(modes),
  },
  {
    key: 'sound',
    name: 'sound',
    aliases: [],
    type: 'boolean',
    summary: 'Generate sound too',
    example: 'on',
    takenBy: (m, modes) => TAKES.sound(m) && beyondMotion(modes),
  },
  {
    key: 'resolution',
    name: 'resolution',
    aliases: ['res'],
    type: 'string',
    summary: 'Resolution of the clip',
    example: '1080p',
    takenBy: TAKES.resolution,
  },
  {
    key: 'seed',
    name: 'seed',
    aliases: [],
    type: 'integer',
    summary: 'Seed, to make a clip again the same way',
    example: '12345',
    takenBy: TAKES.seed,
  },
  {
    key: 'multiShot',
    name: 'multi-shot',
    aliases: ['shots'],
    type: 'boolean',
    summary: 'Let the model cut between shots',
    example: 'on',
    takenBy: (m, modes) => TAKES.multiShot(m) && beyondMotion(modes),
  },
];

export const settingSpec = (key: SettingKey): SettingSpec =>
  SETTINGS.find((s) => s.key === key) as SettingSpec;

/** The models a generating command can use: those doing one of its modes, in catalog order. */
export function commandModels(command: GenerateCommandName, catalog: readonly ModelSpec[]): ModelSpec[] {
  const modes = commandSpec(command).modes ?? [];
  return catalog.filter((m) => m.modes.some((mode) => modes.includes(mode)));
}

/** The settings a generating command offers: those some of its models take. */
export function offeredSettings(command: GenerateCommandName, catalog: readonly ModelSpec[]): SettingSpec[] {
  const modes = commandSpec(command).modes ?? [];
  const models = commandModels(command, catalog);
  return SETTINGS.filter((s) => models.some((m) => s.takenBy(m, modes)));
}

/** The models of a command that take a setting (for "(kling-o1)" in its description). */
export function modelsTaking(
  command: GenerateCommandName,
  setting: SettingSpec,
  catalog: readonly ModelSpec[],
): ModelSpec[] {
  const modes = commandSpec(command).modes ?? [];
  return commandModels(command, catalog).filter((m) => setting.takenBy(m, modes));
}

/** The inputs a generating command takes, from what its models do. */
export function commandInputs(
  command: GenerateCommandName,
  catalog: readonly ModelSpec[],
): { firstFrame: boolean; lastFrame: boolean; references: number; referenceVideo: boolean } {
  const models = commandModels(command, catalog);
  const does = (mode: GenerationMode) =>
    commandSpec(command).modes?.includes(mode) && models.some((m) => m.modes.includes(mode));
  return {
    firstFrame: Boolean(does('first-frame') || does('first-last')),
    lastFrame: Boolean(does('first-last')),
    references: does('reference') ? Math.max(0, ...models.map((m) => m.maxReferenceImages)) : 0,
    referenceVideo: Boolean(does('reference') && models.some(TAKES.referenceVideo)),
  };
}

/** Model of `/video` when the person names none. */
export const DEFAULT_VIDEO_MODEL = 'kling-2.5-turbo-pro';
/** Model of `/reference` when the person names none. */
export const DEFAULT_REFERENCE_MODEL = 'kling-o3-pro';
/** Model of `/motion` when the person names none. */
export const DEFAULT_MOTION_MODEL = 'kling-2.6-pro';

/**
 * The model a request in `mode` gets when it names none: the default of its command if that model
 * does the mode, else the first catalog model that does (so a catalog without the default still works).
 */
export function defaultModelFor(mode: GenerationMode, catalog: readonly ModelSpec[]): string {
  const preferred =
    mode === 'reference'
      ? DEFAULT_REFERENCE_MODEL
      : mode === 'motion'
        ? DEFAULT_MOTION_MODEL
        : DEFAULT_VIDEO_MODEL;
  const capable = catalog.filter((m) => m.modes.includes(mode));
  return (capable.find((m) => m.id === preferred) ?? capable[0])?.id ?? preferred;
}

/** "a prompt, an image, or a first and last frame" — what `/video` makes a clip from. */
function videoSources(catalog: readonly ModelSpec[]): string {
  const inputs = commandInputs('video', catalog);
  const models = commandModels('video', catalog);
  const sources = [
    models.some((m) => m.modes.includes('text')) ? 'a prompt' : undefined,
    inputs.firstFrame ? 'an image' : undefined,
    inputs.lastFrame ? 'a first and last frame' : undefined,
  ].filter((s) => s !== undefined);
  return sources.length > 1 ? `${sources.slice(0, -1).join(', ')}, or ${sources.at(-1)}` : (sources[0] ?? '');
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'video',
    modes: ['text', 'first-frame', 'first-last'],
    summary: (catalog) => `Make a video clip from ${videoSources(catalog)}`,
  },
  {
    name: 'reference',
    modes: ['reference'],
    summary: (catalog) => {
      const n = commandInputs('reference', catalog).references;
      return `Make a clip that keeps the people or things of up to ${n} image${n === 1 ? '' : 's'}`;
    },
  },
  {
    name: 'motion',
    modes: ['motion'],
    summary: () => 'Make a character from an image move the way a video moves',
  },
  { name: 'models', summary: () => 'Models, clip lengths and prices in credits' },
  { name: 'quota', summary: () => 'How many credits you have left today' },
  { name: 'history', summary: () => 'Your last 10 videos, and posting one again' },
  { name: 'cancel', summary: () => 'Stop your video in progress' },
  { name: 'help', summary: () => 'How to make a video, with examples' },
  { name: 'admin', summary: () => 'Settings, limits and moderation (admins only)', admins: true },
];

export const commandSpec = (name: CommandName): CommandSpec =>
  COMMANDS.find((c) => c.name === name) as CommandSpec;

/** The commands that exist with this catalog: a generating command no model serves is left out. */
export const availableCommands = (catalog: readonly ModelSpec[]): CommandSpec[] =>
  COMMANDS.filter((c) => !c.modes || commandModels(c.name as GenerateCommandName, catalog).length > 0);

/** The resolutions a command's models offer, lowest first (`480p`, `720p`, `1080p`, `2k`, `4k`). */
export const commandResolutions = (command: GenerateCommandName, catalog: readonly ModelSpec[]): string[] =>
  unique(commandModels(command, catalog).flatMap((m) => m.resolutions?.options ?? [])).sort(
    (a, b) => resolutionRank(a) - resolutionRank(b),
  );

/** A resolution's height in lines, for ordering: `720p` → 720, `2k` → 1440, `4k` → 2160. */
function resolutionRank(resolution: string): number {
  const k = /^(\d+)k$/i.exec(resolution);
  if (k) return Number(k[1]) * 720;
  const lines = /(\d+)p?$/i.exec(resolution);
  return lines ? Number(lines[1]) : 0;
}

/** The durations a command's models offer, in order. */
export const commandDurations = (command: GenerateCommandName, catalog: readonly ModelSpec[]): number[] =>
  unique(commandModels(command, catalog).flatMap((m) => m.durations)).sort((a, b) => a - b);
