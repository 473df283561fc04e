import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { createTelegramDelivery } from '../../../src/bots/telegram/delivery.js';
import { BOT_COMMANDS } from '../../../src/bots/telegram/texts.js';
import { userKey } from '../../../src/core/request.js';
import { cancelKey } from '../../../src/jobs/queues.js';
import { everythingSent } from '../../helpers/harness.js';
import {
  replyTo,
  type Scene,
  statusTexts,
  TG_TOKEN,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

const aliceKey = userKey({ platform: 'telegram', userId: '1001' });

/** The status message of a request: the bot's reply carrying the Cancel button. */
const statusOf = (s: Scene, request: Message): Promise<Message> =>
  s.h.tg.waitForMessage(
    s.chat.id,
    (m) => m.reply_to_message?.message_id === request.message_id && /Queued/.test(m.text ?? ''),
  );

/** The callback data of a status message's Cancel button. */
const cancelData = (status: Message): string => {
  const button = status.reply_markup?.inline_keyboard[0]?.[0];
  if (!button || !('callback_data' in button)) throw new Error('the status message has no Cancel button');
  return button.callback_data;
};

/** Waits until a message's current text matches. */
const messageMatching = (s: Scene, chatId: number, messageId: number, pattern: RegExp, timeoutMs = 15_000) =>
  s.h.tg.waitForMessage(chatId, (m) => m.message_id === messageId && pattern.test(m.text ?? ''), timeoutMs);

describe('telegram bot: quota, cancel and failures', () => {
  it('an exhausted quota gets a reply saying when it resets, and nothing more is queued', async () => {
    const s = await scene({ env: { QUOTA_DAILY_VIDEOS: '1' } });
    const first = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox in the snow' });
    await videoFor(s.h, first);
    const second = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a second fox' });
    const reply = await replyTo(s.h, s.chat, second);
    expect(reply.text).toMatch(/used your 1 videos for today.*resets at 00:00 UTC/);
    expect(s.h.rh.submitCount()).toBe(1);
    expect((await s.h.app.quota.usage(aliceKey)).used).toBe(1);
  });

  it('Cancel by the requester stops the job and refunds; by anyone else it is refused', async () => {
    const s = await scene({ pollsToComplete: 10_000 });
    const group = s.h.tg.groupChat();
    const bob = s.h.tg.user(2002, 'Bob');
    const request = s.h.tg.send({ chat: group, from: s.alice, text: '/video a slow sunrise' });
    const status = await s.h.tg.waitForMessage(
      group.id,
      (m) => m.reply_to_message?.message_id === request.message_id,
    );
    await waitFor(() => s.h.rh.submitCount() === 1);

    const refused = s.h.tg.press(status, cancelData(status), bob);
    const refusal = await waitFor(
      () => s.h.tg.callbackAnswer(refused) as { text?: string; show_alert?: boolean },
    );
    expect(refusal).toMatchObject({
      text: expect.stringMatching(/Only the person who asked/),
      show_alert: true,
    });
    const [job] = await s.h.app.queues.generate.getJobs(['active', 'delayed', 'waiting']);
    expect(await s.h.app.redis.exists(cancelKey(s.h.prefix, job?.id as string))).toBe(0);

    const accepted = s.h.tg.press(status, cancelData(status), s.alice);
    expect(await waitFor(() => s.h.tg.callbackAnswer(accepted) as { text?: string })).toMatchObject({
      text: 'Cancelling…',
    });
    const cancelled = await messageMatching(s, group.id, status.message_id, /^🚫 Cancelled\./);
    expect(cancelled.text).toMatch(/did not count against your quota/);
    expect(cancelled.reply_markup).toBeUndefined();
    expect((await s.h.app.quota.usage(aliceKey)).used).toBe(0);
    expect(s.h.tg.calls('sendVideo')).toHaveLength(0);
  });

  it('/cancel cancels every queued or running job of the sender, and only theirs', async () => {
    const s = await scene({ pollsToComplete: 10_000 });
    const bob = s.h.tg.user(2002, 'Bob');
    const bobChat = s.h.tg.privateChat(bob);
    const a1 = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video one' });
    const a2 = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video two' });
    const b1 = s.h.tg.send({ chat: bobChat, from: bob, text: '/video bob keeps his' });
    const statuses = await Promise.all([statusOf(s, a1), statusOf(s, a2)]);
    await s.h.tg.waitForMessage(bobChat.id, (m) => m.reply_to_message?.message_id === b1.message_id);
    const cancel = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/cancel' });
    expect((await replyTo(s.h, s.chat, cancel)).text).toMatch(/Cancelling 2 jobs/);
    for (const st of statuses) await messageMatching(s, s.chat.id, st.message_id, /^🚫 Cancelled/);
    expect((await s.h.app.quota.usage(aliceKey)).used).toBe(0);
    expect((await s.h.app.quota.usage(userKey({ platform: 'telegram', userId: '2002' }))).used).toBe(1);

    const again = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/cancel' });
    expect((await replyTo(s.h, s.chat, again)).text).toMatch(/nothing queued or running/);
  });

  it('a failure edits the status message with the reason and says the quota was refunded', async () => {
    const s = await scene();
    s.h.rh.server.inject('content-rejected', { on: 'submit', times: 10 });
    s.h.rw.server.inject('content-rejected', { on: 'submit', times: 10 });
    const request = s.h.tg.send({
      chat: s.chat,
      from: s.alice,
      text: '/video something the filter dislikes',
    });
    const status = await statusOf(s, request);
    const failed = await messageMatching(s, s.chat.id, status.message_id, /^❌/);
    expect(failed.text).toMatch(/content filter rejected this request/);
    expect(failed.text).toMatch(/did not count against your quota/);
    expect((await s.h.app.quota.usage(aliceKey)).used).toBe(0);
  });

  it('when the bot that posted the status is gone, the worker shows the outcome in it', async () => {
    const s = await scene({ pollsToComplete: 20 });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox, unattended' });
    const status = await statusOf(s, request);
    // The bot process dies: no more edits, and its heartbeat lapses.
    await s.h.telegram.tracker.stop();
    const beats = await s.h.app.redis.keys(`${s.h.prefix}:tg:instance:*`);
    expect(beats).toHaveLength(1);
    await s.h.app.redis.del(...beats);
    await videoFor(s.h, request);
    const shown = await messageMatching(s, s.chat.id, status.message_id, /^✅ Done/);
    expect(shown.reply_markup).toBeUndefined();
  });

  it('with no live bot owning the status, the worker answers a failure itself, once', async () => {
    const s = await scene();
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/help' });
    await replyTo(s.h, s.chat, request);
    const delivery = createTelegramDelivery({
      api: s.h.telegram.bot.api,
      store: s.h.store,
      logger: s.h.logger,
      token: TG_TOKEN,
      attachWaitMs: 50,
    });
    const ctx = {
      jobId: 'job-without-status',
      target: { kind: 'telegram' as const, chatId: s.chat.id, messageId: request.message_id },
      requester: { platform: 'telegram' as const, userId: '1001' },
      request: {
        model: 'kling-2.5-turbo-pro',
        mode: 'text' as const,
        prompt: 'x',
        duration: 5,
        images: {},
        credits: 1,
      },
    };
    await delivery.deliverFailure(ctx, { id: 'timeout' });
    await delivery.deliverFailure(ctx, { id: 'timeout' });
    const notices = s.h.tg
      .messages(s.chat.id, { fromBot: true })
      .filter((m) => /took too long/.test(m.text ?? ''));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.reply_to_message?.message_id).toBe(request.message_id);
  });
});

