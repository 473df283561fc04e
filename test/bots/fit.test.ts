import { readFile, writeFile } from 'node:fs/promises';
import type { APIMessage } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/media/ffmpeg.js';
import { brokenClip, makeClip, removeClips, testFfmpeg, topLevelBoxes } from '../helpers/clips.js';
import { discordHarnesses, OPT } from '../helpers/discord.js';
import { telegramScenes, videoFor } from '../helpers/telegram.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Clips that fit and play, end to end: the provider fakes serve a clip made by ffmpeg, the real
 * workers probe it, compress it when it is over the target's upload limit (and only then), and the
 * platform fakes receive what a member would. Real ffmpeg (installed by .ci/run).
 */

const discord = discordHarnesses();
const telegram = telegramScenes();
const MiB = 1024 * 1024;

afterAll(removeClips);

const done = (m: APIMessage): boolean =>
  (m.attachments?.length ?? 0) > 0 || /Done|Failed/.test(m.embeds?.[0]?.title ?? '');

/** A 12 MB, 8 s 720p clip with sound: over Discord's default 10 MiB. */
const twelveMegabytes = () =>
  makeClip({ seconds: 8, width: 1280, height: 720, audio: true, targetBytes: 12_000_000 });

describe('compress to fit, on Discord', () => {
  it('a 12 MB clip for a 10 MiB limit arrives under it: an MP4 of the same length, with sound, that starts at once', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(await twelveMegabytes());
    expect(source.length).toBeGreaterThan(10 * MiB);
    const t = await discord({ ffmpeg, video: source });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a storm over the sea' }], {
      attachmentSizeLimit: 10 * MiB,
    });
    const final = await t.reply(i.token, done, 90_000);
    const url = final.attachments?.[0]?.url;
    expect(url).toBeDefined();
    const posted = t.dc.fileBytes(url as string) as Buffer;
    expect(posted.length).toBeLessThanOrEqual(10 * MiB);
    const file = t.out('posted.mp4');
    await writeFile(file, posted);
    const before = await probe(ffmpeg, await saved(t.out('source.mp4'), source));
    const after = await probe(ffmpeg, file);
    expect(after).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
    expect(Math.abs(after.durationS - before.durationS)).toBeLessThanOrEqual(0.2);
    // +faststart: the index comes before the media, so it plays while it downloads.
    const boxes = await topLevelBoxes(file);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    // The status says how long it is, and that it was compressed.
    const text = final.embeds?.[0]?.description ?? '';
    expect(text).toMatch(/8\.0 s · 1280×720/);
    expect(text).toMatch(/Compressed from 11\.\d MB to \d+\.\d MB to fit the upload limit here\./);
  });

  it('a clip that fits arrives byte for byte, with its length in the status', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(await makeClip({ seconds: 3, width: 640, height: 360, audio: true }));
    const t = await discord({ ffmpeg, video: source });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a small clip' }]);
    const final = await t.reply(i.token, done, 30_000);
    expect(t.dc.fileBytes(final.attachments?.[0]?.url as string)?.equals(source)).toBe(true);
    expect(final.embeds?.[0]?.description).toMatch(/3\.0 s · 640×360/);
    expect(final.embeds?.[0]?.description).not.toMatch(/Compressed/);
  });

  it('a clip that cannot fit (a 100 KB limit) arrives as the link, and the worker says why', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(await twelveMegabytes());
    const t = await discord({ ffmpeg, video: source });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'too much' }], {
      attachmentSizeLimit: 100_000,
    });
    const final = await t.reply(i.token, done, 30_000);
    expect(final.attachments ?? []).toHaveLength(0);
    const url = /(http:\/\/\S+)/.exec(final.embeds?.[0]?.description ?? '')?.[1] as string;
    expect((await fetch(url).then((r) => r.arrayBuffer())).byteLength).toBe(source.length);
    expect(t.logs.join('\n')).toContain('clip cannot fit the upload limit');
  });

  it('when ffmpeg fails on the clip, it arrives as the link, and the log has ffmpeg’s last words', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(await brokenClip(200_000));
    const t = await discord({ ffmpeg, video: source });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'garbled' }], {
      attachmentSizeLimit: 100_000,
    });
    const final = await t.reply(i.token, done, 30_000);
    expect(final.attachments ?? []).toHaveLength(0);
    expect(final.embeds?.[0]?.description).toMatch(/http:\/\/\S+\/results\//);
    const failed = t.logs
      .map((l) => JSON.parse(l) as { msg?: string; stderr?: string })
      .find((l) => l.msg === 'clip preparation step failed; the clip goes as it is');
    expect(failed?.stderr?.length ?? 0).toBeGreaterThan(0);
  });

  it('without ffmpeg an oversize clip arrives as the link', async () => {
    const source = await readFile(await twelveMegabytes());
    const t = await discord({ video: source });
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'no tools' }], {
      attachmentSizeLimit: 10 * MiB,
    });
    const final = await t.reply(i.token, done, 30_000);
    expect(final.attachments ?? []).toHaveLength(0);
    expect(final.embeds?.[0]?.description).toMatch(/http:\/\/\S+\/results\//);
  });
});

describe('clips that play in place, on Telegram', () => {
  it('sendVideo carries the probed duration, width, height, streaming and a thumbnail frame', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(await makeClip({ seconds: 4, width: 640, height: 360, audio: true }));
    const s = await telegram({ ffmpeg, video: source });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a heron' });
    const call = await videoFor(s.h, request, 30_000);
    expect(call.params).toMatchObject({ duration: 4, width: 640, height: 360, supports_streaming: true });
    const thumb = call.uploads.thumbnail;
    expect(thumb?.data.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(call.uploads.video?.data.equals(source)).toBe(true);
  });

  it('a clip phones cannot play inline (MPEG-4 Part 2 in Matroska) arrives as H.264 in MP4', async () => {
    const ffmpeg = await testFfmpeg();
    const odd = await makeClip({
      seconds: 2,
      width: 320,
      height: 240,
      audio: true,
      codec: 'mpeg4',
      container: 'mkv',
    });
    const s = await telegram({ ffmpeg, video: await readFile(odd) });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video an odd one' });
    const call = await videoFor(s.h, request, 30_000);
    const file = s.h.out('sent.mp4');
    await writeFile(file, call.uploads.video?.data as Buffer);
    expect(await probe(ffmpeg, file)).toMatchObject({ videoCodec: 'h264' });
    expect((await probe(ffmpeg, file)).formatName).toContain('mp4');
  });

  it('over the Bot API limit, the clip is compressed under it', async () => {
    const ffmpeg = await testFfmpeg();
    const source = await readFile(
      await makeClip({ seconds: 3, width: 640, height: 360, audio: true, targetBytes: 1_500_000 }),
    );
    const s = await telegram({ ffmpeg, video: source, uploadLimit: 1_000_000 });
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/video a squeeze' });
    const call = await videoFor(s.h, request, 60_000);
    expect(call.uploads.video?.data.length).toBeLessThanOrEqual(1_000_000);
    await waitFor(
      async () => (s.h.logs.some((l) => l.includes('clip compressed to fit')) ? true : undefined),
      { what: 'the compression log line' },
    );
  });
});

async function saved(path: string, bytes: Buffer): Promise<string> {
  await writeFile(path, bytes);
  return path;
}
