import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import {
  buttonIds,
  buttonLabels,
  DC_TOKEN,
  type DiscordHarness,
  discordHarnesses,
  OPT,
  textOf,
} from '../../helpers/discord.js';
import { CLIP_CREDITS, everythingSent, nothingQueued as nothingQueuedFor } from '../../helpers/harness.js';
import { clipMp4, documentPdf, makePng, photoJpeg } from '../../helpers/media.js';
import { waitFor } from '../../helpers/wait.js';

const harness = discordHarnesses();

const done = (m: APIMessage): boolean =>
  (m.attachments?.length ?? 0) > 0 || /Done|Failed|Cancelled/.test(m.embeds?.[0]?.title ?? '');

/** The bytes of the clip attached to a message. */
const clipOf = (t: DiscordHarness, m: APIMessage): Buffer | undefined => {
  const url = m.attachments?.[0]?.url;
  return url ? t.dc.fileBytes(url) : undefined;
};

/** The custom id of a message's first button, if any. */
const firstButton = (m: APIMessage): string | undefined => buttonIds(m)[0];

const callbackTypes = (t: DiscordHarness, interactionId: string): number[] =>
  t.dc.callbacks(interactionId).map((c) => (c.json as { type: number }).type);

/** Everything any fake outside Discord received, and every log line: where no token may appear. */
function leaks(t: DiscordHarness, interactionTokens: string[]): string[] {
  const outside = `${everythingSent(t.rh)}\n${everythingSent(t.rw)}\n${t.logs.join('\n')}`;
  return [DC_TOKEN, DC_TOKEN.split('.').at(-1) as string, ...interactionTokens].filter((s) =>
    outside.includes(s),
  );
}

const nothingQueued = (t: DiscordHarness): Promise<void> => nothingQueuedFor(t, t.aliceRequester);

describe('discord bot: /video and /reference end to end', () => {
  it('/video with text: deferred at once, a live status, then the provider clip uploaded into the reply', async () => {
    const t = await harness({ pollsToComplete: 6 });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a red fox running through snow' }]);
    const final = await t.reply(i.token, done);
    expect(callbackTypes(t, i.id)).toEqual([5]);
    expect(clipOf(t, final)?.equals(t.rh.video)).toBe(true);
    expect(final.embeds?.[0]?.title).toMatch(/^✅ Done/);
    expect(firstButton(final)).toMatch(/^again:/);
    // The status went through live states before the end.
    const titles = t.dc
      .calls('webhook-edit')
      .map((c) => JSON.stringify((c.json as { embeds?: unknown[] })?.embeds ?? []));
    expect(titles.some((x) => /Queued/.test(x))).toBe(true);
    expect(titles.some((x) => /Generating/.test(x))).toBe(true);
    expect(t.dc.calls('channel-message')).toHaveLength(0);
    expect(leaks(t, [i.token])).toEqual([]);
  });

  it('/video with first_frame: the provider receives exactly the attachment bytes', async () => {
    const t = await harness();
    const jpeg = photoJpeg();
    const frame = t.dc.attachment(jpeg, {
      filename: 'cat.jpg',
      contentType: 'image/jpeg',
      width: 480,
      height: 360,
    });
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'the cat turns its head' },
      { name: 'first_frame', type: OPT.attachment, value: frame },
    ]);
    const final = await t.reply(i.token, done);
    expect(clipOf(t, final)?.equals(t.rh.video)).toBe(true);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([jpeg]);
    expect(leaks(t, [i.token])).toEqual([]);
  });

  it('/video with both frames uses them as first and last frame', async () => {
    const t = await harness();
    const first = makePng(320, 400, 1);
    const last = makePng(320, 400, 2);
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'day turns into night' },
      {
        name: 'first_frame',
        type: OPT.attachment,
        value: t.dc.attachment(first, {
          filename: 'a.png',
          contentType: 'image/png',
          width: 320,
          height: 400,
        }),
      },
      {
        name: 'last_frame',
        type: OPT.attachment,
        value: t.dc.attachment(last, {
          filename: 'b.png',
          contentType: 'image/png',
          width: 320,
          height: 400,
        }),
      },
    ]);
    const final = await t.reply(i.token, done);
    expect(clipOf(t, final)?.equals(t.rh.video)).toBe(true);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([first, last]);
  });

  it('/reference with 7 images reaches kling-o3-pro with the 7 images', async () => {
    const t = await harness();
    const images = Array.from({ length: 7 }, (_, n) => makePng(320 + n, 400, 20 + n));
    const i = t.run('reference', [
      { name: 'prompt', type: OPT.string, value: 'the characters meet in a cafe' },
      ...images.map((b, n) => ({
        name: `image${n + 1}`,
        type: OPT.attachment,
        value: t.dc.attachment(b, {
          filename: `r${n + 1}.png`,
          contentType: 'image/png',
          width: 320 + n,
          height: 400,
        }),
      })),
    ]);
    const final = await t.reply(i.token, done);
    expect(clipOf(t, final)?.equals(t.rh.video)).toBe(true);
    expect(t.rh.media().map((m) => m.bytes)).toEqual(images);
    const [job] = await t.app.queues.generate.getJobs(['completed']);
    expect(job?.data.request.model).toBe('kling-o3-pro');
    expect(job?.data.request.images.references).toHaveLength(7);
  });
});

