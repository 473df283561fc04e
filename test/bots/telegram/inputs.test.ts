import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import type { RunningHubFake } from '../../fakes/runninghub.js';
import { memberUsage } from '../../helpers/harness.js';
import { clipMp4, documentPdf, makePng, mp4Lasting } from '../../helpers/media.js';
import {
  albumRemembered,
  messageMatching,
  nothingQueued,
  replyTo,
  statusOf,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';

const scene = telegramScenes();

/** The inputs of the only task the RunningHub fake took. */
const onlyTaskInputs = (rh: RunningHubFake) => {
  const [task, ...more] = rh.tasks();
  expect(more).toHaveLength(0);
  return { endpoint: task?.endpoint, inputs: rh.inputsOf(task?.taskId as string) };
};

describe('telegram bot: the reference video', () => {
  it('/reference captioning an album of photos and an MP4 reaches kling-o3-pro with the video', async () => {
    const { h: t, alice, chat } = await scene();
    const photos = [makePng(400, 400, 31), makePng(400, 400, 32)];
    const mp4 = clipMp4();
    const parts = t.tg.album({ chat, from: alice, caption: '/reference the two friends dance like this' }, [
      { photo: t.tg.photo(photos[0] as Buffer, 400, 400) },
      { video: t.tg.video(mp4) },
      { photo: t.tg.photo(photos[1] as Buffer, 400, 400) },
    ]);
    await videoFor(t, parts[0] as Message);
    const { endpoint, inputs } = onlyTaskInputs(t.rh as RunningHubFake);
    expect(endpoint).toContain('kling-video-o3-pro/reference-to-video');
    expect(inputs.imageUrls?.map((m) => m.bytes)).toEqual(photos);
    expect(inputs.videoUrl?.[0]?.bytes.equals(mp4)).toBe(true);
  });

  it('/reference as a reply to such an album (to its video) takes the photos and the video', async () => {
    const { h: t, alice, chat } = await scene();
    const photo = makePng(400, 400, 41);
    const mp4 = clipMp4();
    const parts = t.tg.album({ chat, from: alice }, [
      { photo: t.tg.photo(photo, 400, 400) },
      { video: t.tg.video(mp4) },
    ]);
    await albumRemembered(t, parts);
    const request = t.tg.send({
      chat,
      from: alice,
      text: '/reference she dances like in the video --duration 5',
      replyTo: parts[1] as Message,
    });
    await videoFor(t, request);
    const { inputs } = onlyTaskInputs(t.rh as RunningHubFake);
    expect(inputs.imageUrls?.map((m) => m.bytes)).toEqual([photo]);
    expect(inputs.videoUrl?.[0]?.bytes.equals(mp4)).toBe(true);
  });

  it('a video longer than the model takes fails before the provider, saying so, at no charge', async () => {
    const { h: t, alice, chat } = await scene();
    const parts = t.tg.album({ chat, from: alice, caption: '/reference a long dance' }, [
      { photo: t.tg.photo(makePng(400, 400, 51), 400, 400) },
      { video: t.tg.video(mp4Lasting(12)) },
    ]);
    const status = await statusOf(t, chat, parts[0] as Message);
    const failed = await messageMatching(t, chat.id, status.message_id, /^❌/);
    expect(failed.text).toBe(
      '❌ Failed.\nThe video is 12 seconds long; the most is 10 seconds.\nThis one did not count against your quota.\nkling-o3-pro · 5s · 360 credits given back',
    );
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
    expect((await memberUsage(t.app, 'telegram:1001')).used).toBe(0);
  });

  it('a video with /video is answered with the models that take one', async () => {
    const { h: t, alice, chat } = await scene();
    const request = t.tg.send({
      chat,
      from: alice,
      video: t.tg.video(clipMp4()),
      caption: '/video dance like this',
    });
    const reply = await replyTo(t, chat, request);
    expect(reply.text).toBe(
      'kling-2.5-turbo-pro does not take a reference video. Models that do: kling-o3-pro, kling-o3-std.',
    );
    await nothingQueued(t, alice);
  });

  it.each(['reference', 'motion'])(
    'a video over what a bot may download is refused before anything is queued (/%s)',
    async (command) => {
      const { h: t, alice, chat } = await scene();
      const big = t.tg.document(clipMp4(), 'video/mp4', 'big.mp4', 30 * 1024 * 1024);
      const parts = t.tg.album({ chat, from: alice, caption: `/${command} dance` }, [
        { photo: t.tg.photo(makePng(400, 400, 61), 400, 400) },
        { document: big },
      ]);
      const reply = await replyTo(t, chat, parts[0] as Message);
      expect(reply.text).toBe(
        'The video is 30 MB; bots can download at most 20 MB here. Please send a smaller one.',
      );
      await nothingQueued(t, alice);
    },
  );
});

describe('telegram bot: replies in Telegram words', () => {
  it('names an album part by its place: "the second image", not a field name', async () => {
    const { h: t, alice, chat } = await scene();
    const parts = t.tg.album({ chat, from: alice, caption: '/video morning turns to night' }, [
      { photo: t.tg.photo(makePng(400, 400, 71), 400, 400) },
      { document: t.tg.document(documentPdf(), 'application/pdf', 'night.pdf') },
    ]);
    const reply = await replyTo(t, chat, parts[0] as Message);
    expect(reply.text).toBe('The second image is a PDF; please send a JPEG or PNG image.');
    expect(reply.text).not.toMatch(/last[_-]frame/);
    await nothingQueued(t, alice);
  });

  it('names a refused flag as typed, and the models that take it', async () => {
    const { h: t, alice, chat } = await scene();
    const neg = t.tg.send({ chat, from: alice, text: '/video a fox --neg blurry --model kling-o1' });
    expect((await replyTo(t, chat, neg)).text).toBe(
      'kling-o1 does not take --neg. Models that do: kling-2.5-turbo-pro, kling-3.0-pro, kling-3.0-std, ' +
        'kling-2.6-pro, kling-2.5-turbo-std, kling-2.1-master, kling-2.1-pro, wan-2.6.',
    );
    const mode = t.tg.send({ chat, from: alice, text: '/video a fox --mode std' });
    expect((await replyTo(t, chat, mode)).text).toBe(
      'kling-2.5-turbo-pro has no "std" mode. Choose one of: pro. ' +
        'Models that have std: kling-o1, kling-o3-std, kling-3.0-std, kling-2.5-turbo-std, ' +
        'sora-2, veo-3.1-fast, hailuo-2.3, hailuo-02, vidu-q3-turbo, wan-2.6.',
    );
    await nothingQueued(t, alice);
  });
});
