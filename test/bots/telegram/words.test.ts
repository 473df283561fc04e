import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/bots/telegram/parse.js';
import { docText } from '../../../src/bots/telegram/render.js';
import { botCommands, telegramHelpWords, telegramWords } from '../../../src/bots/telegram/words.js';
import { KLING } from '../../../src/catalog/kling.js';
import { CATALOG } from '../../../src/catalog/models.js';
import { creditsFor, type ModelSpec } from '../../../src/core/catalog.js';
import { messageFor } from '../../../src/core/messages.js';
import { examples, fittingModelsDoc, helpDoc, modelsDoc, quotaDoc } from '../../../src/desk/content.js';
import type { QuotaView } from '../../../src/desk/desk.js';
import { countdownText, durationsText } from '../../../src/desk/format.js';
import { type Attachment, checkCommand } from '../../../src/desk/request.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const MIDNIGHT = Date.UTC(2026, 10, 22);

const help = docText(helpDoc(CATALOG, telegramHelpWords('reelay_bot')));
/**
 * The full `/models` text of the Kling family: all of the catalog's is longer than one message, so
 * the bots send its briefer forms (`fittingModelsDoc`).
 */
const models = docText(modelsDoc(KLING));

/** The block of the models text about one model (blocks are separated by blank lines). */
const block = (text: string, id: string): string => {
  const found = text.split('\n\n').find((b) => b.split('\n')[0]?.includes(`· ${id}`));
  if (found === undefined) throw new Error(`no block for ${id} in:\n${text}`);
  return found;
};

/** `n` images (and a video) as Telegram hands them over: file ids, claimed types and sides. */
function attachments(images: number, video = false): Attachment[] {
  const image = (i: number): Attachment => ({
    kind: 'image',
    ref: {
      source: { kind: 'telegram', id: `photo-${i}` },
      contentType: 'image/jpeg',
      width: 1280,
      height: 720,
    },
    maxBytes: 20 * 1024 * 1024,
  });
  const mp4: Attachment = {
    kind: 'video',
    ref: { source: { kind: 'telegram', id: 'video-1' }, contentType: 'video/mp4', size: 1_000_000 },
    maxBytes: 20 * 1024 * 1024,
  };
  return [...Array.from({ length: images }, (_, i) => image(i)), ...(video ? [mp4] : [])];
}

/** A command line as a person sends it, through the parser and the desk's check. */
function check(line: string, images: number, video = false) {
  const m = /^\/(video|reference)(?:\s+([\s\S]*))?$/.exec(line.trim());
  if (!m) throw new Error(`not a command: ${line}`);
  const command = m[1] as 'video' | 'reference';
  const parsed = parseCommand(command, m[2] ?? '', CATALOG);
  if (!parsed.ok) return parsed;
  return checkCommand(
    {
      command,
      requester: { platform: 'telegram', userId: '1' },
      place: { platform: 'telegram' },
      target: { platform: 'telegram', data: { chatId: 1, messageId: 1 } },
      ...parsed.value,
      attachments: attachments(images, video),
    },
    CATALOG,
  );
}

