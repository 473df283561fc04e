import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { type DiscordHarness, discordHarnesses, OPT, textOf } from '../../helpers/discord.js';
import { nothingQueued } from '../../helpers/harness.js';
import { clipMp4, makePng, mp4Lasting } from '../../helpers/media.js';

/**
 * `/motion` on Discord: the character as the `image` option and the driving video as `video`,
 * through the real bot, desk and workers to the RunningHub fake, which checks each body against the
 * vendor's table; the test checks it exactly.
 */

const harness = discordHarnesses();

const done = (m: APIMessage): boolean =>
  (m.attachments?.length ?? 0) > 0 || /Done|Failed|Cancelled/.test(m.embeds?.[0]?.title ?? '');

const character = (t: DiscordHarness, bytes: Buffer) =>
  t.dc.attachment(bytes, { filename: 'knight.png', contentType: 'image/png', width: 400, height: 400 });

const driving = (t: DiscordHarness, bytes = clipMp4()) =>
  t.dc.attachment(bytes, { filename: 'moves.mp4', contentType: 'video/mp4', width: 640, height: 360 });

describe('discord bot: /motion end to end', () => {
  it('image and video reach kling-3.0-pro motion control with exactly the body the endpoint takes', async () => {
    const t = await harness();
    const png = makePng(400, 400, 81);
    const i = t.run('motion', [
      { name: 'prompt', type: OPT.string, value: 'the knight dances' },
      { name: 'image', type: OPT.attachment, value: character(t, png) },
      { name: 'video', type: OPT.attachment, value: driving(t) },
      { name: 'model', type: OPT.string, value: 'kling-3.0-pro' },
    ]);
    const final = await t.reply(i.token, done);
    expect(final.embeds?.[0]?.title).toMatch(/^✅ Done/);
    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([
      '/openapi/v2/kling-v3.0-pro/motion-control',
    ]);
    const [image, video] = t.rh.media();
    expect(image?.bytes).toEqual(png);
    expect(video?.bytes).toEqual(clipMp4());
    expect(t.rh.submitted()).toEqual([
      {
        prompt: 'the knight dances',
        imageUrl: image?.handle,
        videoUrl: video?.handle,
        characterOrientation: 'video',
        keepOriginalSound: true,
      },
    ]);
  });

  it('a video given as the image is refused by its option name, before anything is queued', async () => {
    const t = await harness();
    const i = t.run('motion', [
      { name: 'prompt', type: OPT.string, value: 'the knight dances' },
      { name: 'image', type: OPT.attachment, value: driving(t) },
      { name: 'video', type: OPT.attachment, value: driving(t) },
    ]);
    expect(textOf(await t.outcome(i.token))).toBe(
      '`image` is an MP4 video; please send a JPEG or PNG image.',
    );
    await nothingQueued(t, t.aliceRequester);
  });

  it('a driving video over 10 s fails before the provider, naming the `video` option, at no charge', async () => {
    const t = await harness();
    const i = t.run('motion', [
      { name: 'prompt', type: OPT.string, value: 'a long dance' },
      { name: 'image', type: OPT.attachment, value: character(t, makePng(400, 400, 82)) },
      { name: 'video', type: OPT.attachment, value: driving(t, mp4Lasting(12)) },
    ]);
    const final = await t.reply(i.token, done);
    expect(final.embeds?.[0]?.title).toMatch(/Failed/);
    expect(JSON.stringify(final.embeds)).toContain('`video` is 12 seconds long; the most is 10 seconds.');
    expect(t.rh.submitCount()).toBe(0);
    expect(await t.used()).toBe(0);
  });
});
