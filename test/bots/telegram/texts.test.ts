import { describe, expect, it } from 'vitest';
import { countdownText, durationsText } from '../../../src/bots/shared.js';
import { KNOWN_OPTIONS } from '../../../src/bots/telegram/parse.js';
import { BOT_COMMANDS, helpText, modelsText, quotaText } from '../../../src/bots/telegram/texts.js';
import { CATALOG, creditsFor, type ModelSpec } from '../../../src/core/catalog.js';
import type { QuotaUsage } from '../../../src/jobs/quota.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const MIDNIGHT = Date.UTC(2026, 10, 22);

/** The block of `modelsText` about one model (blocks are separated by blank lines). */
const block = (text: string, id: string): string => {
  const found = text.split('\n\n').find((b) => b.startsWith(`▶️ ${id} `));
  if (found === undefined) throw new Error(`no block for ${id} in:\n${text}`);
  return found;
};

describe('helpText', () => {
  const text = helpText('reelay_bot');

  it('explains every command', () => {
    for (const c of ['/video', '/reference', '/models', '/quota', '/cancel']) expect(text).toContain(c);
  });

  it('explains the ways to give /video images', () => {
    expect(text).toMatch(/caption of a photo \(or an image file\)/);
    expect(text).toMatch(/album of 2 photos: first and last frame/);
    expect(text).toMatch(/reply \/video <prompt> to a photo or an album/);
  });

  it('says /reference takes up to 7 photos and uses kling-o3-pro', () => {
    expect(text).toMatch(/\/reference .*up to 7 photos.*kling-o3-pro/);
  });

  it('lists the options, each in a form parseArgs knows', () => {
    for (const o of ['--model', '--duration', '--ratio', '--neg', '--mode', '--sound', '--no-sound']) {
      expect(text).toContain(o);
      expect(KNOWN_OPTIONS).toContain(o);
    }
    expect(text).toContain('16:9 | 9:16 | 1:1');
  });

  it('gives examples', () => {
    expect(text.match(/^\/(video|reference) \S.* --/gm)?.length).toBeGreaterThanOrEqual(2);
  });

  it('shows the /command@bot form for groups', () => {
    expect(text).toContain('/video@reelay_bot');
  });

  it('fits one Telegram message', () => {
    expect(text.length).toBeLessThan(4096);
  });
});

describe('modelsText', () => {
  const text = modelsText();

  it('describes every model with its id, name, durations and ratios', () => {
    for (const model of CATALOG) {
      const b = block(text, model.id);
      expect(b).toContain(model.label);
      expect(b).toContain(`Length: ${durationsText(model.durations)}`);
      expect(b).toContain(`Ratios: ${model.aspectRatios.join(', ')}`);
    }
  });

  it('gives the credits of a clip at every duration and quality', () => {
    for (const model of CATALOG) {
      const b = block(text, model.id);
      const qualities = model.qualities.length > 1 ? model.qualities : [model.defaultQuality];
      for (const q of qualities) {
        for (const sound of model.sound ? [false, true] : [false]) {
          const row = model.durations.map((d) => `${d} s: ${creditsFor(model, d, q, sound)}`).join(' · ');
          const label = `${model.qualities.length > 1 ? `${q} ` : ''}${sound ? 'with sound ' : ''}`;
          expect(b).toContain(`  ${label}${row}`);
        }
      }
    }
  });

  it('spells out the current catalog', () => {
    expect(block(text, 'kling-2.5-turbo-pro')).toBe(
      [
        '▶️ kling-2.5-turbo-pro — Kling 2.5 Turbo Pro (default for /video)',
        'Fast, cinematic motion. Text, first frame, or first and last frame.',
        'Modes: text, image (first frame), first + last frame',
        'Length: 5 or 10 s',
        'Ratios: 16:9, 9:16, 1:1 (for text; an animated image keeps its shape)',
        'Takes: --neg',
        'Credits per clip:',
        '  5 s: 175 · 10 s: 350',
      ].join('\n'),
    );
    const o1 = block(text, 'kling-o1');
    expect(o1).toContain('Quality: std (default), pro');
    expect(o1).toContain('  std 5 s: 210 · 10 s: 420');
    expect(o1).toContain('  pro 5 s: 280 · 10 s: 560');
    expect(o1).toContain('Ratios: 16:9, 9:16, 1:1\n');
    expect(o1).not.toContain('default for');
    expect(o1).not.toContain('Takes:');
    const o3 = block(text, 'kling-o3-pro');
    expect(o3).toContain('(default for /reference)');
    expect(o3).toContain('Modes: reference images (up to 7)');
    expect(o3).toContain('Length: 3–15 s');
    expect(o3).toContain('Takes: --sound (off by default)');
    expect(o3).toContain('  3 s: 216 · 4 s: 288 · 5 s: 360');
    expect(o3).toContain('15 s: 1080');
    expect(o3).toContain('  with sound 3 s: 270 · ');
    expect(o3).toContain('15 s: 1350');
  });

  it('describes whatever catalog it is given', () => {
    const one: ModelSpec = {
      ...CATALOG[0]!,
      id: 'test-model',
      label: 'Test Model',
      durations: [4, 8],
      price: { kind: 'per-second', credits: 10, withSound: 20 },
    };
    const t = modelsText([one]);
    expect(t).toContain('▶️ test-model — Test Model\n');
    expect(t).toContain('  4 s: 40 · 8 s: 80');
    expect(t).not.toContain('kling');
    expect(t).toContain('e.g. /video a cat surfing --model test-model');
    expect(text).toContain('e.g. /video a cat surfing --model kling-o1');
  });

  it('fits one Telegram message', () => {
    expect(text.length).toBeLessThan(4096);
  });
});

