import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  finalEmbed,
  type JobState,
  parseCustomId,
  STATE_COLOURS,
  type StatusView,
  statusButtons,
  statusEmbed,
} from '../../../src/bots/discord/status.js';
import { helpText, MESSAGE_LIMIT, modelsText, quotaText } from '../../../src/bots/discord/texts.js';
import { liveState } from '../../../src/bots/shared.js';
import { CATALOG, type ModelSpec } from '../../../src/core/catalog.js';

const NOW = Date.UTC(2026, 10, 21, 18, 0, 0);
const JOB = '5f0c7e2a-1b2c-4d5e-8f90-123456789abc';

const view = (extra: Partial<StatusView> = {}): StatusView => ({
  state: 'queued',
  model: 'kling-o1',
  duration: 10,
  userId: '123456789012345678',
  elapsedMs: 4_000,
  now: NOW,
  ...extra,
});

const field = (embed: APIEmbed, name: string): string | undefined =>
  embed.fields?.find((f) => f.name === name)?.value;

function checkEmbedLimits(embed: APIEmbed): void {
  expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
  expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
  expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
  for (const f of embed.fields ?? []) {
    expect(f.name.length).toBeGreaterThan(0);
    expect(f.name.length).toBeLessThanOrEqual(256);
    expect(f.value.length).toBeGreaterThan(0);
    expect(f.value.length).toBeLessThanOrEqual(1024);
  }
}

const ALL_STATES: JobState[] = [
  'queued',
  'preparing',
  'submitted',
  'generating',
  'sending',
  'done',
  'failed',
  'cancelled',
];

describe('liveState', () => {
  it('reads the generate progress as a state', () => {
    expect(liveState(undefined)).toBe('queued');
    expect(liveState({ step: 'prepare' })).toBe('preparing');
    expect(liveState({ step: 'submit' })).toBe('preparing');
    expect(liveState({ step: 'poll', phase: 'queued' })).toBe('submitted');
    expect(liveState({ step: 'poll', phase: 'running', percent: 40 })).toBe('generating');
    expect(liveState({ step: 'done', percent: 100 })).toBe('sending');
    expect(liveState({ step: 'poll', phase: 'running' }, true)).toBe('sending');
  });
});

