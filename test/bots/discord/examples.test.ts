import { readFileSync } from 'node:fs';
import type { APIApplicationCommandBasicOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { buildCommands } from '../../../src/bots/discord/commands.js';
import { discordHelpWords, exampleText, renderDoc } from '../../../src/bots/discord/markdown.js';
import { type AttachmentLike, type CommandOptions, commandOf } from '../../../src/bots/discord/options.js';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import { CATALOG } from '../../../src/catalog/models.js';
import type { ModelSpec } from '../../../src/core/catalog.js';
import { messageFor } from '../../../src/core/messages.js';
import { examples, helpDoc } from '../../../src/desk/content.js';
import { checkCommand } from '../../../src/desk/request.js';

/**
 * Every example a Discord user is shown — in `/help` and in the README — typed back into the
 * command's options as Discord's client would send them, parsed by the bot and checked by the desk:
 * each must be accepted.
 */

type Option = APIApplicationCommandBasicOption;

/** An attachment a person would give where an example says "(your photo)". */
const photo = (n: number, video: boolean): AttachmentLike => ({
  url: `https://cdn.discordapp.com/attachments/1/2/${video ? 'v.mp4' : `p${n}.png`}?ex=ffffffff&is=0&hm=0`,
  filename: video ? 'v.mp4' : `p${n}.png`,
  content_type: video ? 'video/mp4' : 'image/png',
  size: 1_000_000,
  width: 1024,
  height: 768,
});

/** "image1:(image) … image7:(image)" → every image between. */
const expandRange = (line: string): string =>
  line.replace(
    /image(\d+):\s?(\([^)]*\)) … image(\d+):\s?\([^)]*\)/,
    (_m, a: string, what: string, b: string) =>
      Array.from({ length: Number(b) - Number(a) + 1 }, (_, i) => `image${Number(a) + i}:${what}`).join(' '),
  );

/**
 * A line as typed in Discord's client (`/video prompt: a fox duration: 10 first_frame: (photo)`) as
 * the options the interaction carries, typed by the command's own option definitions.
 */
function typedOptions(
  line: string,
  catalog: readonly ModelSpec[],
): { name: 'video' | 'reference'; options: CommandOptions } {
  const [, name = '', rest = ''] = /^\/(\w+) (.*)$/.exec(expandRange(line.trim())) ?? [];
  const command = buildCommands(catalog).find((c) => c.name === name);
  if (!command || (name !== 'video' && name !== 'reference'))
    throw new Error(`not a generating command: ${line}`);
  const defs = (command.options ?? []) as Option[];
  const names = defs.map((o) => o.name).join('|');
  const parts = rest.split(new RegExp(`(?:^|\\s)(${names}):\\s?`)).slice(1);
  const values = new Map<string, unknown>();
  for (let i = 0; i < parts.length; i += 2) {
    const option = defs.find((o) => o.name === parts[i]) as Option;
    const raw = (parts[i + 1] ?? '').trim();
    const value =
      option.type === 11
        ? photo(i, option.name === 'reference_video')
        : option.type === 4 || option.type === 10
          ? Number(raw)
          : option.type === 5
            ? raw === 'True'
            : raw;
    if (option.type === 4 || option.type === 10) expect(Number.isFinite(value)).toBe(true);
    if (option.type === 5) expect(['True', 'False']).toContain(raw);
    values.set(option.name, value);
  }
  const get = <T>(n: string) => (values.has(n) ? (values.get(n) as T) : null);
  return {
    name,
    options: {
      getString: get,
      getInteger: get,
      getNumber: get,
      getBoolean: get,
      getAttachment: get,
    },
  };
}

/** The line parsed and checked: the desk's verdict in Discord's words, or 'accepted'. */
function verdict(line: string, catalog: readonly ModelSpec[] = CATALOG): string {
  const { name, options } = typedOptions(line, catalog);
  const { command, words } = commandOf(name, options, {
    requester: { platform: DISCORD, userId: '1' },
    target: { platform: DISCORD, data: {} },
    place: { platform: DISCORD },
  });
  const checked = checkCommand(command, catalog);
  return checked.ok ? 'accepted' : messageFor(checked.error, words);
}

/** The examples a help text shows: its code spans that are commands. */
const helpExamples = (catalog: readonly ModelSpec[]): string[] =>
  [
    ...renderDoc(helpDoc(catalog, discordHelpWords(catalog))).matchAll(/`(\/(?:video|reference) [^`]+)`/g),
  ].map((m) => m[1] as string);

describe('the examples Discord users are shown work', () => {
  it('every example of /help is accepted as typed', () => {
    const shown = helpExamples(CATALOG);
    expect(shown).toHaveLength(examples(CATALOG).length);
    expect(shown).toEqual(examples(CATALOG).map(exampleText));
    expect(shown.some((line) => line.includes('first_frame: '))).toBe(true);
    expect(shown.some((line) => line.includes('image2: '))).toBe(true);
    for (const line of shown) expect([line, verdict(line)]).toEqual([line, 'accepted']);
  });

  it('so does every example with another catalog', () => {
    const o1 = CATALOG.find((m) => m.id === 'kling-o1')!;
    const kling3: ModelSpec = {
      ...o1,
      id: 'kling-3',
      durations: [5, 12],
      price: { kind: 'per-second', credits: 40, withSound: 50 },
    };
    const shown = helpExamples([kling3]);
    expect(shown.join('\n')).toContain('duration: 12');
    for (const line of shown) expect([line, verdict(line, [kling3])]).toEqual([line, 'accepted']);
  });

  it('every Discord example of the README is accepted as typed', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const lines = readme.split('\n').filter((l) => /^\/(video|reference) prompt:/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const line of lines) expect([line, verdict(line)]).toEqual([line, 'accepted']);
  });

  it('the parser is strict enough to tell a bad example', () => {
    expect(verdict('/video prompt: a fox duration: 7')).toMatch(/can't make a 7-second clip/);
    expect(verdict('/video prompt: a fox mode: std')).toMatch(/Models that have std: kling-o1/);
  });
});
