import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import { createDiscordSource } from '../../../src/bots/discord/source.js';
import { FAKE_DISCORD_TOKEN, FakeDiscord } from '../../fakes/discord.js';
import { localNetwork, makePng, mediaError } from '../../helpers/media.js';

/** The `discord` media source against the fake Discord: CDN downloads, re-signed when expired. */

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup() {
  fake = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN });
  const rest = new REST({ api: fake.apiUrl }).setToken(FAKE_DISCORD_TOKEN);
  return { dc: fake, source: createDiscordSource({ rest, network: localNetwork(fake.baseUrl) }) };
}

const ref = (url: string) => ({ kind: DISCORD, id: url });
const LIMIT = { maxBytes: 1024 * 1024 };

describe('the discord media source', () => {
  it('downloads a live attachment URL as it is, without credentials and without asking Discord', async () => {
    const { dc, source } = await setup();
    const png = makePng(8, 8, 1);
    const att = dc.attachment(png, { filename: 'a.png' });
    const got = await source.fetch(ref(att.url), LIMIT);
    expect(Buffer.from(got.bytes)).toEqual(png);
    expect(got.contentType).toBe('image/png');
    expect(dc.calls('refresh-urls')).toHaveLength(0);
    expect(dc.calls('cdn').map((c) => c.authorization)).toEqual([undefined]);
  });

  it('a URL the CDN answers 404 (expired early) is re-signed by Discord, then downloaded', async () => {
    const { dc, source } = await setup();
    const png = makePng(8, 8, 2);
    const att = dc.attachment(png, { filename: 'b.png' });
    dc.expireAttachments();
    const got = await source.fetch(ref(att.url), LIMIT);
    expect(Buffer.from(got.bytes)).toEqual(png);
    expect(dc.calls('refresh-urls').map((c) => [c.json, c.authorization])).toEqual([
      [{ attachment_urls: [att.url] }, `Bot ${FAKE_DISCORD_TOKEN}`],
    ]);
    expect(dc.calls('cdn').map((c) => c.status)).toEqual([404, 200]);
  });

  it('a URL whose `ex` has passed is re-signed first, with no download of the dead link', async () => {
    const { dc } = await setup();
    const png = makePng(8, 8, 3);
    const att = dc.attachment(png, { filename: 'c.png' });
    const base = Date.now();
    dc.now = () => base + dc.cdnTtlMs + 60_000;
    const late = createDiscordSource({
      rest: new REST({ api: dc.apiUrl }).setToken(FAKE_DISCORD_TOKEN),
      now: () => base + dc.cdnTtlMs + 60_000,
      network: localNetwork(dc.baseUrl),
    });
    const got = await late.fetch(ref(att.url), LIMIT);
    expect(Buffer.from(got.bytes)).toEqual(png);
    expect(dc.calls('cdn').map((c) => c.status)).toEqual([200]);
    expect(dc.calls('refresh-urls')).toHaveLength(1);
  });

  it('a deleted attachment is gone for good: a non-retryable download failure, naming no URL', async () => {
    const { dc, source } = await setup();
    const att = dc.attachment(makePng(8, 8, 4), { filename: 'd.png' });
    dc.deleteAttachment(att.id);
    const error = await mediaError(source.fetch(ref(att.url), LIMIT));
    expect(error.userError.id).toBe('image-download-failed');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('http');
    expect(error.message).not.toContain(FAKE_DISCORD_TOKEN);
  });

  it('more than the limit is refused as too large', async () => {
    const { dc, source } = await setup();
    const att = dc.attachment(makePng(64, 64, 5), { filename: 'e.png' });
    const error = await mediaError(source.fetch(ref(att.url), { maxBytes: 10 }));
    expect(error.userError.id).toBe('image-too-large');
  });

  it('refresh re-signs many in one call, and answers undefined for each one Discord left out', async () => {
    const { dc, source } = await setup();
    const kept = dc.attachment(makePng(8, 8, 6), { filename: 'k.png' });
    const deleted = dc.attachment(makePng(8, 8, 7), { filename: 'x.png' });
    const other = dc.attachment(makePng(8, 8, 8), { filename: 'o.png' });
    dc.deleteAttachment(deleted.id);
    dc.expireAttachments();
    const fresh = await source.refresh?.([ref(kept.url), ref(deleted.url), ref(other.url)]);
    expect(fresh?.map((r) => r?.kind)).toEqual([DISCORD, undefined, DISCORD]);
    expect(dc.calls('refresh-urls')).toHaveLength(1);
    const bytes = await fetch(fresh?.[0]?.id as string).then(async (r) => Buffer.from(await r.arrayBuffer()));
    expect(bytes).toEqual(dc.fileBytes(kept.url));
    expect(await source.refresh?.([])).toEqual([]);
  });

  it('Discord failing to answer the refresh is a retryable failure', async () => {
    const { dc } = await setup();
    const att = dc.attachment(makePng(8, 8, 9), { filename: 'f.png' });
    dc.expireAttachments();
    dc.failNext('refresh-urls', 'server-error', { times: 10 });
    const rest = new REST({ api: dc.apiUrl, retries: 0 }).setToken(FAKE_DISCORD_TOKEN);
    const error = await mediaError(
      createDiscordSource({ rest, network: localNetwork(dc.baseUrl) }).fetch(ref(att.url), LIMIT),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/refresh-urls: POST 500/);
  });

  it('Discord refusing the refresh (a bad bot token) is not retried', async () => {
    const { dc } = await setup();
    const att = dc.attachment(makePng(8, 8, 10), { filename: 'g.png' });
    dc.expireAttachments();
    const rest = new REST({ api: dc.apiUrl }).setToken('not-the-token');
    const error = await mediaError(
      createDiscordSource({ rest, network: localNetwork(dc.baseUrl) }).fetch(ref(att.url), LIMIT),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/refresh-urls: POST 401/);
  });
});