describe('telegram bot: delivery and rate limits', () => {
  it('a clip over the upload limit arrives as a link to the provider result', async () => {
    const s = await scene({ uploadLimit: 1_000 });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a very long epic' });
    const status = await statusOf(s, request);
    const link = await s.h.tg.waitForMessage(
      s.chat.id,
      (m) => m.reply_to_message?.message_id === request.message_id && /here is a link/.test(m.text ?? ''),
      20_000,
    );
    const url = /(http:\/\/\S+)/.exec(link.text ?? '')?.[1] as string;
    expect((await fetch(url).then((r) => r.arrayBuffer())).byteLength).toBe(s.h.rh.video.length);
    await messageMatching(s, s.chat.id, status.message_id, /sent as a link|as a link/);
    expect(s.h.tg.calls('sendVideo')).toHaveLength(0);
  });

  it('a 429 on a status edit is honoured (no call to the message before retry_after) and the clip still arrives', async () => {
    const s = await scene({ pollsToComplete: 30, status: { editIntervalMs: 600, tickMs: 25 } });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a patient heron' });
    const status = await statusOf(s, request);
    s.h.tg.rateLimit('editMessageText', 2);
    await videoFor(s.h, request, 30_000);
    await messageMatching(s, s.chat.id, status.message_id, /^✅ Done/);

    const edits = s.h.tg.calls('editMessageText').filter((c) => c.params.message_id === status.message_id);
    const limited = edits.findIndex((c) => c.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const next = edits[limited + 1];
    expect(next).toBeDefined();
    expect((next?.at ?? 0) - (edits[limited]?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    // Successful edits (and the first post) keep the pace of one per interval.
    const posted = s.h.tg
      .calls('sendMessage')
      .find((c) => (c.response as { result?: Message })?.result?.message_id === status.message_id);
    const times = [posted?.at ?? 0, ...edits.filter((c) => c.status === 200).map((c) => c.at)];
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(600);
  });

  it('at the production pace a status message is edited at most once per 5 s', async () => {
    const s = await scene({ pollsToComplete: 40, productionPacing: true, env: { POLL_INTERVAL_MS: '250' } });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a glacier, slowly' });
    const status = await statusOf(s, request);
    await videoFor(s.h, request, 40_000);
    await messageMatching(s, s.chat.id, status.message_id, /^✅ Done/, 20_000);
    const texts = statusTexts(s.h, s.chat.id, status.message_id);
    expect(texts.length).toBeGreaterThanOrEqual(3);
    const edits = s.h.tg.calls('editMessageText').filter((c) => c.params.message_id === status.message_id);
    const posted = s.h.tg
      .calls('sendMessage')
      .find((c) => (c.response as { result?: Message })?.result?.message_id === status.message_id);
    const times = [posted?.at ?? 0, ...edits.map((c) => c.at)];
    for (let i = 1; i < times.length; i++)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(5_000);
  }, 60_000);
});

describe('telegram bot: commands and modes', () => {
  it('sets its command list at start and answers /start, /help, /models and /quota', async () => {
    const s = await scene();
    expect(s.h.tg.commands()).toEqual(BOT_COMMANDS);
    const start = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/start' });
    expect((await replyTo(s.h, s.chat, start)).text).toMatch(/\/video/);
    const models = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/models' });
    const modelsReply = (await replyTo(s.h, s.chat, models)).text ?? '';
    for (const id of ['kling-2.5-turbo-pro', 'kling-o1', 'kling-o3-pro']) expect(modelsReply).toContain(id);
    const quota = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/quota' });
    expect((await replyTo(s.h, s.chat, quota)).text).toMatch(/0 of 5|5 left/);
  });

  it('in webhook mode it registers a secret route and takes updates there, refusing a wrong secret', async () => {
    const s = await scene({ webhook: true });
    const hook = s.h.tg.webhook;
    expect(hook?.url).toBe(`${s.h.http?.url}${s.h.telegram.webhookPath}`);
    expect(hook?.secret_token).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(s.h.telegram.webhookPath).not.toContain(TG_TOKEN);

    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox by webhook' });
    await videoFor(s.h, request);
    expect(s.h.tg.calls('getUpdates')).toHaveLength(0);

    const forged = await fetch(hook?.url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: JSON.stringify({
        update_id: 999,
        message: { message_id: 99, date: 0, chat: s.chat, from: s.alice, text: '/help' },
      }),
    });
    expect(forged.status).toBe(401);
    expect(everythingSent(s.h.rh)).not.toContain(TG_TOKEN);
    expect(s.h.logs.join('\n')).not.toContain(TG_TOKEN);
  });
});

describe('telegram bot: without Redis', () => {
  it('a valid /video is answered "busy" at once', async () => {
    const s = await scene({ workers: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox in the snow' });
    const reply = await replyTo(s.h, s.chat, request);
    expect(reply.text).toMatch(/busy right now\. Please try again in a minute/);
    expect(reply.reply_markup).toBeUndefined();
  });
});
