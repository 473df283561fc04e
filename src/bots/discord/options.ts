import type { ModelSpec } from '../../core/catalog.js';
import type { DeliveryTarget } from '../../core/ports.js';
import type { GenerationMode, MediaRef, Requester } from '../../core/request.js';
import type { Vocabulary } from '../../core/words.js';
import { commandSpec, type GenerateCommandName, SETTINGS, type SettingSpec } from '../../desk/commands.js';
import { shorten } from '../../desk/format.js';
import type { Place } from '../../desk/place.js';
import type { Attachment, GenerateCommand, Settings } from '../../desk/request.js';
import { DISCORD } from './platform.js';
import { discordWords, imageOption, OPTION, settingOption } from './words.js';

/**
 * A slash command's options as the desk's neutral command: settings by the desk's declarations,
 * attachments in the places their options name. Pure (no discord.js class, no I/O): tested with
 * plain objects; `bot.ts` hands over the interaction's own option resolver.
 */

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
  getNumber(name: string): number | null;
  getBoolean(name: string): boolean | null;
  getAttachment(name: string): AttachmentLike | null;
}

/** Most image options a command could have (Discord's 25 options). */
const MAX_IMAGE_OPTIONS = 25;

/**
 * An attachment as a media reference of the `discord` source: its CDN URL (re-signed by Discord when
 * it expires, see `source.ts`) and what Discord says of it.
 */
export function mediaRefOf(a: AttachmentLike): MediaRef {
  const ref: MediaRef = { source: { kind: DISCORD, id: a.url } };
  const filename = a.filename ?? a.name;
  if (filename) ref.filename = filename;
  const contentType = a.content_type ?? a.contentType;
  if (contentType) ref.contentType = contentType;
  if (typeof a.size === 'number' && Number.isInteger(a.size) && a.size >= 0) ref.size = a.size;
  if (typeof a.width === 'number' && Number.isInteger(a.width) && a.width > 0) ref.width = a.width;
  if (typeof a.height === 'number' && Number.isInteger(a.height) && a.height > 0) ref.height = a.height;
  return ref;
}

/**
 * An attachment in the place its option names. The kind follows the place, not the file: on Discord
 * the person chose the place, so a video given as `first_frame` is refused as a frame ("is an MP4
 * video; please send a JPEG or PNG image") rather than taken for a reference video.
 */
const attachmentOf = (a: AttachmentLike, slot: NonNullable<Attachment['slot']>): Attachment => ({
  ref: mediaRefOf(a),
  kind: slot === 'video' ? 'video' : 'image',
  slot,
});

const text = (options: CommandOptions, name: string): string | undefined => {
  const value = options.getString(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
};

function settingValue(options: CommandOptions, spec: SettingSpec): string | number | boolean | undefined {
  const name = settingOption(spec);
  switch (spec.type) {
    case 'string':
      return text(options, name);
    case 'integer':
      return options.getInteger(name) ?? undefined;
    case 'number':
      return options.getNumber(name) ?? undefined;
    case 'boolean':
      return options.getBoolean(name) ?? undefined;
  }
}

/** The settings given, by the desk's declarations: each is the option of the same name. */
export function settingsOf(options: CommandOptions): Settings {
  const settings: Record<string, string | number | boolean> = {};
  for (const spec of SETTINGS) {
    const value = settingValue(options, spec);
    if (value !== undefined) settings[spec.key] = value;
  }
  return settings as Settings;
}

/**
 * A `/video` or `/reference` interaction as the desk's command, and the words to answer it in:
 * reference images keep the names of the options they came from, so a refusal of the second one
 * of `image1` and `image3` names `image3`.
 */
export function commandOf(
  command: GenerateCommandName,
  options: CommandOptions,
  who: { requester: Requester; target: DeliveryTarget; place: Place; roles?: readonly string[] },
): { command: GenerateCommand; words: Vocabulary } {
  const attachments: Attachment[] = [];
  const references: string[] = [];
  const add = (name: string, slot: NonNullable<Attachment['slot']>) => {
    const a = options.getAttachment(name);
    if (a) attachments.push(attachmentOf(a, slot));
    return a !== null;
  };
  if (command === 'video') {
    add(OPTION.firstFrame, 'first');
    add(OPTION.lastFrame, 'last');
  } else if (command === 'motion') {
    add(OPTION.image, 'first');
    add(OPTION.video, 'video');
  } else {
    for (let n = 1; n <= MAX_IMAGE_OPTIONS; n++)
      if (add(imageOption(n), 'reference')) references.push(imageOption(n));
    add(OPTION.referenceVideo, 'video');
  }
  return {
    command: {
      command,
      requester: who.requester,
      place: who.place,
      ...(who.roles ? { roles: who.roles } : {}),
      target: who.target,
      prompt: options.getString(OPTION.prompt) ?? '',
      settings: settingsOf(options),
      attachments,
    },
    words: discordWords(references),
  };
}

/**
 * An option as Discord sends it in an autocomplete interaction: raw, the one being typed `focused`,
 * attachments as their ids (`data.resolved` may be absent then: only which options are given counts).
 */
export interface RawOption {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  options?: readonly RawOption[];
}

/** The options given so far, with those of a subcommand, by name (the focused one left out). */
export const givenOptions = (options: readonly RawOption[]): string[] =>
  options.flatMap((o) => [
    ...(o.value !== undefined && o.value !== '' && !o.focused ? [o.name] : []),
    ...givenOptions(o.options ?? []),
  ]);

/**
 * The modes a command's attachments so far imply, for suggesting models: on `/video` a last frame
 * asks for first + last frame models, a first frame alone for those animating an image; else every
 * mode of the command.
 */
export function impliedModes(
  command: GenerateCommandName,
  given: readonly string[],
): readonly GenerationMode[] {
  if (command === 'video' && given.includes(OPTION.lastFrame)) return ['first-last'];
  if (command === 'video' && given.includes(OPTION.firstFrame)) return ['first-frame'];
  return commandSpec(command).modes ?? [];
}

/** Most characters of a choice's name and value. */
const CHOICE_MAX = 100;

/** A model as an autocomplete choice: its label and id shown, its id given. */
export const modelChoice = (model: ModelSpec): { name: string; value: string } => ({
  name: shorten(model.label === model.id ? model.id : `${model.label} (${model.id})`, CHOICE_MAX),
  value: model.id.slice(0, CHOICE_MAX),
});
