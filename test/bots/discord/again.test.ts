import type { APIAttachment, APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { userKey } from '../../../src/core/request.js';
import { buttonIds, type DiscordHarness, discordHarnesses, OPT } from '../../helpers/discord.js';
import { makePng, photoJpeg } from '../../helpers/media.js';

/**
 * Again on Discord: it works from the desk's own record of the request (kept three days), not from
 * the generate job, and from attachment URLs Discord re-signs, so it works after the job left the
 * queue and after the CDN links expired; when the attachments were deleted, it says so.
 */

const harness = discordHarnesses();

const done = (m: APIMessage): boolean => (m.attachments?.length ?? 0) > 0;

/** A finished /video made from a first frame; returns its final status, job id and the frame. */
async function animated(
  t: DiscordHarness,
): Promise<{ final: APIMessage; jobId: string; frame: APIAttachment }> {
  const frame = t.dc.attachment(photoJpeg(), {
    filename: 'cat.jpg',
    contentType: 'image/jpeg',
    width: 480,
    height: 360,
  });
  const i = t.run('video', [
    { name: 'prompt', type: OPT.string, value: 'the cat turns its head' },
    { name: 'first_frame', type: OPT.attachment, value: frame },
    { name: 'model', type: OPT.string, value: 'kling-o1' },
    { name: 'mode', type: OPT.string, value: 'pro' },
  ]);
  const final = await t.reply(i.token, done);
  const again = buttonIds(final)[0] as string;
  expect(again).toMatch(/^again:/);
  return { final, jobId: again.replace(/^again:/, ''), frame };
}

/** Alice presses Again; returns the new reply once it has a clip or says why not. */
async function pressAgain(t: DiscordHarness, final: APIMessage): Promise<APIMessage> {
  const pressed = t.dc.press(final, buttonIds(final)[0] as string, t.alice);
  return t.reply(pressed.token, (m) => done(m) || (m.content ?? '') !== '');
}

/** A kling-o1 pro clip of 5 s, as `animated` asks for. */
const CLIP = 280;

/** Alice's credits today in the guild. */
const used = async (t: DiscordHarness): Promise<number> =>
  (await t.app.credits.usage(userKey(t.aliceRequester), `discord:${t.guild.id}`)).used;

describe('discord bot: Again', () => {
  it('works after the generate job was removed from the queue: the same frame, the same settings', async () => {
    const t = await harness();
    const { final, jobId } = await animated(t);
    await (await t.app.queues.generate.getJob(jobId))?.remove();
    expect(await t.app.queues.generate.getJob(jobId)).toBeUndefined();

    const second = await pressAgain(t, final);
    expect(second.attachments).toHaveLength(1);
    const media = t.rh.media().map((m) => m.bytes);
    expect(media).toHaveLength(2);
    expect(media[1]).toEqual(photoJpeg());
    const [a, b] = t.rh.submitted();
    expect(b).toEqual({ ...a, firstImageUrl: b?.firstImageUrl });
    expect(await used(t)).toBe(2 * CLIP);
  });

  it('works after the attachment URLs expired: Discord re-signs them, the provider gets the same bytes', async () => {
    const t = await harness();
    const { final, frame } = await animated(t);
    t.dc.expireAttachments();
    expect((await fetch(frame.url)).status).toBe(404);

    const second = await pressAgain(t, final);
    expect(second.attachments).toHaveLength(1);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([photoJpeg(), photoJpeg()]);
    const refreshed = t.dc.calls('refresh-urls');
    expect(refreshed.length).toBeGreaterThanOrEqual(1);
    expect(refreshed[0]?.json).toEqual({ attachment_urls: [frame.url] });
    expect(refreshed[0]?.authorization).toBe(`Bot ${t.dc.token}`);
  });

  it('works for /reference after expiry, every image in its place', async () => {
    const t = await harness();
    const images = [makePng(320, 400, 5), makePng(330, 400, 6), makePng(340, 400, 7)];
    const i = t.run('reference', [
      { name: 'prompt', type: OPT.string, value: 'three friends' },
      ...images.map((bytes, n) => ({
        name: `image${n + 1}`,
        type: OPT.attachment,
        value: t.dc.attachment(bytes, {
          filename: `r${n}.png`,
          contentType: 'image/png',
          width: 320 + 10 * n,
          height: 400,
        }),
      })),
    ]);
    const final = await t.reply(i.token, done);
    t.dc.expireAttachments();
    const second = await pressAgain(t, final);
    expect(second.attachments).toHaveLength(1);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([...images, ...images]);
  });

  it('after the attachments were deleted: says the inputs are gone, and charges nothing', async () => {
    const t = await harness();
    const { final, frame } = await animated(t);
    t.dc.deleteAttachment(frame.id);
    const answer = await pressAgain(t, final);
    expect(answer.content).toBe(
      "The images that clip was made from are no longer available, so I can't make it again. Send them again with /video.",
    );
    expect(answer.embeds ?? []).toHaveLength(0);
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(1);
    expect(await used(t)).toBe(CLIP);
  });

  it('a clip too old to have a record says so', async () => {
    const t = await harness();
    const { final, jobId } = await animated(t);
    await t.app.redis.del(`${t.prefix}:again:${jobId}`);
    await (await t.app.queues.generate.getJob(jobId))?.remove();
    const answer = await pressAgain(t, final);
    expect(answer.content).toBe('That clip is too old to make again: use /video to start a new one.');
    expect(await used(t)).toBe(CLIP);
  });
});
