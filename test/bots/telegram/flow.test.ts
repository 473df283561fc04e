import { writeFile } from 'node:fs/promises';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { createTelegramDelivery } from '../../../src/bots/telegram/delivery.js';
import { botCommands } from '../../../src/bots/telegram/words.js';
import { CATALOG } from '../../../src/catalog/models.js';
import type { DeliveryContext } from '../../../src/core/ports.js';
import { userKey } from '../../../src/core/request.js';
import { CANCEL_ANSWERS } from '../../../src/desk/content.js';
import { AGAIN_LABEL } from '../../../src/desk/delivered.js';
import { cancelKey } from '../../../src/jobs/queues.js';
import { CLIP_CREDITS, everythingSent, memberUsage } from '../../helpers/harness.js';
import { clipMp4 } from '../../helpers/media.js';
import {
  messageMatching,
  replyTo,
  type Scene,
  statusOf,
  statusTexts,
  TG_TOKEN,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

const aliceKey = userKey({ platform: 'telegram', userId: '1001' });

/** A worker's delivery of its own, beside the harness's. */
const deliveryOf = (s: Scene) =>
  createTelegramDelivery({
    api: s.h.telegram.bot.api,
    store: s.h.store,
    logger: s.h.logger,
    token: TG_TOKEN,
    attachWaitMs: 50,
  });

/** What the deliver job hands a delivery for a text clip asked for by `request`. */
const contextFor = (s: Scene, request: Message, jobId: string): DeliveryContext => ({
  jobId,
  target: { platform: 'telegram', data: { chatId: s.chat.id, messageId: request.message_id } },
  requester: { platform: 'telegram', userId: String(s.alice.id), displayName: '@alice' },
  request: { model: 'kling-2.5-turbo-pro', mode: 'text', prompt: 'x', duration: 5, images: {}, credits: 1 },
});

/** The callback data of a status message's Cancel button. */
const cancelData = (status: Message): string => {
  const button = status.reply_markup?.inline_keyboard[0]?.[0];
  if (!button || !('callback_data' in button)) throw new Error('the status message has no Cancel button');
  return button.callback_data;
};

describe('telegram bot: quota, cancel and failures', () => {
  it('an exhausted quota gets a reply saying when it resets, and nothing more is queued', async () => {
    const s = await scene({ env: { QUOTA_DAILY_VIDEOS: '1' } });
    const first = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox in the snow' });
    await videoFor(s.h, first);
    const second = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a second fox' });
    const reply = await replyTo(s.h, s.chat, second);
    expect(reply.text).toBe(
      'This clip costs 175 credits and you have 0 credits of your 175 left today. They reset at 00:00 UTC.',
    );
    expect(s.h.rh.submitCount()).toBe(1);
    expect((await memberUsage(s.h.app, aliceKey)).used).toBe(CLIP_CREDITS);
  });

  it('Cancel by anyone but the requester is refused; by the requester after submit it stops, still charged', async () => {
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
      text: CANCEL_ANSWERS.stopping,
    });
    const stopped = await messageMatching(s.h, group.id, status.message_id, /^⏹ Stopped\./);
    expect(stopped.text).toMatch(/counts against your quota/);
    expect(stopped.reply_markup).toBeUndefined();
    await waitFor(async () => (await memberUsage(s.h.app, aliceKey)).inFlight === 0);
    expect((await memberUsage(s.h.app, aliceKey, `telegram:${group.id}`)).used).toBe(CLIP_CREDITS);
    expect(s.h.tg.calls('sendVideo')).toHaveLength(0);
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
    const status = await statusOf(s.h, s.chat, request);
    const failed = await messageMatching(s.h, s.chat.id, status.message_id, /^❌/);
    expect(failed.text).toMatch(/content filter rejected this request/);
    expect(failed.text).toMatch(/did not count against your quota/);
    expect((await memberUsage(s.h.app, aliceKey)).used).toBe(0);
  });

  it('when the bot that posted the status is gone, the worker shows the outcome and the cost in it', async () => {
    const s = await scene({ pollsToComplete: 20 });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a fox, unattended' });
    const status = await statusOf(s.h, s.chat, request);
    // The bot process goes, and no replica is left to take its status over: its stop removes its
    // heartbeat at once.
    await s.h.telegram.follower.stop();
    expect(await s.h.app.redis.keys(`${s.h.prefix}:tg:instance:*`)).toHaveLength(0);
    await videoFor(s.h, request);
    const shown = await messageMatching(s.h, s.chat.id, status.message_id, /^✅ Done/);
    expect(shown.text).toBe('✅ Done: your clip is below.\nkling-2.5-turbo-pro · 5s · 175 credits');
    expect(shown.reply_markup).toBeUndefined();
  });

  it('with no live bot owning the status, the worker answers a failure itself, once', async () => {
    const s = await scene();
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/help' });
    await replyTo(s.h, s.chat, request);
    const delivery = deliveryOf(s);
    const ctx = contextFor(s, request, 'job-without-status');
    await delivery.deliverFailure(ctx, { error: { id: 'timeout' }, refunded: false });
    await delivery.deliverFailure(ctx, { error: { id: 'timeout' }, refunded: false });
    const notices = s.h.tg
      .messages(s.chat.id, { fromBot: true })
      .filter((m) => /took too long/.test(m.text ?? ''));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toMatch(/counts against your quota/);
    expect(notices[0]?.reply_to_message?.message_id).toBe(request.message_id);
  });
});

