import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import { CANCEL_ALL_LABEL, NOTHING_TO_CANCEL, WHICH_TO_CANCEL } from '../../../src/desk/content.js';
import { PAID_NOTE } from '../../../src/desk/status.js';
import {
  buttonIds,
  buttonLabels,
  type DiscordHarness,
  discordHarnesses,
  OPT,
  textOf,
} from '../../helpers/discord.js';
import { CLIP_CREDITS } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Stopping a job on Discord — the status's button and `/cancel` — and the money rule: before the
 * provider has accepted the task, a cancel refunds; after, it stops the job and the charge stays.
 */

const harness = discordHarnesses();

const title = (m: APIMessage): string => m.embeds?.[0]?.title ?? '';

/** Starts a /video and returns its interaction and, once the status is posted, its job id. */
async function video(t: DiscordHarness, prompt: string): Promise<{ token: string; jobId: string }> {
  const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: prompt }]);
  const status = await t.reply(i.token, (m) => buttonIds(m).length > 0);
  const jobId = (buttonIds(status)[0] as string).replace(/^cancel:/, '');
  return { token: i.token, jobId };
}

/** The status once the provider has the task: the button says what a press now means. */
const paid = (t: DiscordHarness, token: string) =>
  t.reply(token, (m) => buttonLabels(m).includes('⏹ Stop — already paid'));

const submits = (t: DiscordHarness): number => t.rh.submitCount() + t.rw.submitCount();

/** Alice's credits today in the guild; every clip here is a 5 s one of the default model. */
const used = async (t: DiscordHarness): Promise<number> =>
  (await t.app.credits.usage(userKey(t.aliceRequester), `discord:${t.guild.id}`)).used;

describe('discord bot: /cancel', () => {
  it('with nothing running, says so', async () => {
    const t = await harness();
    const i = t.run('cancel');
    expect((await t.answer(i.token)).content).toBe(NOTHING_TO_CANCEL);
  });

  it('with two jobs, offers a choice; a job’s button stops that one only; then /cancel stops the last', async () => {
    const t = await harness({ pollsToComplete: 10_000 });
    const first = await video(t, 'a fox in the snow');
    const second = await video(t, 'an owl at night');
    await waitFor(() => submits(t) === 2, { what: 'both jobs at the provider' });
    await paid(t, first.token);
    await paid(t, second.token);

    const i = t.run('cancel');
    const choice = await t.answer(i.token);
    expect(choice.content).toBe(WHICH_TO_CANCEL);
    // Oldest first; each label says the job is already paid; then "all of them".
    expect(buttonIds(choice)).toEqual([`cancel:${first.jobId}`, `cancel:${second.jobId}`, 'cancel:all']);
    expect(buttonLabels(choice)).toEqual([
      'kling-2.5-turbo-pro · 5s · “a fox in the snow” (already paid)',
      'kling-2.5-turbo-pro · 5s · “an owl at night” (already paid)',
      CANCEL_ALL_LABEL,
    ]);

    const pressed = t.dc.press(choice, `cancel:${second.jobId}`, t.alice);
    expect((await t.answer(pressed.token)).content).toBe(
      'Stopping… the provider had already started on it, so it still counts against your quota.',
    );
    const stopped = await t.reply(second.token, (m) => /Stopped/.test(title(m)));
    expect(textOf(stopped)).toContain(
      'The provider had already started on it, so it counts against your quota.',
    );
    // The other one goes on.
    expect((await t.desk.status(first.jobId))?.cancelling).toBe(false);
    expect(buttonLabels(t.dc.original(first.token) as APIMessage)).toEqual(['⏹ Stop — already paid']);

    const again = t.run('cancel');
    expect((await t.answer(again.token)).content).toMatch(/^Stopping… the provider had already started/);
    await t.reply(first.token, (m) => /Stopped/.test(title(m)));
    expect(submits(t)).toBe(2);
    expect(await used(t)).toBe(2 * CLIP_CREDITS);
  });

  it('"All of them" stops every job; queued ones are refunded', async () => {
    // No workers yet: both jobs wait in the queue, and nothing reached a provider.
    const t = await harness({ workers: false });
    const first = await video(t, 'a fox in the snow');
    const second = await video(t, 'an owl at night');
    const i = t.run('cancel');
    const choice = await t.answer(i.token);
    expect(buttonLabels(choice)).toEqual([
      'kling-2.5-turbo-pro · 5s · “a fox in the snow”',
      'kling-2.5-turbo-pro · 5s · “an owl at night”',
      CANCEL_ALL_LABEL,
    ]);
    const all = t.dc.press(choice, 'cancel:all', t.alice);
    expect((await t.answer(all.token)).content).toBe(
      "Stopping 2 videos. They won't count against your quota.",
    );
    t.startWorkers();
    for (const job of [first, second]) {
      const final = await t.reply(job.token, (m) => /Cancelled/.test(title(m)));
      expect(textOf(final)).toContain('This one did not count against your quota.');
    }
    expect(submits(t)).toBe(0);
    expect(await used(t)).toBe(0);
  });

  it('another member’s /cancel does not see my jobs', async () => {
    const t = await harness({ workers: false });
    await video(t, 'a fox in the snow');
    const bob = t.dc.user(undefined, 'bob');
    const i = t.run('cancel', [], { user: bob });
    expect((await t.answer(i.token)).content).toBe(NOTHING_TO_CANCEL);
  });
});