describe('discord bot: bad input gets an immediate ephemeral reply in Discord’s words; nothing is queued or charged', () => {
  const jpeg = (t: DiscordHarness, filename = 'a.jpg') =>
    t.dc.attachment(photoJpeg(), { filename, contentType: 'image/jpeg', width: 480, height: 360 });
  const cases: {
    name: string;
    command?: 'video' | 'reference';
    options: (t: DiscordHarness) => Parameters<DiscordHarness['run']>[1];
    reply: RegExp | string;
  }[] = [
    {
      name: 'a PDF as first_frame',
      options: (t) => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        {
          name: 'first_frame',
          type: OPT.attachment,
          value: t.dc.attachment(documentPdf(), { filename: 'report.pdf', contentType: 'application/pdf' }),
        },
      ],
      reply: '`first_frame` is a PDF; please send a JPEG or PNG image.',
    },
    {
      name: 'an oversized image',
      options: (t) => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        {
          name: 'first_frame',
          type: OPT.attachment,
          value: t.dc.attachment(photoJpeg(), {
            filename: 'huge.jpg',
            contentType: 'image/jpeg',
            width: 480,
            height: 360,
            size: 40 * 1024 * 1024,
          }),
        },
      ],
      reply: '`first_frame` is 40 MB; the limit is 20 MB.',
    },
    {
      name: 'a video as the second reference image',
      command: 'reference',
      options: (t) => [
        { name: 'prompt', type: OPT.string, value: 'two friends' },
        { name: 'image1', type: OPT.attachment, value: jpeg(t) },
        {
          name: 'image2',
          type: OPT.attachment,
          value: t.dc.attachment(clipMp4(), { filename: 'clip.mp4', contentType: 'video/mp4' }),
        },
      ],
      reply: '`image2` is an MP4 video; please send a JPEG or PNG image.',
    },
    {
      name: 'a small image as image3, with image2 left out',
      command: 'reference',
      options: (t) => [
        { name: 'prompt', type: OPT.string, value: 'two friends' },
        { name: 'image1', type: OPT.attachment, value: jpeg(t) },
        {
          name: 'image3',
          type: OPT.attachment,
          value: t.dc.attachment(makePng(100, 100), {
            filename: 'tiny.png',
            contentType: 'image/png',
            width: 100,
            height: 100,
          }),
        },
      ],
      reply: '`image3` is too small: each side must be at least 300 pixels.',
    },
    {
      name: 'a negative prompt on a model that takes none',
      options: () => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        { name: 'model', type: OPT.string, value: 'kling-o1' },
        { name: 'negative_prompt', type: OPT.string, value: 'blurry' },
      ],
      reply:
        /^kling-o1 does not take `negative_prompt`\. Models that do: kling-2\.5-turbo-pro, kling-3\.0-pro, /,
    },
    {
      name: 'mode: std with the default model',
      options: () => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        { name: 'mode', type: OPT.string, value: 'std' },
      ],
      reply:
        /^kling-2\.5-turbo-pro has no "std" mode\. Choose one of: pro\. Models that have std: kling-o1, /,
    },
    {
      name: 'an over-long prompt',
      options: () => [{ name: 'prompt', type: OPT.string, value: 'a'.repeat(5000) }],
      reply: /5000 characters long; this model takes at most 2000/,
    },
    {
      name: 'a duration the model lacks',
      options: () => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        { name: 'duration', type: OPT.integer, value: 7 },
      ],
      reply: /can't make a 7-second clip/,
    },
    {
      name: 'a last frame on a model without first-and-last-frame clips',
      options: (t) => [
        { name: 'prompt', type: OPT.string, value: 'a fox' },
        { name: 'model', type: OPT.string, value: 'kling-2.6-pro' },
        { name: 'first_frame', type: OPT.attachment, value: jpeg(t) },
        { name: 'last_frame', type: OPT.attachment, value: jpeg(t, 'b.jpg') },
      ],
      reply:
        /kling-2\.6-pro can't make a clip from a first and a last frame.*Models that can: kling-2\.5-turbo-pro, kling-o1/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const t = await harness();
      const i = t.run(c.command ?? 'video', c.options(t));
      const answer = await t.dc.waitForCall('callback', (call) =>
        call.path.startsWith(`/interactions/${i.id}/`),
      );
      const body = answer.json as { type: number; data: { content: string; flags: number } };
      expect(body.type).toBe(4);
      expect(body.data.flags & 64).toBe(64);
      if (typeof c.reply === 'string') expect(body.data.content).toBe(c.reply);
      else expect(body.data.content).toMatch(c.reply);
      await nothingQueued(t);
    });
  }
});

