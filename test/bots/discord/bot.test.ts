import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import { DC_TOKEN, type DiscordHarness, discordHarnesses, OPT } from '../../helpers/discord.js';
import { everythingSent, nothingQueued as nothingQueuedFor } from '../../helpers/harness.js';
import { documentPdf, makePng, photoJpeg } from '../../helpers/media.js';
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
const firstButton = (m: APIMessage): string | undefined =>
  (m.components?.[0] as { components?: { custom_id?: string }[] } | undefined)?.components?.[0]?.custom_id;

const callbackTypes = (t: DiscordHarness, interactionId: string): number[] =>
  t.dc.callbacks(interactionId).map((c) => (c.json as { type: number }).type);

/** Everything any fake outside Discord received, and every log line: where no token may appear. */
function leaks(t: DiscordHarness, interactionTokens: string[]): string[] {
  const outside = `${everythingSent(t.rh)}\n${everythingSent(t.rw)}\n${t.logs.join('\n')}`;
  return [DC_TOKEN, DC_TOKEN.split('.').at(-1) as string, ...interactionTokens].filter((s) =>
    outside.includes(s),
  );
}

const nothingQueued = (t: DiscordHarness): Promise<void> =>
  nothingQueuedFor(t, { platform: 'discord', userId: t.alice.id });

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

describe('discord bot: bad input gets an immediate ephemeral reply; nothing is queued or charged', () => {
  const cases: {
    name: string;
    options: (t: DiscordHarness) => Parameters<DiscordHarness['run']>[1];
    reply: RegExp;
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
      reply: /is a PDF; please send a JPEG or PNG image/,
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
      reply: /40 MB; the limit is 20 MB/,
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
        { name: 'model', type: OPT.string, value: 'kling-o3-pro' },
        {
          name: 'first_frame',
          type: OPT.attachment,
          value: t.dc.attachment(photoJpeg(), {
            filename: 'a.jpg',
            contentType: 'image/jpeg',
            width: 480,
            height: 360,
          }),
        },
        {
          name: 'last_frame',
          type: OPT.attachment,
          value: t.dc.attachment(photoJpeg(), {
            filename: 'b.jpg',
            contentType: 'image/jpeg',
            width: 480,
            height: 360,
          }),
        },
      ],
      reply: /kling-o3-pro/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const t = await harness();
      const i = t.run('video', c.options(t));
      const answer = await t.dc.waitForCall('callback', (call) =>
        call.path.startsWith(`/interactions/${i.id}/`),
      );
      const body = answer.json as { type: number; data: { content: string; flags: number } };
      expect(body.type).toBe(4);
      expect(body.data.flags & 64).toBe(64);
      expect(body.data.content).toMatch(c.reply);
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
  it('Cancel by the requester stops the job and refunds; another member is refused', async () => {
    const t = await harness({ pollsToComplete: 10_000 });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a slow sunrise' }]);
    const status = await t.reply(i.token, (m) => (m.components?.length ?? 0) > 0);
    await waitFor(() => t.rh.submitCount() === 1);
    const cancel = firstButton(status) as string;

    const bob = t.dc.user(undefined, 'bob');
    const refused = t.dc.press(status, cancel, bob);
    const refusal = await t.dc.waitForCall('callback', (c) =>
      c.path.startsWith(`/interactions/${refused.id}/`),
    );
    expect(refusal.json).toMatchObject({
      type: 4,
      data: { flags: 64, content: expect.stringMatching(/Only the person who asked/) },
    });

    t.dc.press(status, cancel, t.alice);
    const cancelled = await t.reply(i.token, (m) => /Cancelled/.test(m.embeds?.[0]?.title ?? ''));
    expect(cancelled.components ?? []).toHaveLength(0);
    expect((await t.app.quota.usage(userKey({ platform: 'discord', userId: t.alice.id }))).used).toBe(0);
  });

  it('Again repeats a finished clip with the same settings, as a new request', async () => {
    const t = await harness();
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'a fox, again' },
      { name: 'duration', type: OPT.integer, value: 10 },
    ]);
    const final = await t.reply(i.token, done);
    const again = t.dc.press(final, firstButton(final) as string, t.alice);
    const second = await t.reply(again.token, done);
    expect(clipOf(t, second)?.equals(t.rh.video)).toBe(true);
    const bodies = t.rh.submitted();
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toEqual(bodies[0]);
    expect((await t.app.quota.usage(userKey({ platform: 'discord', userId: t.alice.id }))).used).toBe(2);
  });

  it('answers /models, /quota and /help privately', async () => {
    const t = await harness();
    for (const [name, pattern] of [
      ['models', /kling-o3-pro/],
      ['quota', /5 videos left|0 of 5/],
      ['help', /\/video/],
    ] as const) {
      const i = t.run(name);
      const answer = await t.dc.waitForCall('callback', (c) => c.path.startsWith(`/interactions/${i.id}/`));
      expect(answer.json).toMatchObject({
        type: 4,
        data: { flags: 64, content: expect.stringMatching(pattern) },
      });
    }
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
