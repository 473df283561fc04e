import type { APIEmbed } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { discordHelpWords, MESSAGE_LIMIT, renderDoc } from '../../../src/bots/discord/markdown.js';
import {
  type DiscordMessageBody,
  finalMessage,
  type JobFacts,
  liveMessage,
  STATE_COLOURS,
} from '../../../src/bots/discord/status.js';
import { CATALOG } from '../../../src/catalog/models.js';
import type { ModelSpec } from '../../../src/core/catalog.js';
import { parseAction } from '../../../src/desk/actions.js';
import { helpDoc, modelsDoc, quotaDoc } from '../../../src/desk/content.js';
import { PAID_NOTE, type StatusView } from '../../../src/desk/status.js';

const NOW = Date.UTC(2026, 10, 21, 18, 0, 0);
const JOB = '5f0c7e2a-1b2c-4d5e-8f90-123456789abc';

const view = (extra: Partial<StatusView> = {}): StatusView => ({
  jobId: JOB,
  state: 'queued',
  model: 'kling-o1',
  duration: 10,
  prompt: '',
  credits: 350,
  requester: { platform: 'discord', userId: '123456789012345678' },
  elapsedMs: 4_000,
  paid: false,
  cancelling: false,
  at: NOW,
  ...extra,
});

const embedOf = (body: DiscordMessageBody): APIEmbed => body.embeds[0] as APIEmbed;
const field = (body: DiscordMessageBody, name: string): string | undefined =>
  embedOf(body).fields?.find((f) => f.name === name)?.value;
const buttons = (body: DiscordMessageBody) => body.components.flatMap((row) => row.components);

function checkEmbedLimits(embed: APIEmbed): void {
  expect(embed.title?.length ?? 0).toBeLessThanOrEqual(256);
  expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
  expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
  expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
  for (const f of embed.fields ?? []) {
    expect(f.name.length).toBeGreaterThan(0);
    expect(f.value.length).toBeGreaterThan(0);
    expect(f.value.length).toBeLessThanOrEqual(1024);
  }
}

describe('liveMessage: the status of an unfinished job', () => {
  it('queued: the desk’s headline, place in line, model, length, cost, elapsed and requester; no ETA', () => {
    const body = liveMessage(view({ position: 3 }));
    expect(embedOf(body).title).toBe('⏳ Queued — #3 in line');
    expect(field(body, 'Queue')).toBe('#3');
    expect(field(body, 'Model')).toBe('kling-o1');
    expect(field(body, 'Length')).toBe('10 s');
    expect(field(body, 'Cost')).toBe('350 credits');
    // Model, length and cost make the first row of three.
    expect(
      embedOf(body)
        .fields?.slice(0, 3)
        .map((f) => f.name),
    ).toEqual(['Model', 'Length', 'Cost']);
    expect(field(body, 'Elapsed')).toBe('4s');
    expect(field(body, 'Requested by')).toBe('<@123456789012345678>');
    expect(field(body, 'ETA')).toBeUndefined();
    expect(embedOf(body).color).toBe(STATE_COLOURS.queued);
    expect(embedOf(body).footer).toBeUndefined();
  });

  it('generating: the progress bar and percent, and the ETA as a Discord timestamp', () => {
    const body = liveMessage(
      view({ state: 'generating', percent: 30, etaAt: NOW + 140_000, elapsedMs: 95_000 }),
    );
    expect(embedOf(body).title).toBe('🎬 Generating… ▓▓▓░░░░░░░ 30%');
    expect(field(body, 'ETA')).toBe(`<t:${(NOW + 140_000) / 1000}:R>`);
    expect(field(body, 'Elapsed')).toBe('1m 35s');
    expect(embedOf(body).color).toBe(STATE_COLOURS.generating);
  });

  it('names each live state, with its own colour', () => {
    const states = ['queued', 'preparing', 'submitting', 'submitted', 'generating', 'sending'] as const;
    const titles = states.map((state) => embedOf(liveMessage(view({ state }))).title);
    expect(new Set(titles).size).toBe(states.length);
    for (const state of states)
      expect(embedOf(liveMessage(view({ state }))).color).toBe(STATE_COLOURS[state]);
  });

  it('a Cancel button while the provider has not started: cancelling then refunds', () => {
    for (const state of ['queued', 'preparing', 'submitting'] as const) {
      expect(buttons(liveMessage(view({ state })))).toEqual([
        { type: 2, style: 4, label: '✖️ Cancel', custom_id: `cancel:${JOB}` },
      ]);
    }
  });

  it('once the provider has the task: the button says "Stop — already paid", and the note says why', () => {
    const body = liveMessage(view({ state: 'generating', percent: 10, paid: true }));
    expect(buttons(body)).toEqual([
      { type: 2, style: 4, label: '⏹ Stop — already paid', custom_id: `cancel:${JOB}` },
    ]);
    expect(embedOf(body).footer?.text).toBe(PAID_NOTE);
    expect(parseAction(buttons(body)[0]?.custom_id ?? '')).toEqual({ kind: 'cancel', jobId: JOB });
  });

  it('no button once the clip is being sent, or while a cancel is under way', () => {
    expect(buttons(liveMessage(view({ state: 'sending' })))).toEqual([]);
    const stopping = liveMessage(view({ state: 'generating', paid: true, cancelling: true }));
    expect(buttons(stopping)).toEqual([]);
    expect(embedOf(stopping).title).toBe('⏹ Stopping…');
    expect(embedOf(liveMessage(view({ cancelling: true }))).title).toBe('🚫 Cancelling…');
  });

  it('quotes the prompt, cut short, within embed limits', () => {
    const body = liveMessage(
      view({ state: 'generating', percent: 10, prompt: `first line\n${'x'.repeat(5000)}` }),
    );
    expect(embedOf(body).description?.startsWith('> first line\n> x')).toBe(true);
    expect(embedOf(body).description?.length).toBeLessThan(400);
    checkEmbedLimits(embedOf(body));
  });

  it('shows the prompt as typed: its markdown is escaped, never rendered', () => {
    const body = liveMessage(view({ prompt: '**huge** _tilted_ `code` ~~gone~~ ||spoiler||' }));
    expect(embedOf(body).description).toBe(
      '> \\*\\*huge\\*\\* \\_tilted\\_ \\`code\\` \\~\\~gone\\~\\~ \\|\\|spoiler\\|\\|',
    );
  });
});

