import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import {
  CANCEL_ALL_LABEL,
  CANCEL_ANSWERS,
  jobLabel,
  stoppedText,
  WHICH_TO_CANCEL,
} from '../../../src/desk/content.js';
import { PAID_NOTE } from '../../../src/desk/status.js';
import { CLIP_CREDITS, memberUsage } from '../../helpers/harness.js';
import {
  answerTo,
  buttonMatching,
  messageMatching,
  replyTo,
  type Scene,
  statusOf,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

const aliceKey = userKey({ platform: 'telegram', userId: '1001' });

/** Alice asks for a clip; resolves with its status once the provider has the task (the paid state). */
async function paidJob(s: Scene, prompt: string): Promise<{ status: Message; jobId: string }> {
  const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: `/video ${prompt}` });
  const status = await statusOf(s.h, s.chat, request);
  const stop = await buttonMatching(s.h, status, /^⏹ Stop — already paid$/);
  await messageMatching(s.h, s.chat.id, status.message_id, new RegExp(PAID_NOTE));
  return { status, jobId: stop.callback_data?.slice('cancel:'.length) as string };
}

/** Alice sends /cancel; resolves with the bot's reply. */
const cancelCommand = async (s: Scene): Promise<Message> =>
  replyTo(s.h, s.chat, s.h.tg.send({ chat: s.chat, from: s.alice, text: '/cancel' }));

const stopped = (s: Scene, status: Message) =>
  messageMatching(s.h, s.chat.id, status.message_id, /^⏹ Stopped\./);

describe('telegram bot: /cancel', () => {
  it('with one job stops it; with several it asks which, stops only the one chosen, or all of them', async () => {
    const s = await scene({ pollsToComplete: 10_000 });
    const bob = s.h.tg.user(2002, 'Bob');
    const bobChat = s.h.tg.privateChat(bob);
    const bobs = await statusOf(
      s.h,
      bobChat,
      s.h.tg.send({ chat: bobChat, from: bob, text: '/video bob keeps his' }),
    );

    const only = await paidJob(s, 'the only one');
    expect((await cancelCommand(s)).text).toBe(CANCEL_ANSWERS.stopping);
    expect((await stopped(s, only.status)).text).toMatch(/counts against your quota/);

    const jobs = [
      await paidJob(s, 'first of three'),
      await paidJob(s, 'second of three'),
      await paidJob(s, 'third'),
    ];
    const choice = await cancelCommand(s);
    expect(choice.text).toBe(WHICH_TO_CANCEL);
    const views = await Promise.all(jobs.map((j) => s.h.desk.status(j.jobId)));
    expect(s.h.tg.buttons(choice)).toEqual([
      ...views.map((v) => ({ text: jobLabel(v!), callback_data: `cancel:${v?.jobId}` })),
      { text: CANCEL_ALL_LABEL, callback_data: 'cancel:all' },
    ]);
    expect(s.h.tg.buttons(choice)[1]?.text).toMatch(/second of three.*\(already paid\)$/);

    const [first, second, third] = jobs as [(typeof jobs)[0], (typeof jobs)[0], (typeof jobs)[0]];
    const one = s.h.tg.press(choice, `cancel:${second.jobId}`, s.alice);
    expect((await answerTo(s.h, one)).text).toBe(CANCEL_ANSWERS.stopping);
    await stopped(s, second.status);
    for (const other of [first, third]) expect((await s.h.desk.status(other.jobId))?.cancelling).toBe(false);

    const again = await cancelCommand(s);
    expect(s.h.tg.buttons(again).map((b) => b.callback_data)).toEqual([
      `cancel:${first.jobId}`,
      `cancel:${third.jobId}`,
      'cancel:all',
    ]);
    const all = s.h.tg.press(again, { text: CANCEL_ALL_LABEL }, s.alice);
    expect((await answerTo(s.h, all)).text).toBe(
      stoppedText([{ outcome: 'stopping' }, { outcome: 'stopping' }]),
    );
    await Promise.all([stopped(s, first.status), stopped(s, third.status)]);

    expect((await cancelCommand(s)).text).toMatch(/nothing queued or running/);
    // Bob's job was never Alice's to stop.
    const bobsJob = (await buttonMatching(s.h, bobs, /Cancel|Stop/)).callback_data?.slice('cancel:'.length);
    expect((await s.h.desk.status(bobsJob as string))?.cancelling).toBe(false);
    expect(s.h.tg.message(bobChat.id, bobs.message_id)?.text).not.toMatch(/Stopp|Cancell/);
    await waitFor(async () => (await memberUsage(s.h.app, aliceKey)).inFlight === 0);
    expect((await memberUsage(s.h.app, aliceKey)).used).toBe(4 * CLIP_CREDITS);
  });
});

describe('telegram bot: the money rule', () => {
  it('with a quota of one, three rounds of "/video, wait until paid, stop" make one provider submit in all', async () => {
    const s = await scene({ pollsToComplete: 10_000, env: { QUOTA_DAILY_VIDEOS: '1' } });
    const { status } = await paidJob(s, 'round one');
    const press = s.h.tg.press(status, { text: '⏹ Stop — already paid' }, s.alice);
    expect((await answerTo(s.h, press)).text).toBe(CANCEL_ANSWERS.stopping);
    const shown = await stopped(s, status);
    expect(shown.text).toBe(
      '⏹ Stopped.\nThe provider had already started on it, so it counts against your quota.\nkling-2.5-turbo-pro · 5s · 175 credits',
    );
    expect(shown.reply_markup).toBeUndefined();
    await waitFor(async () => (await memberUsage(s.h.app, aliceKey)).inFlight === 0);

    for (const round of ['round two', 'round three']) {
      const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: `/video ${round}` });
      const reply = await replyTo(s.h, s.chat, request);
      expect(reply.text).toMatch(
        /^This clip costs 175 credits and you have 0 credits of your 175 left today\./,
      );
      expect(reply.reply_markup).toBeUndefined();
    }
    expect(s.h.rh.submitCount() + s.h.rw.submitCount()).toBe(1);
    expect((await memberUsage(s.h.app, aliceKey)).used).toBe(CLIP_CREDITS);
  });

  it('a cancel before the provider has the task stops it and gives the unit back', async () => {
    // One worker slot, taken by a first job whose submit the provider holds: the second one waits.
    const s = await scene({ env: { WORKER_CONCURRENCY: '1' } });
    s.h.rh.server.hold('submit');
    const first = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video first in line' });
    const held = await s.h.rh.server.nextHeld();
    const second = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video second in line' });
    const status = await statusOf(s.h, s.chat, second);
    expect(status.text).toMatch(/^⏳ Queued/);
    expect(s.h.tg.buttons(status)).toEqual([expect.objectContaining({ text: '✖️ Cancel' })]);

    const press = s.h.tg.press(status, { text: '✖️ Cancel' }, s.alice);
    expect((await answerTo(s.h, press)).text).toBe(CANCEL_ANSWERS.cancelling);
    held.release();
    const cancelled = await messageMatching(s.h, s.chat.id, status.message_id, /^🚫 Cancelled\./);
    expect(cancelled.text).toBe(
      '🚫 Cancelled.\nThis one did not count against your quota.\nkling-2.5-turbo-pro · 5s · 175 credits given back',
    );
    await videoFor(s.h, first);
    await waitFor(async () => (await memberUsage(s.h.app, aliceKey)).inFlight === 0);
    expect((await memberUsage(s.h.app, aliceKey)).used).toBe(CLIP_CREDITS);
    expect(s.h.rh.submitCount() + s.h.rw.submitCount()).toBe(1);
  });
});