describe('durationsText', () => {
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
});

describe('countdownText', () => {
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

describe('quotaText', () => {
  const usage = (u: Partial<QuotaUsage>): QuotaUsage => ({
    used: 0,
    inFlight: 0,
    limit: 5,
    left: 5,
    resetsAt: MIDNIGHT,
    ...u,
  });

  it('says what is left, what is used and when it resets', () => {
    expect(quotaText(usage({ used: 2, left: 3 }), MIDNIGHT - (5 * HOUR + 12 * MINUTE))).toBe(
      ['🎬 3 videos left.', 'Used today: 2 of 5.', 'Resets at 00:00 UTC (in 5h 12m).'].join('\n'),
    );
  });

  it('counts queued and running videos as used', () => {
    expect(quotaText(usage({ used: 4, inFlight: 2, left: 1 }), MIDNIGHT - 30 * MINUTE)).toBe(
      ['🎬 1 video left.', 'Used today: 4 of 5 (2 in progress).', 'Resets at 00:00 UTC (in 30m).'].join('\n'),
    );
  });

  it('says when none are left', () => {
    const text = quotaText(usage({ used: 5, inFlight: 1, left: 0 }), MIDNIGHT - 2 * HOUR);
    expect(text).toBe(
      [
        '⏳ No videos left today.',
        'Used today: 5 of 5 (1 in progress).',
        'Resets at 00:00 UTC (in 2h).',
      ].join('\n'),
    );
  });

  it('leaves out the countdown once the reset time has passed', () => {
    expect(quotaText(usage({}), MIDNIGHT + 1)).toContain('Resets at 00:00 UTC.');
  });

  it('says the bot takes no video requests when the limit is 0', () => {
    const text = quotaText(usage({ limit: 0, left: 0 }), MIDNIGHT - HOUR);
    expect(text).toBe('🚫 This bot is not taking video requests here.');
  });
});

describe('BOT_COMMANDS', () => {
  it('has the commands in menu order, each valid for setMyCommands', () => {
    expect(BOT_COMMANDS.map((c) => c.command)).toEqual([
      'video',
      'reference',
      'models',
      'quota',
      'cancel',
      'help',
    ]);
    for (const c of BOT_COMMANDS) {
      expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(c.description.length).toBeGreaterThanOrEqual(3);
      expect(c.description.length).toBeLessThanOrEqual(256);
    }
  });
});