describe('finalMessage: how a job ended', () => {
  const job: JobFacts = {
    jobId: JOB,
    model: 'kling-o3-pro',
    duration: 8,
    prompt: '',
    userId: '42',
    credits: 1_350,
  };

  it('done: how long it took, the clip, its cost, and Again', () => {
    const body = finalMessage({ kind: 'clip' }, job, 65_000);
    expect(embedOf(body).title).toBe('✅ Done in 1m 05s');
    expect(embedOf(body).description).toBe('Here is your clip.');
    expect(embedOf(body).color).toBe(STATE_COLOURS.done);
    expect(field(body, 'Model')).toBe('kling-o3-pro');
    expect(field(body, 'Cost')).toBe('1,350 credits');
    expect(field(body, 'Requested by')).toBe('<@42>');
    expect(buttons(body)).toEqual([{ type: 2, style: 2, label: '🔁 Again', custom_id: `again:${JOB}` }]);
  });

  it('a link: its size, the URL, and how long the link lives', () => {
    const url = 'https://cdn.provider.example/out/clip.mp4?sig=1';
    const body = finalMessage({ kind: 'link', size: 80 * 1024 * 1024, url }, job);
    expect(embedOf(body).description).toBe(
      `At 80 MB the clip is too big to upload here, so here is a link (download it soon: the provider's links expire within a day):\n${url}`,
    );
    const expiresAt = NOW + 24 * 3_600_000;
    const dated = finalMessage({ kind: 'link', size: 30 * 1024 * 1024, expiresAt }, job);
    expect(embedOf(dated).description).toContain(`the link expires <t:${expiresAt / 1000}:R>`);
  });

  it('a failure the provider reported: the reason, and that it did not count', () => {
    const body = finalMessage({ kind: 'failure', error: { id: 'content-rejected' }, refunded: true }, job);
    expect(embedOf(body).title).toBe('❌ Failed');
    expect(embedOf(body).description).toBe(
      "The video provider's content filter rejected this request. Try a different prompt or image.\nThis one did not count against your quota.",
    );
    expect(buttons(body)).toEqual([]);
  });

  it('a time-out after the provider started: it counts, and says so', () => {
    const body = finalMessage({ kind: 'failure', error: { id: 'timeout' }, refunded: false }, job);
    expect(embedOf(body).description).toBe(
      'This took too long and was stopped.\nThe provider had already started on it, so it counts against your quota.',
    );
  });

  it('cancelled before the provider started vs stopped after: refunded or not', () => {
    const cancelled = finalMessage({ kind: 'failure', error: { id: 'cancelled' }, refunded: true }, job);
    expect(embedOf(cancelled).title).toBe('🚫 Cancelled');
    expect(field(cancelled, 'Cost')).toBe('~~1,350 credits~~ refunded');
    expect(embedOf(cancelled).description).toBe('This one did not count against your quota.');
    const stopped = finalMessage({ kind: 'failure', error: { id: 'cancelled' }, refunded: false }, job);
    expect(embedOf(stopped).title).toBe('⏹ Stopped');
    expect(embedOf(stopped).description).toBe(
      'The provider had already started on it, so it counts against your quota.',
    );
    expect(embedOf(stopped).color).toBe(STATE_COLOURS.stopped);
    expect(field(stopped, 'Cost')).toBe('1,350 credits');
  });

  it('a clip that could not be posted says so, without a quota note', () => {
    const body = finalMessage({ kind: 'failure', error: { id: 'delivery-failed' }, refunded: false }, job);
    expect(embedOf(body).description).toBe(
      "The clip was made, but I couldn't post it here. An admin can find it in the logs.",
    );
  });

  it('the prompt is quoted above the outcome', () => {
    const body = finalMessage({ kind: 'clip' }, { ...job, prompt: 'a fox' });
    expect(embedOf(body).title).toBe('✅ Done');
    expect(embedOf(body).description).toBe('> a fox\n\nHere is your clip.');
    checkEmbedLimits(embedOf(body));
  });
});

