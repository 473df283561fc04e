import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { clipMp4, makePng } from '../../helpers/media.js';
import { albumRemembered, nothingQueued, replyTo, telegramScenes, videoFor } from '../../helpers/telegram.js';

/**
 * `/motion` on Telegram: the character as a photo and the driving video in one album, with the
 * command as its caption or as a reply to it, as `/reference` takes its video. The RunningHub fake
 * checks each body against the vendor's table; the test checks it exactly.
 */

const scene = telegramScenes();

describe('telegram bot: /motion', () => {
  it('captioning an album of a photo and an MP4 reaches kling-2.6-pro motion control with both', async () => {
    const { h: t, alice, chat } = await scene();
    const photo = makePng(400, 400, 71);
    const mp4 = clipMp4();
    const parts = t.tg.album({ chat, from: alice, caption: '/motion the knight dances like this' }, [
      { photo: t.tg.photo(photo, 400, 400) },
      { video: t.tg.video(mp4) },
    ]);
    await videoFor(t, parts[0] as Message);
    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([
      '/openapi/v2/kling-v2.6-pro/motion-control',
    ]);
    const [image, video] = t.rh.media();
    expect(image?.bytes).toEqual(photo);
    expect(video?.bytes).toEqual(mp4);
    expect(t.rh.submitted()).toEqual([
      {
        prompt: 'the knight dances like this',
        imageUrl: image?.handle,
        videoUrl: video?.handle,
        characterOrientation: 'video',
        keepOriginalSound: 'yes',
      },
    ]);
  });

  it('as a reply to such an album, with --model kling-3.0-std and a negative prompt', async () => {
    const { h: t, alice, chat } = await scene();
    const photo = makePng(400, 400, 72);
    const parts = t.tg.album({ chat, from: alice }, [
      { video: t.tg.video(clipMp4()) },
      { photo: t.tg.photo(photo, 400, 400) },
    ]);
    await albumRemembered(t, parts);
    const request = t.tg.send({
      chat,
      from: alice,
      text: '/motion she waves --model kling-3.0-std --neg blurry',
      replyTo: parts[0] as Message,
    });
    await videoFor(t, request);
    const [image, video] = t.rh.media();
    expect(image?.bytes).toEqual(photo);
    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([
      '/openapi/v2/kling-v3.0-std/motion-control',
    ]);
    expect(t.rh.submitted()).toEqual([
      {
        prompt: 'she waves',
        negativePrompt: 'blurry',
        imageUrl: image?.handle,
        videoUrl: video?.handle,
        characterOrientation: 'video',
        keepOriginalSound: true,
      },
    ]);
  });

  it('a photo without a video is answered with what /motion needs, and nothing is queued', async () => {
    const { h: t, alice, chat } = await scene();
    const request = t.tg.send({
      chat,
      from: alice,
      photo: t.tg.photo(makePng(400, 400, 73), 400, 400),
      caption: '/motion dance',
    });
    const reply = await replyTo(t, chat, request);
    expect(reply.text).toBe(
      '/motion takes one image of the character and one video of the motion to copy; you sent 1 image and no video.',
    );
    await nothingQueued(t, alice);
  });
});
