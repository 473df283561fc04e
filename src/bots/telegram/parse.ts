import type { ModelSpec } from '../../core/catalog.js';
import { err, ok, type Result, type UserError, userError } from '../../core/errors.js';
import type { SettingKey } from '../../core/request.js';
import {
  type GenerateCommandName,
  offeredSettings,
  type SettingSpec,
  settingSpec,
} from '../../desk/commands.js';
import type { Settings } from '../../desk/request.js';
import { optionOf, promptText, type Token, tokenize } from './tokens.js';

/**
 * The text after `/video` or `/reference`: prompt words and `--flags`, anywhere. The flags are the
 * desk's settings (`src/desk/commands.ts`), each under its kebab-case name and its aliases, and a
 * command takes only those some of its models take, so no flag offers an impossible choice.
 */

/** What the text of a generating command says, before any check against the model catalog. */
export interface ParsedCommand {
  prompt: string;
  settings: Settings;
}

/** A setting's flag names without the dashes, shortest first: `ratio`, `aspect-ratio`. */
export const flagNames = (spec: SettingSpec): string[] =>
  [spec.name, ...spec.aliases].sort((a, b) => a.length - b.length);

/** A setting as replies and help name it: its shortest flag (`--neg`, `--ratio`). */
export const flagOf = (key: SettingKey): string => `--${flagNames(settingSpec(key))[0]}`;

interface Flag {
  spec: SettingSpec;
  /** `--no-sound`: the boolean flag that turns its setting off. */
  negated: boolean;
}

/** The flags a command takes, by name: each offered setting's names, and `no-<name>` for a boolean. */
export function flagsFor(command: GenerateCommandName, catalog: readonly ModelSpec[]): Map<string, Flag> {
  const flags = new Map<string, Flag>();
  for (const spec of offeredSettings(command, catalog)) {
    for (const name of flagNames(spec)) flags.set(name, { spec, negated: false });
    if (spec.type === 'boolean') flags.set(`no-${spec.name}`, { spec, negated: true });
  }
  return flags;
}

/** The flags of a command as a person types them, for "Options: …". */
export const knownFlags = (command: GenerateCommandName, catalog: readonly ModelSpec[]): string[] =>
  [...flagsFor(command, catalog).keys()].map((name) => `--${name}`);

const DURATION = /^(\d{1,4})\s*(?:s|secs?|seconds?)?$/iu;
const RATIO = /^(\d{1,2})\s*[:x×/∶]\s*(\d{1,2})$/iu;
const NUMBER = /^\d{1,3}(?:[.,]\d{1,3})?$/u;
const RESOLUTION = /^\d{3,4}p$|^\d+k$/iu;
/** Up to 15 digits, so the number is exact; the model's range is the desk's to check. */
const SEED = /^-?\d{1,15}$/u;
const BOOLEAN: Record<string, boolean> = {
  on: true,
  yes: true,
  true: true,
  off: false,
  no: false,
  false: false,
};

const readBoolean = (raw: string): boolean | undefined => {
  const word = raw.trim().toLowerCase();
  return Object.hasOwn(BOOLEAN, word) ? BOOLEAN[word] : undefined;
};

/** How each setting's value is read from what a person typed, and what it should look like. */
const VALUES: { [K in SettingKey]: { read(raw: string): Settings[K] | undefined; expected: string } } = {
  model: { read: (v) => v.trim().toLowerCase(), expected: 'a model id from /models' },
  duration: {
    read: (v) => {
      const m = DURATION.exec(v.trim());
      return m ? Number(m[1]) : undefined;
    },
    expected: 'a number of seconds, like 5 or 10',
  },
  aspectRatio: {
    read: (v) => {
      const m = RATIO.exec(v.trim());
      return m ? `${Number(m[1])}:${Number(m[2])}` : undefined;
    },
    expected: 'a ratio like 16:9, 9:16 or 1:1',
  },
  negativePrompt: { read: (v) => v.trim(), expected: 'the words to keep out' },
  quality: { read: (v) => v.trim().toLowerCase(), expected: 'a mode like std or pro' },
  cfgScale: {
    read: (v) => (NUMBER.test(v.trim()) ? Number(v.trim().replace(',', '.')) : undefined),
    expected: 'a number like 0.5',
  },
  sound: { read: readBoolean, expected: 'on or off' },
  resolution: {
    read: (v) => (RESOLUTION.test(v.trim()) ? v.trim().toLowerCase() : undefined),
    expected: 'a resolution like 720p or 1080p',
  },
  seed: {
    read: (v) => (SEED.test(v.trim()) ? Number(v.trim()) : undefined),
    expected: 'a whole number like 12345',
  },
  multiShot: { read: readBoolean, expected: 'on or off' },
};

const invalid = (option: string, value: string, expected: string): Result<never, UserError> =>
  err(userError('option-invalid', { option, value, expected }));

/** Reads one setting into `settings`; false when the value is not one. */
function readSetting<K extends SettingKey>(key: K, raw: string, settings: Settings): boolean {
  const value = VALUES[key].read(raw);
  if (value === undefined) return false;
  settings[key] = value;
  return true;
}

/**
 * Parses the text after `/video` or `/reference` (`<prompt words> [--model m] [--duration d]
 * [--ratio 16:9] [--neg "…"] …`). Options may come anywhere; the other words, in order and joined by
 * single spaces, are the prompt. Quoted words are never options; the last of a repeated option wins.
 * Only the syntax is checked here: whether the model has that duration or ratio is the desk's job.
 */
export function parseCommand(
  command: GenerateCommandName,
  text: string,
  catalog: readonly ModelSpec[],
): Result<ParsedCommand> {
  const flags = flagsFor(command, catalog);
  const tokens = tokenize(text);
  const promptTokens: Token[] = [];
  const typed = new Map<SettingKey, { option: string; value: string }>();

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const opt = optionOf(token);
    if (!opt) {
      promptTokens.push(token);
      continue;
    }
    const option = `--${opt.name}`;
    const flag = flags.get(opt.name);
    if (!flag) return err(userError('option-unknown', { option, known: knownFlags(command, catalog) }));
    const { spec } = flag;
    if (spec.type === 'boolean') {
      const on = opt.inline === undefined ? true : readBoolean(opt.inline);
      if (on === undefined) return invalid(option, opt.inline ?? '', VALUES[spec.key].expected);
      typed.set(spec.key, { option, value: String(on !== flag.negated) });
      continue;
    }
    let value = opt.inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next && !optionOf(next)) {
        value = next.value;
        i++;
      }
    }
    if (value === undefined || value.trim() === '') {
      return err(userError('option-missing-value', { option, example: `${option} ${spec.example}` }));
    }
    typed.set(spec.key, { option, value });
  }

  const settings: Settings = {};
  for (const [key, { option, value }] of typed) {
    if (!readSetting(key, value, settings)) return invalid(option, value, VALUES[key].expected);
  }
  return ok({ prompt: promptText(promptTokens), settings });
}