describe('telegram bot: delivery and rate limits', () => {
  it('a clip delivery run again (a retried deliver job) posts the clip once, with its Again button', async () => {
    const s = await scene();
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/help' });
    await replyTo(s.h, s.chat, request);
    const path = s.h.out('clip.mp4');
    await writeFile(path, clipMp4());
    const clip = {
      path,
      size: clipMp4().length,
      contentType: 'video/mp4',
      sourceUrl: 'http://127.0.0.1:1/x.mp4',
    };
    const ctx = contextFor(s, request, '0f0e0d0c-0b0a-4908-8706-050403020100');
    await deliveryOf(s).deliverClip(ctx, clip);
    await deliveryOf(s).deliverClip(ctx, clip);
    const posted = s.h.tg.calls('sendVideo');
    expect(posted).toHaveLength(1);
    const video = (posted[0]!.response as { result: Message }).result;
    expect(video.reply_to_message?.message_id).toBe(request.message_id);
    expect(s.h.tg.buttons(video)).toEqual([{ text: AGAIN_LABEL, callback_data: `again:${ctx.jobId}` }]);
    expect(s.h.tg.file(video.video?.file_id as string)?.bytes.equals(clipMp4())).toBe(true);
  });

  it('a clip over the upload limit arrives as a link to the provider result', async () => {
    const s = await scene({ uploadLimit: 1_000 });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a very long epic' });
    const status = await statusOf(s.h, s.chat, request);
    const link = await s.h.tg.waitForMessage(
      s.chat.id,
      (m) => m.reply_to_message?.message_id === request.message_id && /here is a link/.test(m.text ?? ''),
      20_000,
    );
    expect(s.h.tg.buttons(link)).toEqual([expect.objectContaining({ text: AGAIN_LABEL })]);
    const url = /(http:\/\/\S+)/.exec(link.text ?? '')?.[1] as string;
    expect((await fetch(url).then((r) => r.arrayBuffer())).byteLength).toBe(s.h.rh.video.length);
    await messageMatching(s.h, s.chat.id, status.message_id, /sent as a link|as a link/);
    expect(s.h.tg.calls('sendVideo')).toHaveLength(0);
  });

  it('a 429 on a status edit is honoured (no call to the message before retry_after) and the clip still arrives', async () => {
    const s = await scene({ pollsToComplete: 30, status: { editIntervalMs: 600, tickMs: 25 } });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a patient heron' });
    const status = await statusOf(s.h, s.chat, request);
    s.h.tg.rateLimit('editMessageText', 2);
    await videoFor(s.h, request, 30_000);
    await messageMatching(s.h, s.chat.id, status.message_id, /^✅ Done/);

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
    const status = await statusOf(s.h, s.chat, request);
    await videoFor(s.h, request, 40_000);
    await messageMatching(s.h, s.chat.id, status.message_id, /^✅ Done/, 20_000);
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
  it('sets its command lists at start (members, and admins with /admin) and answers /start, /help, /models and /quota', async () => {
    const s = await scene();
    expect(s.h.tg.commands()).toEqual(botCommands(CATALOG));
    expect(s.h.tg.commands().map((c) => c.command)).not.toContain('admin');
    expect(s.h.tg.commands({ type: 'all_chat_administrators' })).toEqual(botCommands(CATALOG, true));
    expect(s.h.tg.commands({ type: 'all_chat_administrators' }).at(-1)).toEqual({
      command: 'admin',
      description: 'Settings, limits and moderation (admins only)',
    });
    const start = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/start' });
    expect((await replyTo(s.h, s.chat, start)).text).toMatch(/\/video/);
    const models = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/models' });
    const modelsReply = (await replyTo(s.h, s.chat, models)).text ?? '';
    for (const id of ['kling-2.5-turbo-pro', 'kling-o1', 'kling-o3-pro']) expect(modelsReply).toContain(id);
    const quota = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/quota' });
    expect((await replyTo(s.h, s.chat, quota)).text).toMatch(
      /^🎬 875 credits left today\n\n≈ 5 clips of kling-2\.5-turbo-pro \(175 credits each\)\.\nUsed today: 0 of 875 credits\.\nResets at 00:00 UTC/,
    );
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