describe('statusEmbed', () => {
  it('queued: the place in line, model, length, elapsed and requester; no progress, no ETA', () => {
    const embed = statusEmbed(view({ position: 3 }));
    expect(embed.title).toBe('⏳ Queued — #3 in line');
    expect(field(embed, 'Queue')).toBe('#3');
    expect(field(embed, 'Model')).toBe('kling-o1');
    expect(field(embed, 'Length')).toBe('10 s');
    expect(field(embed, 'Elapsed')).toBe('4s');
    expect(field(embed, 'Requested by')).toBe('<@123456789012345678>');
    expect(field(embed, 'Progress')).toBeUndefined();
    expect(field(embed, 'ETA')).toBeUndefined();
    expect(embed.color).toBe(STATE_COLOURS.queued);
  });

  it('generating: a progress bar with %, and an ETA from the pace so far as a Discord timestamp', () => {
    // 30 % after 60 s of generating: 140 s to go.
    const embed = statusEmbed(
      view({ state: 'generating', percent: 30, generatingMs: 60_000, elapsedMs: 95_000 }),
    );
    expect(embed.title).toBe('🎬 Generating…');
    expect(field(embed, 'Progress')).toBe('▓▓▓░░░░░░░ 30%');
    expect(field(embed, 'ETA')).toBe(`<t:${(NOW + 140_000) / 1000}:R>`);
    expect(field(embed, 'Elapsed')).toBe('1m 35s');
    expect(embed.color).toBe(STATE_COLOURS.generating);
  });

  it('the ETA falls back to the whole elapsed time when the generating time is unknown', () => {
    const embed = statusEmbed(view({ state: 'generating', percent: 50, elapsedMs: 30_000 }));
    expect(field(embed, 'ETA')).toBe(`<t:${(NOW + 30_000) / 1000}:R>`);
  });

  it('omits the ETA (and the bar) when progress says nothing', () => {
    for (const percent of [undefined, 0, 100]) {
      const embed = statusEmbed(
        view({ state: 'generating', elapsedMs: 30_000, ...(percent === undefined ? {} : { percent }) }),
      );
      expect(field(embed, 'ETA')).toBeUndefined();
      if (percent === undefined) expect(field(embed, 'Progress')).toBeUndefined();
    }
    for (const state of ['queued', 'preparing', 'submitted', 'sending'] as const) {
      expect(field(statusEmbed(view({ state, percent: 50 })), 'ETA')).toBeUndefined();
    }
  });

  it('rounds and bounds the percent', () => {
    expect(field(statusEmbed(view({ state: 'generating', percent: 66.6 })), 'Progress')).toBe(
      '▓▓▓▓▓▓▓░░░ 67%',
    );
    expect(field(statusEmbed(view({ state: 'generating', percent: 140 })), 'Progress')).toBe(
      '▓▓▓▓▓▓▓▓▓▓ 100%',
    );
  });

  it('names each state in its headline, with its own colour', () => {
    const titles = ALL_STATES.map((state) => statusEmbed(view({ state })).title);
    expect(new Set(titles).size).toBe(ALL_STATES.length);
    expect(statusEmbed(view({ state: 'preparing' })).title).toMatch(/Preparing/);
    expect(statusEmbed(view({ state: 'submitted' })).title).toMatch(/provider's queue/);
    expect(statusEmbed(view({ state: 'sending' })).title).toMatch(/sending/);
    for (const state of ALL_STATES) expect(statusEmbed(view({ state })).color).toBe(STATE_COLOURS[state]);
    expect(STATE_COLOURS.failed).not.toBe(STATE_COLOURS.done);
    expect(STATE_COLOURS.cancelled).not.toBe(STATE_COLOURS.failed);
    expect(STATE_COLOURS.generating).not.toBe(STATE_COLOURS.queued);
  });

  it('says "Cancelling…" once Cancel was pressed', () => {
    expect(statusEmbed(view({ state: 'generating', cancelling: true })).title).toBe('🚫 Cancelling…');
    expect(statusEmbed(view({ state: 'cancelled', cancelling: true })).title).toBe('🚫 Cancelled');
  });

  it('quotes the prompt, cut short, and stays within embed limits', () => {
    const embed = statusEmbed(
      view({ state: 'generating', percent: 10, prompt: `first line\n${'x'.repeat(5000)}` }),
    );
    expect(embed.description?.startsWith('> first line\n> x')).toBe(true);
    expect(embed.description?.length).toBeLessThan(400);
    checkEmbedLimits(embed);
  });
});

describe('statusButtons', () => {
  it('Cancel (danger, cancel:<jobId>) while the job can still be stopped', () => {
    for (const state of ['queued', 'preparing', 'submitted', 'generating'] as const) {
      const rows = statusButtons(JOB, state);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.type).toBe(1);
      expect(rows[0]?.components).toEqual([
        { type: 2, style: 4, label: 'Cancel', emoji: { name: '✖️' }, custom_id: `cancel:${JOB}` },
      ]);
    }
  });

  it('Again (secondary, again:<jobId>) when done', () => {
    const rows = statusButtons(JOB, 'done');
    expect(rows[0]?.components).toEqual([
      { type: 2, style: 2, label: 'Again', emoji: { name: '🔁' }, custom_id: `again:${JOB}` },
    ]);
  });

  it('none once the clip is being sent, after a failure or a cancel, or while cancelling', () => {
    for (const state of ['sending', 'failed', 'cancelled'] as const)
      expect(statusButtons(JOB, state)).toEqual([]);
    expect(statusButtons(JOB, 'generating', true)).toEqual([]);
  });

  it('custom ids fit Discord (100 characters) and read back', () => {
    for (const state of ALL_STATES) {
      for (const row of statusButtons(JOB, state)) {
        for (const button of row.components) {
          expect(button.custom_id.length).toBeLessThanOrEqual(100);
          expect(parseCustomId(button.custom_id)).toEqual({
            action: state === 'done' ? 'again' : 'cancel',
            jobId: JOB,
          });
        }
      }
    }
    expect(parseCustomId('cancel:')).toBeUndefined();
    expect(parseCustomId('delete:1')).toBeUndefined();
    expect(parseCustomId('nothing')).toBeUndefined();
    expect(parseCustomId('again:a:b')).toEqual({ action: 'again', jobId: 'a:b' });
  });
});

