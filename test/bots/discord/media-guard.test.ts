import type { APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeServer } from '../../fakes/server.js';
import { type DiscordHarness, discordHarnesses, OPT, textOf } from '../../helpers/discord.js';
import { makePng, pngHeader } from '../../helpers/media.js';
import { waitFor } from '../../helpers/wait.js';

const harness = discordHarnesses();

const done = (m: APIMessage): boolean => /Done|Failed|Cancelled/.test(m.embeds?.[0]?.title ?? '');

/** A host that answers every request with a redirect to `target()`: a CDN URL gone astray. */
let redirector: FakeServer | undefined;
afterEach(async () => {
  await redirector?.close();
  redirector = undefined;
});

/** `/video` with `bytes` as the first frame, at `url` if given (else the fake CDN's own). */
function videoWithFrame(t: DiscordHarness, bytes: Buffer, url?: string) {
  const attachment = t.dc.attachment(bytes, { filename: 'frame.png', contentType: 'image/png' });
  const frame = url ? { ...attachment, url, proxy_url: url } : attachment;
  return t.run('video', [
    { name: 'prompt', type: OPT.string, value: 'the cat turns its head' },
    { name: 'first_frame', type: OPT.attachment, value: frame },
  ]);
}

/** The job failed with `words` in its reply, and nothing was charged, submitted or uploaded. */
async function failedUncharged(t: DiscordHarness, token: string, words: string): Promise<void> {
  const final = await t.reply(token, done);
  expect(final.embeds?.[0]?.title).toBe('❌ Failed');
  expect(textOf(final)).toContain(words);
  await waitFor(async () => (await t.used()) === 0, { what: 'the credits to be refunded' });
  expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
  expect(t.rh.media()).toEqual([]);
}

describe('discord: attachments come from the CDN only, and no image is too large in pixels', () => {
  it('an attachment whose URL redirects off the allowed hosts is refused with a clear reply; nothing is charged', async () => {
    let target = '';
    redirector = new FakeServer(
      () => 'cdn',
      ({ res }) => {
        res.writeHead(302, { location: target });
        res.end();
      },
    );
    await redirector.start();
    const cdnHost = new URL(redirector.baseUrl).host;
    const t = await harness({ env: { MEDIA_ALLOW_HOSTS: cdnHost } });
    // Where it leads: a host of the machine's own network, with bytes that would pass every check.
    target = t.files.put('elsewhere.png', makePng(400, 400), 'image/png');
    const i = videoWithFrame(t, makePng(400, 400), `${redirector.baseUrl}/attachments/1/2/frame.png`);
    await failedUncharged(t, i.token, "its link leads somewhere I don't download from");
    expect(redirector.requests).toHaveLength(1);
    expect(t.files.server.requests).toHaveLength(0);
    // The log names the host it refused, never a URL.
    const filesHost = new URL(target).host;
    expect(t.logs.some((l) => l.includes(`refused: ${filesHost}: host not allowed`))).toBe(true);
    expect(t.logs.some((l) => l.includes('elsewhere.png') || l.includes('/attachments/1/2/'))).toBe(false);
  });

  it('a 10000×10000 PNG is refused by the global pixel cap with its size in the reply; nothing is charged', async () => {
    const t = await harness();
    const i = videoWithFrame(t, pngHeader(10_000, 10_000));
    await failedUncharged(t, i.token, 'is 10000×10000 pixels; the most is 50 megapixels.');
  });
});