describe('discord bot: under load and without Redis', () => {
  it('200 interactions in one burst are all deferred within the deadline', async () => {
    // No quota, so nothing generates: this is about the answer to Discord, not the clips.
    const t = await harness({ env: { QUOTA_DAILY_VIDEOS: '0' } });
    const burst = Array.from({ length: 200 }, (_, n) =>
      t.run('video', [{ name: 'prompt', type: OPT.string, value: `fox number ${n}` }], {
        user: t.dc.user(undefined, `u${n}`),
      }),
    );
    await waitFor(
      () => burst.every((i) => t.dc.callbacks(i.id).some((c) => c.status === 204 || c.status === 200)),
      {
        timeoutMs: 30_000,
        what: 'every interaction deferred',
      },
    );
    for (const i of burst) expect(callbackTypes(t, i.id)).toEqual([5]);
    // And every one is then told why nothing was queued.
    await waitFor(
      () => burst.every((i) => /videos for today|not taking/.test(t.dc.original(i.token)?.content ?? '')),
      {
        timeoutMs: 30_000,
        what: 'every reply edited',
      },
    );
  });

  it('with Redis stopped, a valid command is still deferred and the reply says the service is busy', async () => {
    const t = await harness({ workers: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a fox in the snow' }]);
    const reply = await t.reply(i.token, (m) => /busy/.test(m.content ?? ''));
    expect(callbackTypes(t, i.id)).toEqual([5]);
    expect(reply.content).toMatch(/try again in a minute/);
  });

  it('with Redis stopped, /quota and /cancel are deferred and answer busy, privately', async () => {
    const t = await harness({ workers: false, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    for (const name of ['quota', 'cancel']) {
      const i = t.run(name);
      expect((await t.answer(i.token)).content).toBe(
        'The service is busy right now. Please try again in a minute.',
      );
      expect(callbackTypes(t, i.id)).toEqual([5]);
    }
  });
});

describe('discord bot: delivery that always arrives, once', () => {
  it('a clip larger than attachment_size_limit arrives as a link saying how long it lives', async () => {
    const t = await harness();
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'an epic' }], {
      attachmentSizeLimit: 1_000,
    });
    const final = await t.reply(i.token, done);
    expect(final.attachments ?? []).toHaveLength(0);
    const text = `${final.embeds?.[0]?.description}`;
    const url = /(http:\/\/\S+)/.exec(text)?.[1] as string;
    expect((await fetch(url).then((r) => r.arrayBuffer())).byteLength).toBe(t.rh.video.length);
    expect(text).toMatch(/expires <t:\d+:R>/);
    expect(t.dc.calls('channel-message')).toHaveLength(0);
    expect(t.dc.followups(i.token)).toHaveLength(0);
  });

  it('an edit answered 401 Invalid Webhook Token falls back to one channel message mentioning the requester', async () => {
    const t = await harness({ pollsToComplete: 4 });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a fox at dusk' }]);
    const status = await t.reply(i.token, (m) => (m.embeds?.length ?? 0) > 0);
    t.dc.expireToken(i.token);
    const posted = await t.dc.waitForMessage(t.channel.id, (m) => (m.attachments?.length ?? 0) > 0, 20_000);
    expect(clipOf(t, posted)?.equals(t.rh.video)).toBe(true);
    expect(posted.content).toContain(`<@${t.alice.id}>`);
    expect(posted.message_reference?.message_id).toBe(status.id);
    // The deliver job is done; nothing else is ever posted.
    const [job] = await t.app.queues.generate.getJobs(['completed']);
    await waitFor(async () => (await t.app.queues.deliver.getJobState(`deliver-${job?.id}`)) === 'completed');
    expect(t.dc.channelMessages(t.channel.id).filter((m) => (m.attachments?.length ?? 0) > 0)).toHaveLength(
      1,
    );
    expect(leaks(t, [i.token])).toEqual([]);
  });

  it('after the token’s 14 minutes the clip goes to the channel without trying the token', async () => {
    const t = await harness({ workerNow: () => Date.now() + 15 * 60_000 });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a late fox' }]);
    const posted = await t.dc.waitForMessage(t.channel.id, (m) => (m.attachments?.length ?? 0) > 0, 20_000);
    expect(clipOf(t, posted)?.equals(t.rh.video)).toBe(true);
    expect(t.dc.calls('webhook-edit').filter((c) => c.files.length > 0)).toHaveLength(0);
    expect(t.dc.original(i.token)?.attachments ?? []).toHaveLength(0);
  });
});

describe('discord bot: status pacing', () => {
  it('the bot edits a status embed at most once per interval', async () => {
    const t = await harness({ pollsToComplete: 25, status: { editIntervalMs: 600, tickMs: 25 } });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a patient heron' }]);
    await t.reply(i.token, done, 30_000);
    // The bot's own edits: live embeds (the worker's last edit carries the outcome).
    const live = t.dc
      .calls('webhook-edit')
      .filter((c) => c.path.includes(i.token) && c.status === 200)
      .filter(
        (c) => !/Done|Failed|Cancelled/.test(JSON.stringify((c.json as { embeds?: unknown })?.embeds ?? '')),
      );
    expect(live.length).toBeGreaterThanOrEqual(3);
    for (let n = 1; n < live.length; n++) {
      expect((live[n]?.at ?? 0) - (live[n - 1]?.at ?? 0)).toBeGreaterThanOrEqual(600);
    }
  });
});

describe('discord bot: buttons and small commands', () => {
  it('Cancel while the job is still queued stops it and refunds; another member is refused', async () => {
    // No workers yet: the job waits in the queue, the provider has nothing.
    const t = await harness({ workers: false });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a slow sunrise' }]);
    const status = await t.reply(i.token, (m) => (m.components?.length ?? 0) > 0);
    expect(textOf(status)).toMatch(/Queued/);
    const cancel = firstButton(status) as string;

    const bob = t.dc.user(undefined, 'bob');
    const refused = t.dc.press(status, cancel, bob);
    expect((await t.answer(refused.token)).content).toMatch(/Only the person who asked/);

    const pressed = t.dc.press(status, cancel, t.alice);
    expect((await t.answer(pressed.token)).content).toBe(
      "Cancelling… this one won't count against your quota.",
    );
    t.startWorkers();
    const cancelled = await t.reply(i.token, (m) => /Cancelled/.test(m.embeds?.[0]?.title ?? ''));
    expect(textOf(cancelled)).toContain('This one did not count against your quota.');
    expect(cancelled.components ?? []).toHaveLength(0);
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
    expect((await t.app.credits.usage(userKey(t.aliceRequester), `discord:${t.guild.id}`)).used).toBe(0);
  });

  it('Again repeats a finished clip with the same settings, as a new request', async () => {
    const t = await harness();
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'a fox, again' },
      { name: 'duration', type: OPT.integer, value: 10 },
    ]);
    const final = await t.reply(i.token, done);
    expect(buttonLabels(final)).toEqual(['🔁 Again']);
    const again = t.dc.press(final, firstButton(final) as string, t.alice);
    const second = await t.reply(again.token, done);
    expect(callbackTypes(t, again.id)).toEqual([5]);
    expect(clipOf(t, second)?.equals(t.rh.video)).toBe(true);
    const bodies = t.rh.submitted();
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    // Two 10 s clips of the default model.
    expect((await t.app.credits.usage(userKey(t.aliceRequester), `discord:${t.guild.id}`)).used).toBe(
      2 * 2 * CLIP_CREDITS,
    );
  });

  it('answers /models and /help at once, and /quota after a defer, privately', async () => {
    const t = await harness();
    for (const [name, pattern] of [
      ['models', /kling-o3-pro/],
      ['help', /\/video/],
    ] as const) {
      const i = t.run(name);
      const answer = await t.dc.waitForCall('callback', (c) => c.path.startsWith(`/interactions/${i.id}/`));
      expect(answer.json).toMatchObject({
        type: 4,
        data: { flags: 64, content: expect.stringMatching(pattern) },
      });
    }
    const quota = t.run('quota');
    expect((await t.answer(quota.token)).content).toMatch(
      /875 credits left today\n≈ 5 clips of kling-2\.5-turbo-pro \(175 credits each\)\.\nUsed today: 0 of 875 credits/,
    );
    expect(callbackTypes(t, quota.id)).toEqual([5]);
  });
});

describe('discord bot: direct messages', () => {
  it('works in a DM with the bot, and falls back to the DM channel when the token dies', async () => {
    const t = await harness({ pollsToComplete: 4 });
    const dm = t.dc.dm(t.alice);
    const i = t.dc.command({
      name: 'video',
      user: t.alice,
      channelId: dm.id,
      options: [{ name: 'prompt', type: OPT.string, value: 'a fox, privately' }],
    });
    await t.reply(i.token, (m) => (m.embeds?.length ?? 0) > 0);
    t.dc.expireToken(i.token);
    const posted = await t.dc.waitForMessage(dm.id, (m) => (m.attachments?.length ?? 0) > 0, 20_000);
    expect(clipOf(t, posted)?.equals(t.rh.video)).toBe(true);
  });
});