describe('the help', () => {
  it('explains every command', () => {
    for (const c of ['/video', '/reference', '/models', '/quota', '/history', '/cancel', '/admin']) {
      expect(help).toContain(c);
    }
  });

  it('explains the ways to give /video images, and /reference its photos and video', () => {
    expect(help).toMatch(/caption of a photo \(or an image file\)/);
    expect(help).toMatch(/album of 2 photos: first and last frame/);
    expect(help).toMatch(/reply \/video <prompt> to a photo or an album/);
    expect(help).toMatch(/\/reference <prompt> .*kling-o3-pro/);
    expect(help).toMatch(/album of up to 7 photos, and an MP4 video/);
  });

  it("lists each command's options by their flags, only those its models take", () => {
    expect(help).toContain(
      'Options: --model, --duration, --ratio, --neg, --mode, --cfg, --sound, --res, --seed, --shots\n',
    );
    expect(help).toContain('Options: --model, --duration, --ratio, --sound, --shots\n');
  });

  it('every example in it parses and is accepted by the desk, with the inputs it says to attach', () => {
    const lines = help.split('\n\nExamples\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect(lines).toHaveLength(examples(CATALOG).length);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const m =
        /^(?:As the caption of (a photo|an album of (\d+) photos)( and an MP4 video)?: )?(\/.*)$/.exec(line);
      expect(m, line).not.toBeNull();
      const images = m?.[1] === undefined ? 0 : m[1] === 'a photo' ? 1 : Number(m[2]);
      const result = check(m?.[4] ?? '', images, m?.[3] !== undefined);
      expect(result.ok ? 'accepted' : messageFor(result.error, telegramWords(images)), line).toBe('accepted');
    }
  });

  it('every Telegram example of the README parses and is accepted by the desk', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.split('\n## Telegram\n')[1]?.split('\n## ')[0] ?? '';
    const lines = (/```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '')
      .split('\n')
      .filter((l) => /\/(video|reference) /.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) {
      const said = /^\(([^)]*)\)\s*/.exec(line)?.[1] ?? '';
      const images = /album of two/.test(said)
        ? 2
        : /up to (\d+)/.test(said)
          ? Number(/up to (\d+)/.exec(said)?.[1])
          : /photo/.test(said)
            ? 1
            : 0;
      const command = line.slice(line.indexOf('/')).split('→')[0] ?? '';
      const result = check(command, images);
      expect(result.ok ? 'accepted' : messageFor(result.error, telegramWords(images)), line).toBe('accepted');
    }
  });

  it('shows the /command@bot form for groups', () => {
    expect(help).toContain('/video@reelay_bot');
  });

  it('fits one Telegram message', () => {
    expect(help.length).toBeLessThan(4096);
  });
});

describe('the models text', () => {
  it('describes every model with its id, name, durations and ratios', () => {
    for (const model of KLING) {
      const b = block(models, model.id);
      expect(b).toContain(model.label);
      expect(b).toContain(`Length: ${durationsText(model.durations)}`);
      expect(b).toContain(
        model.aspectRatioModes.length > 0
          ? `Ratios: ${model.aspectRatios.join(', ')}`
          : "Ratios: none to choose: the clip keeps the image's shape",
      );
    }
  });

  it('gives the credits of a clip at every duration and quality', () => {
    for (const model of KLING) {
      const b = block(models, model.id);
      const qualities = model.qualities.length > 1 ? model.qualities : [model.defaultQuality];
      for (const q of qualities) {
        for (const sound of model.sound ? [false, true] : [false]) {
          // A price by the second is said once, not for each of up to 13 lengths.
          const row =
            model.price.kind === 'per-second'
              ? `${creditsFor(model, 1, q, sound)} per second`
              : model.durations.map((d) => `${d} s: ${creditsFor(model, d, q, sound)}`).join(' · ');
          expect(b).toContain(
            `${model.qualities.length > 1 ? `${q} ` : ''}${sound ? 'with sound ' : ''}${row}`,
          );
        }
      }
    }
  });

  it('names settings by their Telegram flags and says which command each model is the default of', () => {
    expect(block(models, 'kling-2.5-turbo-pro')).toContain('default for /video');
    expect(block(models, 'kling-2.5-turbo-pro')).toContain('Takes: --neg, --cfg');
    expect(block(models, 'kling-o1')).toContain('Quality (--mode): std (default), pro');
    expect(block(models, 'kling-o1')).not.toContain('default for');
    expect(block(models, 'kling-o3-pro')).toContain('default for /reference');
    expect(block(models, 'kling-o3-pro')).toContain('Takes: --sound (off by default), a reference video');
    expect(block(models, 'kling-2.1-master')).toContain('Takes: --neg, --cfg, --seed');
    const hd = { ...CATALOG[0]!, id: 'hd', resolutions: { options: ['720p', '1080p'], default: '720p' } };
    expect(docText(modelsDoc([hd]))).toContain('Takes: --neg, --cfg, --res (720p, 1080p; 720p by default)');
    expect(models).toContain('Choose one with --model (short names work: kling).');
  });

  it('describes whatever catalog it is given', () => {
    const one: ModelSpec = {
      ...CATALOG[0]!,
      id: 'test-model',
      aliases: [],
      label: 'Test Model',
      durations: [4, 8],
      price: { kind: 'per-second', credits: 10, withSound: 20 },
    };
    const t = docText(modelsDoc([one]));
    expect(t).toContain('Test Model · test-model');
    expect(t).toContain('Credits per clip: 10 per second');
    expect(t).not.toContain('kling');
  });

  it('fits one Telegram message as the bot sends it, with the whole catalog', () => {
    const sent = docText(fittingModelsDoc(CATALOG, (doc) => docText(doc).length < 4096));
    expect(sent.length).toBeLessThan(4096);
    for (const m of CATALOG) expect(sent).toContain(m.id);
  });
});

describe('the quota text', () => {
  const open = (u: Partial<Extract<QuotaView, { kind: 'open' }>>): QuotaView => ({
    kind: 'open',
    used: 0,
    inFlight: 0,
    limit: 875,
    left: 875,
    resetsAt: MIDNIGHT,
    clip: { model: 'kling-2.5-turbo-pro', credits: 175 },
    ...u,
  });

  it('says the credits left, about how many clips they buy, what is used and when it resets', () => {
    expect(docText(quotaDoc(open({ used: 350, left: 525 })), MIDNIGHT - (5 * HOUR + 12 * MINUTE))).toBe(
      [
        '🎬 525 credits left today',
        '',
        '≈ 3 clips of kling-2.5-turbo-pro (175 credits each).',
        'Used today: 350 of 875 credits.',
        'Resets at 00:00 UTC (in 5h 12m).',
      ].join('\n'),
    );
  });

  it('counts queued and running clips as used, and says when no credits are left', () => {
    expect(docText(quotaDoc(open({ used: 700, inFlight: 2, left: 175 })), MIDNIGHT - 30 * MINUTE)).toContain(
      'Used today: 700 of 875 credits (2 in progress).\nResets at 00:00 UTC (in 30m).',
    );
    expect(docText(quotaDoc(open({ used: 875, left: 0 })), MIDNIGHT - 2 * HOUR)).toMatch(
      /^⏳ No credits left today\./,
    );
  });

  it("counts a group's budget in the clips left, and says what is left of it", () => {
    const text = docText(quotaDoc(open({ budget: { used: 1_000, limit: 1_200 } })), MIDNIGHT - HOUR);
    expect(text).toContain('≈ 1 clip of kling-2.5-turbo-pro (175 credits each).');
    expect(text).toContain('The budget here: 200 credits left of 1,200 today.');
  });

  it('leaves out the countdown once the reset time has passed', () => {
    expect(docText(quotaDoc(open({})), MIDNIGHT + 1)).toContain('Resets at 00:00 UTC.');
  });

  it('says the bot takes no video requests when the limit is 0', () => {
    expect(docText(quotaDoc({ kind: 'closed' }), MIDNIGHT)).toBe(
      '🚫 This bot is not taking video requests here.',
    );
  });
});

describe('telegram words', () => {
  it('names inputs the way they were sent', () => {
    expect(telegramWords(1).input('first-frame')).toBe('the image');
    expect(telegramWords(2).input('first-frame')).toBe('the first image');
    expect(telegramWords(2).input('last-frame')).toBe('the second image');
    expect(telegramWords(7).input('reference-3')).toBe('the third image');
    expect(telegramWords(1).input('reference-1')).toBe('the image');
    expect(telegramWords(12).input('reference-11')).toBe('image 11');
    expect(telegramWords(3).input('reference-video')).toBe('the video');
  });

  it('names settings by their shortest flag and commands as typed', () => {
    const words = telegramWords();
    expect(words.setting('negativePrompt')).toBe('--neg');
    expect(words.setting('aspectRatio')).toBe('--ratio');
    expect(words.setting('quality')).toBe('--mode');
    expect(words.command('reference')).toBe('/reference');
    expect(
      messageFor(
        {
          id: 'negative-prompt-unsupported',
          details: { model: 'kling-o1', models: ['kling-2.5-turbo-pro'] },
        },
        words,
      ),
    ).toBe('kling-o1 does not take --neg. Models that do: kling-2.5-turbo-pro.');
  });
});

describe('the command menu', () => {
  it("has the members' commands in menu order, and the admins' menu adds /admin; each valid for setMyCommands", () => {
    const members = botCommands(CATALOG);
    expect(members.map((c) => c.command)).toEqual([
      'video',
      'reference',
      'motion',
      'models',
      'quota',
      'history',
      'cancel',
      'help',
    ]);
    const admins = botCommands(CATALOG, true);
    expect(admins.map((c) => c.command)).toEqual([...members.map((c) => c.command), 'admin']);
    for (const c of admins) {
      expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(c.description.length).toBeGreaterThanOrEqual(3);
      expect(c.description.length).toBeLessThanOrEqual(256);
    }
  });

  it('leaves out a generating command no model of the catalog serves', () => {
    const noReference = CATALOG.filter((m) => !m.modes.includes('reference'));
    expect(botCommands(noReference).map((c) => c.command)).not.toContain('reference');
  });
});

describe('durationsText and countdownText', () => {
  it.each([
    [[5], '5 s'],
    [[5, 10], '5 or 10 s'],
    [[5, 10, 15], '5, 10 or 15 s'],
    [[3, 4, 5, 6], '3–6 s'],
    [[6, 4, 5, 3], '3–6 s'],
    [[], ''],
  ])('%j → %s', (durations, expected) => {
    expect(durationsText(durations)).toBe(expected);
  });

  it.each([
    [5 * HOUR + 12 * MINUTE, '5h 12m'],
    [5 * HOUR + 11 * MINUTE + 1, '5h 12m'],
    [3 * HOUR, '3h'],
    [45 * MINUTE, '45m'],
    [1_000, '1m'],
    [0, 'now'],
    [-MINUTE, 'now'],
  ])('%d ms → %s', (ms, expected) => {
    expect(countdownText(ms)).toBe(expected);
  });
});