describe('finalEmbed', () => {
  const final = { model: 'kling-o3-pro', duration: 8, userId: '42', elapsedMs: 65_000 };

  it('done: how long it took; the clip is in the message', () => {
    const embed = finalEmbed({ kind: 'clip' }, final);
    expect(embed.title).toBe('✅ Done in 1m 05s');
    expect(embed.description).toBe('Here is your clip.');
    expect(embed.color).toBe(STATE_COLOURS.done);
    expect(field(embed, 'Model')).toBe('kling-o3-pro');
    expect(field(embed, 'Length')).toBe('8 s');
    expect(field(embed, 'Requested by')).toBe('<@42>');
  });

  it('a link: its size, the URL, and how long the link lives', () => {
    const url = 'https://cdn.provider.example/out/clip.mp4?sig=1';
    const embed = finalEmbed({ kind: 'link', size: 80 * 1024 * 1024, url }, final);
    expect(embed.title).toBe('✅ Done in 1m 05s');
    expect(embed.description).toContain('80 MB');
    expect(embed.description).toContain('too big to upload here');
    expect(embed.description).toContain(url);
    expect(embed.description).toContain("the provider's links expire within a day");
    const expiresAt = NOW + 24 * 3_600_000;
    const dated = finalEmbed({ kind: 'link', size: 30 * 1024 * 1024, expiresAt }, final);
    expect(dated.description).toContain(`the link expires <t:${expiresAt / 1000}:R>`);
    expect(dated.description).not.toContain('within a day');
  });

  it('a failure: the reason, and that it did not count against the quota', () => {
    const embed = finalEmbed({ kind: 'failure', error: { id: 'content-rejected' } }, final);
    expect(embed.title).toBe('❌ Failed');
    expect(embed.description).toBe(
      "The video provider's content filter rejected this request. Try a different prompt or image.\nThis one did not count against your quota.",
    );
    expect(embed.color).toBe(STATE_COLOURS.failed);
  });

  it('a clip that could not be posted did count: no refund note', () => {
    const embed = finalEmbed({ kind: 'failure', error: { id: 'delivery-failed' } }, final);
    expect(embed.description).toMatch(/couldn't post it here/);
    expect(embed.description).not.toContain('did not count');
  });

  it('cancelled: says so, and that it did not count', () => {
    const embed = finalEmbed({ kind: 'failure', error: { id: 'cancelled' } }, final);
    expect(embed.title).toBe('🚫 Cancelled');
    expect(embed.description).toBe('This one did not count against your quota.');
    expect(embed.color).toBe(STATE_COLOURS.cancelled);
  });

  it('without an elapsed time, just "Done"; the prompt is quoted above the outcome', () => {
    const embed = finalEmbed(
      { kind: 'clip' },
      { model: 'kling-o1', duration: 5, userId: '1', prompt: 'a fox' },
    );
    expect(embed.title).toBe('✅ Done');
    expect(embed.description).toBe('> a fox\n\nHere is your clip.');
    checkEmbedLimits(embed);
  });
});

describe('Discord texts', () => {
  const o1 = CATALOG.find((m) => m.id === 'kling-o1')!;

  it('help: every command, its options from the catalog, the buttons, examples; fits a message', () => {
    const text = helpText();
    for (const c of ['/video', '/reference', '/models', '/quota', '/help'])
      expect(text).toContain(`**${c}**`);
    for (const o of [
      '`model`',
      '`duration`',
      '`aspect_ratio`',
      '`negative_prompt`',
      '`mode`',
      '`sound`',
      '`reference_video`',
    ]) {
      expect(text).toContain(o);
    }
    expect(text).toContain('`first_frame`');
    expect(text).toContain('`image1` … `image7`');
    expect(text).toMatch(/\*\*Cancel\*\*.*\*\*Again\*\*/);
    expect(text).toContain(
      '`/video prompt: a red fox running through fresh snow, slow motion duration: 10 aspect_ratio: 9:16`',
    );
    expect(text).toContain('model: kling-o1 mode: pro');
    expect(text).toContain('sound: True');
    expect(text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('help follows the catalog', () => {
    const kling3 = { ...o1, id: 'kling-3', durations: [5, 12] } satisfies ModelSpec;
    const text = helpText([kling3]);
    expect(text).toContain('duration: 12');
    expect(text).not.toContain('/reference**');
  });

  it('models: every model with its lengths, ratios, qualities, extras and credits; fits a message', () => {
    const text = modelsText();
    for (const m of CATALOG) expect(text).toContain(`\`${m.id}\``);
    expect(text).toContain('`kling-2.5-turbo-pro` — default for /video');
    expect(text).toContain('`kling-o3-pro` — default for /reference');
    expect(text).toContain('**Length:** 3–15 s');
    expect(text).toContain('**Quality** (`mode`): std (default), pro');
    expect(text).toContain('std 5 s: 210 · 10 s: 420 | pro 5 s: 280 · 10 s: 560');
    expect(text).toContain('**Takes:** `sound` (off by default), `reference_video`');
    expect(text).toContain('an animated image keeps its shape');
    expect(text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('quota: what is left, what was used, and the reset as a Discord timestamp', () => {
    const resetsAt = Date.UTC(2026, 10, 22);
    const text = quotaText({ used: 2, inFlight: 1, limit: 5, left: 3, resetsAt }, NOW);
    expect(text).toBe(
      `**🎬 3 videos left.**\nUsed today: 2 of 5 (1 in progress).\nResets <t:${resetsAt / 1000}:R> (at <t:${resetsAt / 1000}:t>).`,
    );
    expect(quotaText({ used: 5, inFlight: 0, limit: 5, left: 0, resetsAt }, NOW)).toMatch(
      /^\*\*⏳ No videos left today\.\*\*/,
    );
    expect(quotaText({ used: 0, inFlight: 0, limit: 0, left: 0, resetsAt }, NOW)).toBe(
      '🚫 This bot is not taking video requests here.',
    );
  });
});