describe('the desk’s documents in Discord markdown', () => {
  const o1 = CATALOG.find((m) => m.id === 'kling-o1')!;
  const help = (catalog: readonly ModelSpec[] = CATALOG) =>
    renderDoc(helpDoc(catalog, discordHelpWords(catalog)));

  it('help: every command, the options by their names, how to attach, the buttons, examples; one message', () => {
    const text = help();
    for (const c of ['/video', '/reference', '/models', '/quota', '/history', '/cancel', '/help', '/admin'])
      expect(text).toContain(c);
    for (const o of [
      '`model`',
      '`duration`',
      '`aspect_ratio`',
      '`negative_prompt`',
      '`mode`',
      '`cfg_scale`',
      '`sound`',
    ]) {
      expect(text).toContain(o);
    }
    expect(text).toContain(
      'attach an image as `first_frame` to animate it, and one as `last_frame` to end on',
    );
    expect(text).toContain('`image1` … `image7`, and a video as `reference_video`');
    expect(text).toMatch(/\*\*Cancel\*\*.*\*\*Again\*\*/);
    expect(text).toContain(
      '`/video prompt: a red fox running through fresh snow, slow motion duration: 10 aspect_ratio: 9:16 negative_prompt: blurry, text`',
    );
    expect(text).toContain('model: kling-o1 mode: pro');
    expect(text).toContain('sound: True');
    expect(text.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('help follows the catalog: no /reference, and no option no model takes', () => {
    const text = help([{ ...o1, id: 'kling-3', durations: [5, 12] } satisfies ModelSpec]);
    expect(text).toContain('duration: 12');
    expect(text).not.toContain('/reference');
    expect(text).not.toContain('`negative_prompt`');
    expect(text).not.toContain('`sound`');
  });

  it('models: every model, its options by their names, credits; in brief when the details pass one message', () => {
    const text = renderDoc(modelsDoc(CATALOG));
    for (const m of CATALOG) expect(text).toContain(`\`${m.id}\``);
    expect(text).toContain('`kling-2.5-turbo-pro` — default for /video');
    expect(text).toContain('`kling-o3-pro` — default for /reference');
    expect(text).toContain('Quality (`mode`): std (default), pro');
    expect(text).toContain('Takes: `negative_prompt`, `cfg_scale`');
    expect(text).toContain('Choose one with `model`');
    // Ten models' details pass Discord's 2,000 characters: /models then gives a line each.
    expect(text.length).toBeGreaterThan(MESSAGE_LIMIT);
    const brief = renderDoc(modelsDoc(CATALOG, { detail: 'brief' }));
    for (const m of CATALOG) expect(brief).toContain(`\`${m.id}\``);
    expect(brief).toContain(
      '▸ **Kling**\n`kling-2.5-turbo-pro` text, image, first+last · 5 or 10 s · from 175',
    );
    expect(brief).toContain('Choose one with `model`');
    expect(brief.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });

  it('quota: the credits left, about how many clips, what was used, and the reset in the reader’s own time', () => {
    const resetsAt = Date.UTC(2026, 10, 22);
    const t = resetsAt / 1000;
    const clip = { model: 'kling-2.5-turbo-pro', credits: 175 };
    const open = { kind: 'open', used: 350, inFlight: 1, limit: 875, left: 525, resetsAt, clip } as const;
    expect(renderDoc(quotaDoc(open))).toBe(
      `## 🎬 525 credits left today\n≈ 3 clips of kling-2.5-turbo-pro (175 credits each).\nUsed today: 350 of 875 credits (1 in progress).\nResets <t:${t}:R> (<t:${t}:t>).`,
    );
    // The server's budget caps what a member can spend: 200 credits buy one clip.
    expect(renderDoc(quotaDoc({ ...open, budget: { used: 1_000, limit: 1_200 } }))).toMatch(
      /≈ 1 clip of kling-2\.5-turbo-pro \(175 credits each\)\.\nUsed today: 350 of 875 credits \(1 in progress\)\.\n.*budget.*: 200 credits left of 1,200 today\./,
    );
    expect(renderDoc(quotaDoc({ kind: 'closed' }))).toBe('## 🚫 This bot is not taking video requests here.');
  });
});
