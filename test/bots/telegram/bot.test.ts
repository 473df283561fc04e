import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { everythingSent } from '../../helpers/harness.js';
import { documentPdf, makePng, photoJpeg } from '../../helpers/media.js';
import {
  nothingQueued,
  replyTo,
  type Scene,
  statusTexts,
  TG_TOKEN,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

describe('telegram bot: /video end to end', () => {
  it('a text /video yields the provider clip as a video replying to the request, the status going Queued → … → done', async () => {
    const { h: t, alice, chat } = await scene({ pollsToComplete: 6 });
    await t.tg.waitForPoll();
    const request = t.tg.send({ chat, from: alice, text: '/video a red fox running through fresh snow' });

    const status = await replyTo(t, chat, request);
    expect(status.text).toMatch(/^⏳ Queued — #1 in line/);
    expect(status.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({
      text: expect.stringMatching(/Cancel/),
    });

    const video = await videoFor(t, request);
    const sent = (video.response as { result: Message }).result;
    expect(t.tg.file(sent.video?.file_id as string)?.bytes.equals(t.rh.video)).toBe(true);
    expect(video.params.caption).toContain('a red fox running through fresh snow');
    expect(video.params.caption).toContain('kling-2.5-turbo-pro');
    expect(video.params.caption).toContain('· 5s');
    expect(video.params.caption).toContain('@alice');

    const done = await t.tg.waitForMessage(
      chat.id,
      (m) => m.message_id === status.message_id && /Done/.test(m.text ?? ''),
    );
    expect(done.reply_markup).toBeUndefined();
    const texts = statusTexts(t, chat.id, status.message_id);
    expect(texts[0]).toMatch(/Queued/);
    expect(texts.some((x) => /Generating/.test(x))).toBe(true);
    expect(texts.at(-1)).toMatch(/^✅ Done in/);

    // The token reached no provider and no log line.
    expect(everythingSent(t.rh)).not.toContain(TG_TOKEN);
    expect(everythingSent(t.rw)).not.toContain(TG_TOKEN);
    expect(t.logs.join('\n')).not.toContain(TG_TOKEN);
    expect(t.logs.join('\n')).not.toContain(TG_TOKEN.split(':')[1]);
  });

  it('a photo captioned /video animates that photo: the provider receives exactly its bytes', async () => {
    const { h: t, alice, chat } = await scene();
    const jpeg = photoJpeg();
    const request = t.tg.send({
      chat,
      from: alice,
      photo: t.tg.photo(jpeg, 480, 360),
      caption: '/video the cat turns its head',
    });
    await videoFor(t, request);
    const media = t.rh.media();
    expect(media).toHaveLength(1);
    expect(media[0]?.bytes.equals(jpeg)).toBe(true);
    expect(everythingSent(t.rh)).not.toContain(TG_TOKEN);
    expect(t.logs.join('\n')).not.toContain(TG_TOKEN);
  });

  it('an image sent as a file (document) works like a photo', async () => {
    const { h: t, alice, chat } = await scene();
    const png = makePng(400, 320, 7);
    const request = t.tg.send({
      chat,
      from: alice,
      document: t.tg.document(png, 'image/png', 'drawing.png'),
      caption: '/video the drawing comes alive',
    });
    await videoFor(t, request);
    expect(t.rh.media()[0]?.bytes.equals(png)).toBe(true);
  });

  it('an album of two photos gives the first and last frames, in order', async () => {
    const { h: t, alice, chat } = await scene();
    const first = makePng(320, 400, 1);
    const last = makePng(320, 400, 2);
    const parts = t.tg.album({ chat, from: alice, caption: '/video day turns into night' }, [
      { photo: t.tg.photo(first, 320, 400) },
      { photo: t.tg.photo(last, 320, 400) },
    ]);
    await videoFor(t, parts[0] as Message);
    const media = t.rh.media();
    expect(media.map((m) => m.bytes)).toEqual([first, last]);
    expect(t.rh.submitCount()).toBe(1);
  });

  it('/reference with an album of 7 photos reaches kling-o3-pro with the 7 images', async () => {
    const { h: t, alice, chat } = await scene();
    const photos = Array.from({ length: 7 }, (_, i) => makePng(320 + i, 400, 10 + i));
    const parts = t.tg.album(
      { chat, from: alice, caption: '/reference the characters meet in a cafe' },
      photos.map((p, i) => ({ photo: t.tg.photo(p, 320 + i, 400) })),
    );
    await videoFor(t, parts[0] as Message);
    expect(t.rh.submitCount()).toBe(1);
    const media = t.rh.media();
    expect(media.map((m) => m.bytes)).toEqual(photos);
    const job = (await t.app.queues.generate.getJobs(['completed']))[0];
    expect(job?.data.request.model).toBe('kling-o3-pro');
    expect(job?.data.request.images.references).toHaveLength(7);
  });

  it('a /video reply to a photo works like a caption', async () => {
    const { h: t, alice, chat } = await scene();
    const jpeg = photoJpeg();
    const photo = t.tg.send({ chat, from: alice, photo: t.tg.photo(jpeg, 480, 360) });
    const request = t.tg.send({ chat, from: alice, text: '/video waves crash behind her', replyTo: photo });
    await videoFor(t, request);
    expect(t.rh.media()[0]?.bytes.equals(jpeg)).toBe(true);
  });

  it('a /video reply to an album uses all of its photos', async () => {
    const { h: t, alice, chat } = await scene();
    const first = makePng(320, 400, 3);
    const last = makePng(320, 400, 4);
    const parts = t.tg.album({ chat, from: alice }, [
      { photo: t.tg.photo(first, 320, 400) },
      { photo: t.tg.photo(last, 320, 400) },
    ]);
    // The album is remembered as it arrives; the reply may come much later.
    await waitFor(async () => (await t.app.redis.keys(`${t.prefix}:tg:album:*`)).length > 0);
    const request = t.tg.send({
      chat,
      from: alice,
      text: '/video sunrise to sunset',
      replyTo: parts[1] as Message,
    });
    await videoFor(t, request);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([first, last]);
  });

  it('works in groups with /video@BotName, and ignores commands for another bot', async () => {
    const { h: t, alice } = await scene();
    const group = t.tg.groupChat();
    const other = t.tg.send({ chat: group, from: alice, text: '/video@SomeOtherBot a fox' });
    const mine = t.tg.send({ chat: group, from: alice, text: '/video@ReelayTestBot a fox in the snow' });
    await videoFor(t, mine);
    expect(
      t.tg
        .messages(group.id, { fromBot: true })
        .some((m) => m.reply_to_message?.message_id === other.message_id),
    ).toBe(false);
  });
});

describe('telegram bot: bad input is answered and nothing is queued or charged', () => {
  const cases: { name: string; send: (s: Scene) => Message; reply: RegExp }[] = [
    {
      name: 'a missing prompt',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: '/video' }),
      reply: /describe the video/,
    },
    {
      name: 'an unknown model',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: '/video a fox --model sora-9' }),
      reply: /no model called "sora-9"/,
    },
    {
      name: 'a duration the model lacks',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: '/video a fox --duration 7' }),
      reply: /can't make a 7-second clip.*5, 10/,
    },
    {
      name: 'a PDF as the image',
      send: ({ h: t, chat, alice }) =>
        t.tg.send({
          chat,
          from: alice,
          document: t.tg.document(documentPdf(), 'application/pdf', 'report.pdf'),
          caption: '/video a fox',
        }),
      reply: /is a PDF; please send a JPEG or PNG image/,
    },
    {
      name: 'an oversized image',
      send: ({ h: t, chat, alice }) =>
        t.tg.send({
          chat,
          from: alice,
          document: t.tg.document(photoJpeg(), 'image/jpeg', 'huge.jpg', 40 * 1024 * 1024),
          caption: '/video a fox',
        }),
      reply: /^The image is 40 MB; bots can download at most 20 MB here/,
    },
    {
      name: 'a 5,000-character prompt',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: `/video ${'a'.repeat(5000)}` }),
      reply: /5000 characters long; this model takes at most 2000/,
    },
    {
      name: 'an unknown option',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: '/video a fox --colour red' }),
      reply: /--colour/,
    },
    {
      name: 'three photos for /video',
      send: ({ h: t, chat, alice }) =>
        t.tg.album(
          { chat, from: alice, caption: '/video a fox' },
          [1, 2, 3].map((i) => ({ photo: t.tg.photo(makePng(320, 400, i), 320, 400) })),
        )[0] as Message,
      reply: /you sent 3.*\/reference/,
    },
    {
      name: '/reference without photos',
      send: ({ h: t, chat, alice }) => t.tg.send({ chat, from: alice, text: '/reference a fox' }),
      reply: /^kling-o3-pro needs at least one reference image\.$/,
    },
  ];
  for (const c of cases) {
    it(`${c.name} gets its own reply`, async () => {
      const s = await scene();
      const request = c.send(s);
      const reply = await replyTo(s.h, s.chat, request);
      expect(reply.text).toMatch(c.reply);
      expect(reply.reply_markup).toBeUndefined();
      await nothingQueued(s.h, s.alice);
    });
  }
});

describe('telegram bot: forum topics', () => {
  it('answers in the topic the request came from', async () => {
    const { h: t, alice } = await scene();
    const forum = t.tg.groupChat(undefined, { type: 'supergroup', forum: true });
    const request = t.tg.send({ chat: forum, from: alice, text: '/video a fox in a topic', threadId: 42 });
    const video = await videoFor(t, request);
    expect(video.params.message_thread_id).toBe(42);
    const status = t.tg
      .calls('sendMessage')
      .find((c) => (c.params.reply_parameters as { message_id?: number })?.message_id === request.message_id);
    expect(status?.params.message_thread_id).toBe(42);
  });
});