describe('discord bot: the money rule', () => {
  it('quota 1: three rounds of /video, wait for "already paid", press it — one provider submit in all', async () => {
    const t = await harness({ pollsToComplete: 10_000, env: { QUOTA_DAILY_VIDEOS: '1' } });
    for (let round = 1; round <= 3; round++) {
      const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: `a fox, round ${round}` }]);
      const status = await t.reply(
        i.token,
        (m) => buttonLabels(m).includes('⏹ Stop — already paid') || /left today/.test(m.content ?? ''),
      );
      if (round > 1) {
        // The stopped job counted: the day's credits are spent.
        expect(status.content).toMatch(
          new RegExp(
            `^This clip costs ${CLIP_CREDITS} credits and you have 0 credits of your ${CLIP_CREDITS} left today\\.`,
          ),
        );
        continue;
      }
      expect(status.embeds?.[0]?.footer?.text).toBe(PAID_NOTE);
      const pressed = t.dc.press(status, buttonIds(status)[0] as string, t.alice);
      expect((await t.answer(pressed.token)).content).toBe(
        'Stopping… the provider had already started on it, so it still counts against your quota.',
      );
      const final = await t.reply(i.token, (m) => /Stopped/.test(title(m)));
      expect(title(final)).toBe('⏹ Stopped');
      expect(textOf(final)).toContain('counts against your quota');
      expect(final.components ?? []).toHaveLength(0);
    }
    expect(submits(t)).toBe(1);
    expect(await used(t)).toBe(CLIP_CREDITS);
  });

  it('quota 1: a cancel before the provider accepted refunds, and the next /video is taken', async () => {
    const t = await harness({ workers: false, env: { QUOTA_DAILY_VIDEOS: '1' } });
    const first = await video(t, 'a fox in the snow');
    const status = t.dc.original(first.token) as APIMessage;
    expect(buttonLabels(status)).toEqual(['✖️ Cancel']);
    expect(status.embeds?.[0]?.footer).toBeUndefined();
    const pressed = t.dc.press(status, `cancel:${first.jobId}`, t.alice);
    expect((await t.answer(pressed.token)).content).toBe(
      "Cancelling… this one won't count against your quota.",
    );
    t.startWorkers();
    const final = await t.reply(first.token, (m) => /Cancelled/.test(title(m)));
    expect(title(final)).toBe('🚫 Cancelled');
    expect(textOf(final)).toContain('This one did not count against your quota.');
    expect(submits(t)).toBe(0);
    expect(await used(t)).toBe(0);

    const next = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a fox, again' }]);
    const clip = await t.reply(next.token, (m) => (m.attachments?.length ?? 0) > 0);
    expect(title(clip)).toMatch(/^✅ Done/);
    expect(submits(t)).toBe(1);
    expect(await used(t)).toBe(CLIP_CREDITS);
  });

  it('the provider reports the task failed after submit: "Failed", and it did not count', async () => {
    const t = await harness({ providers: ['runninghub'], pollsToComplete: 3 });
    t.rh.server.inject('task-failed', { on: 'submit' });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a fox that fails' }]);
    const final = await t.reply(i.token, (m) => /Failed/.test(title(m)));
    expect(textOf(final)).toContain(
      'The video provider failed to make this clip.\nThis one did not count against your quota.',
    );
    expect(submits(t)).toBe(1);
    expect(await used(t)).toBe(0);
  });

  it('a time-out after submit counts, and says so', async () => {
    const t = await harness({ pollsToComplete: 10_000, env: { JOB_DEADLINE_MS: '1500' } });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a fox that takes forever' }]);
    await paid(t, i.token);
    const final = await t.reply(i.token, (m) => /Failed/.test(title(m)), 30_000);
    expect(textOf(final)).toContain(
      'This took too long and was stopped.\nThe provider had already started on it, so it counts against your quota.',
    );
    expect(await used(t)).toBe(CLIP_CREDITS);
  });
});
