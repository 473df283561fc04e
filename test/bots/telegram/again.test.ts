import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import { createAgainStore } from '../../../src/desk/again.js';
import { AGAIN_LABEL } from '../../../src/desk/delivered.js';
import type { RunningHubFake } from '../../fakes/runninghub.js';
import { CLIP_CREDITS, memberUsage } from '../../helpers/harness.js';
import { photoJpeg } from '../../helpers/media.js';
import { answerTo, statusOf, telegramScenes, videoFor } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

const key = (userId: number) => userKey({ platform: 'telegram', userId: String(userId) });

/** A submit body without the staged input URLs (each upload gets a URL of its own). */
const settingsOf = (body: Record<string, unknown>) => {
  const { firstImageUrl: _first, ...rest } = body;
  return rest;
};

describe('telegram bot: Again', () => {
  it('the clip carries Again: pressed by anyone (on their quota), it makes the same clip again from the same bytes, even once the first job is gone; a file Telegram forgot is said to be gone, at no charge', async () => {
    const { h: t, alice } = await scene();
    const rh = t.rh as RunningHubFake;
    const bob = t.tg.user(2002, 'Bob', { username: 'bob' });
    const group = t.tg.groupChat();
    const jpeg = photoJpeg();
    const photo = t.tg.photo(jpeg, 480, 360);
    const request = t.tg.send({
      chat: group,
      from: alice,
      photo,
      caption: '/video the cat turns its head --model kling-o1 --mode pro --duration 10',
    });
    const sent = await videoFor(t, request);
    const clip = (sent.response as { result: Message }).result;
    const again = t.tg.buttons(clip).find((b) => b.text === AGAIN_LABEL);
    expect(again?.callback_data).toMatch(/^again:[0-9a-f-]{36}$/);
    const jobId = again?.callback_data?.slice('again:'.length) as string;

    // The first job ends and the queue drops it: Again does not need it, for three days.
    await t.finished(jobId);
    await (await t.app.queues.generate.getJob(jobId))?.remove();
    expect(await t.app.queues.generate.getJob(jobId)).toBeUndefined();
    expect(await createAgainStore(t.app.redis, t.prefix).ttl(jobId)).toBeGreaterThan(24 * 3600);

    const press = t.tg.press(clip, { text: AGAIN_LABEL }, bob);
    expect(await answerTo(t, press)).toEqual({});
    const status = await statusOf(t, group, clip);
    expect(status.text).toMatch(/kling-o1 · 10s/);
    const second = await videoFor(t, clip);
    expect((second.params.caption as string).endsWith('for @bob')).toBe(true);

    const [first, remade] = rh.tasks();
    expect(rh.tasks()).toHaveLength(2);
    expect(remade?.endpoint).toBe(first?.endpoint);
    expect(settingsOf(remade?.body ?? {})).toEqual(settingsOf(first?.body ?? {}));
    expect(settingsOf(first?.body ?? {})).toMatchObject({ mode: 'pro', duration: '10' });
    for (const task of [first, remade]) {
      expect(rh.inputsOf(task?.taskId as string).firstImageUrl?.[0]?.bytes.equals(jpeg)).toBe(true);
    }
    // A kling-o1 pro clip of 10 s each, in the group.
    const inGroup = `telegram:${group.id}`;
    await waitFor(async () => (await memberUsage(t.app, key(bob.id))).inFlight === 0);
    expect((await memberUsage(t.app, key(alice.id), inGroup)).used).toBe(560);
    expect((await memberUsage(t.app, key(bob.id), inGroup)).used).toBe(560);

    // Telegram no longer has the photo: Again says so, charges nothing and submits nothing.
    expect(t.tg.forgetFile(photo.at(-1)?.file_id as string)).toBe(true);
    const gone = t.tg.press(clip, { text: AGAIN_LABEL }, alice);
    expect(await answerTo(t, gone)).toEqual({
      text: expect.stringMatching(/^The images that clip was made from are no longer available.*\/video\.$/),
      show_alert: true,
    });
    expect(rh.submitCount() + t.rw.submitCount()).toBe(2);
    expect(await memberUsage(t.app, key(alice.id), inGroup)).toEqual({ used: 560, inFlight: 0 });
  });

  it('Again under a clip of a job no longer known says it is too old, and charges nothing', async () => {
    const { h: t, alice, chat } = await scene();
    const request = t.tg.send({ chat, from: alice, text: '/video a heron takes off' });
    const clip = (await videoFor(t, request)).response as { result: Message };
    const jobId = t.tg.buttons(clip.result)[0]?.callback_data?.slice('again:'.length) as string;
    await t.finished(jobId);
    await (await t.app.queues.generate.getJob(jobId))?.remove();
    await t.app.redis.del(`${t.prefix}:again:${jobId}`);
    const press = t.tg.press(clip.result, { text: AGAIN_LABEL }, alice);
    expect((await answerTo(t, press)).text).toMatch(/too old to make again: use \/video/);
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(1);
    expect((await memberUsage(t.app, key(alice.id))).used).toBe(CLIP_CREDITS);
  });
});
