import type { LookupAddress } from 'node:dns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  DISCORD_CDN_HOSTS,
  type DownloadRules,
  guardedDownload,
  isPublicAddress,
  type Resolve,
} from '../../src/jobs/download-guard.js';
import { createUrlSource, imageSize, loadImage } from '../../src/jobs/media.js';
import { FakeServer } from '../fakes/server.js';
import { localNetwork, makePng, mediaError, pngHeader } from '../helpers/media.js';

/**
 * A host standing in for a CDN: `/img` is a PNG, `/to?u=<url>` redirects there, `/loop` redirects
 * to itself. Every request is recorded, so a test can tell a refused download never connected.
 */
const PNG = makePng(4, 4, 7);
let host: FakeServer;
let other: FakeServer;
const serve = (): FakeServer =>
  new FakeServer(
    () => 'file',
    ({ res, url }) => {
      if (url.pathname === '/img') {
        res.writeHead(200, { 'content-type': 'image/png' });
        return void res.end(PNG);
      }
      const to = url.pathname === '/loop' ? '/loop' : url.searchParams.get('u');
      res.writeHead(to ? 302 : 404, to ? { location: to } : {});
      res.end();
    },
  );

beforeEach(async () => {
  host = serve();
  other = serve();
  await Promise.all([host.start(), other.start()]);
});
afterEach(async () => {
  await Promise.all([host.close(), other.close()]);
});

const hostOf = (s: FakeServer) => new URL(s.baseUrl).host;
const via = (s: FakeServer, to: string) => `${s.baseUrl}/to?u=${encodeURIComponent(to)}`;
const signal = () => AbortSignal.timeout(10_000);

/** A resolver that answers `addresses` for every name (as a DNS server the attacker runs could). */
const resolvingTo =
  (...addresses: string[]): Resolve =>
  (_hostname, callback) =>
    callback(
      null,
      addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

const download = (rules: DownloadRules, url: string, resolve?: Resolve) =>
  guardedDownload(rules, resolve ? { resolve } : {})(url, { signal: signal(), label: 'test download' });

describe('download guard: addresses', () => {
  it('counts only public unicast addresses as public, IPv4-mapped IPv6 judged as IPv4', () => {
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      'fd00::1',
      'fc00::1',
      'fe80::1',
      'ff02::1',
      '64:ff9b::a00:1',
      '2002:a00:1::1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '162.159.128.233', '::ffff:8.8.8.8', '2606:4700::1111']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('refuses literal private hosts before connecting, whatever the allowed hosts', async () => {
    const source = createUrlSource();
    const literal = [
      'http://10.0.0.7/a.png',
      'http://192.168.1.20/a.png',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/a.png',
      'http://[::ffff:127.0.0.1]/a.png',
      'http://[fd00::1]/a.png',
      'http://0x7f.1/a.png',
    ];
    for (const url of literal) {
      const error = await mediaError(source.fetch({ kind: 'url', id: url }, { maxBytes: 1024 }));
      expect(error.userError.id, url).toBe('image-download-refused');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/non-public address/);
    }
    // A private host's own port: refused without a connection.
    const error = await mediaError(
      source.fetch({ kind: 'url', id: `${host.baseUrl}/img` }, { maxBytes: 1024 }),
    );
    expect(error.message).toBe(`download refused: ${hostOf(host)}: non-public address`);
    expect(host.requests).toHaveLength(0);
  });

  it('refuses a name that resolves to a private address, checked at connection time', async () => {
    const [, port] = hostOf(host).split(':');
    const cdn = `cdn.discordapp.com:${port}`;
    // The name is allowed, but the address it resolves to is not; one private address among public
    // ones is enough.
    for (const addresses of [['127.0.0.1'], ['8.8.8.8', '127.0.0.1'], ['::ffff:127.0.0.1']]) {
      const error = await mediaError(
        download({ hosts: [cdn], allowPrivate: false }, `http://${cdn}/img`, resolvingTo(...addresses)),
      );
      expect(error.userError.id).toBe('image-download-refused');
      expect(error.message).toBe(
        `test download refused: cdn.discordapp.com: resolves to a non-public address`,
      );
    }
    expect(host.requests).toHaveLength(0);
    // The system resolver too: `localhost` is loopback.
    const error = await mediaError(
      createUrlSource().fetch({ kind: 'url', id: `http://localhost:${port}/img` }, { maxBytes: 1024 }),
    );
    expect(error.message).toMatch(/localhost: resolves to a non-public address/);
    expect(host.requests).toHaveLength(0);
  });

  it('connects to the address it checked: a made-up name resolved to the fake is reached', async () => {
    const [, port] = hostOf(host).split(':');
    const response = await download(
      { hosts: [`cdn.discordapp.com:${port}`], allowPrivate: true },
      `http://cdn.discordapp.com:${port}/img`,
      resolvingTo('127.0.0.1'),
    );
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    expect(host.requests[0]?.headers.host).toBe(`cdn.discordapp.com:${port}`);
  });
});

describe('download guard: hosts and redirects', () => {
  it('downloads from an allowed host, following a redirect that stays on allowed hosts', async () => {
    const rules = { hosts: [hostOf(host), hostOf(other)], allowPrivate: true };
    const response = await download(rules, via(host, `${other.baseUrl}/img`));
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    expect(other.requests.map((r) => r.path)).toEqual(['/img']);
  });

  it('refuses a host not on the list, and a redirect to one, naming the host only', async () => {
    const rules = { hosts: [...DISCORD_CDN_HOSTS, hostOf(host)], allowPrivate: true };
    const direct = await mediaError(download(rules, `${other.baseUrl}/img?token=secret`));
    expect(direct.message).toBe(`test download refused: ${hostOf(other)}: host not allowed`);
    const redirected = await mediaError(download(rules, via(host, `${other.baseUrl}/img?token=secret`)));
    expect(redirected.userError.id).toBe('image-download-refused');
    expect(redirected.retryable).toBe(false);
    expect(redirected.message).toBe(`test download refused: ${hostOf(other)}: host not allowed`);
    expect(other.requests).toHaveLength(0);
    const elsewhere = await mediaError(download(rules, via(host, 'https://evil.example/x.png')));
    expect(elsewhere.message).toBe('test download refused: evil.example: host not allowed');
    const scheme = await mediaError(download(rules, via(host, 'file:///etc/passwd')));
    expect(scheme.message).toBe('test download refused: file:: not an http(s) URL');
  });

  it('refuses a redirect to 127.0.0.1 from a trusted host unless private addresses are allowed', async () => {
    // A trusted host (the operator's own Bot API server) is reached at whatever address it has;
    // where it redirects is checked like any URL.
    const [, port] = hostOf(host).split(':');
    const start = `http://bot-api.local:${port}/to?u=${encodeURIComponent(`${other.baseUrl}/img`)}`;
    const rules = {
      hosts: [`bot-api.local:${port}`, hostOf(other)],
      trustedHosts: ['bot-api.local'],
      allowPrivate: false,
    };
    const error = await mediaError(download(rules, start, resolvingTo('127.0.0.1')));
    expect(error.message).toBe(`test download refused: ${hostOf(other)}: non-public address`);
    expect(host.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
    const allowed = await download({ ...rules, allowPrivate: true }, start, resolvingTo('127.0.0.1'));
    expect(Buffer.from(await allowed.arrayBuffer())).toEqual(PNG);
  });

  it('stops after three redirects', async () => {
    const error = await mediaError(
      download({ hosts: [hostOf(host)], allowPrivate: true }, `${host.baseUrl}/loop`),
    );
    expect(error.message).toBe(`test download refused: ${hostOf(host)}: more than 3 redirects`);
    expect(host.requests).toHaveLength(4);
  });
});

describe('global pixel cap', () => {
  const limits = { types: ['image/jpeg', 'image/png'], maxBytes: 1024 * 1024, minSide: 300 };
  const sources = { url: createUrlSource({ network: localNetwork() }) };
  const served = (bytes: Buffer): FakeServer =>
    new FakeServer(
      () => 'file',
      ({ res }) => {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(bytes);
      },
    );

  it('refuses an image over the cap, whatever the model allows, and one whose size is unreadable', async () => {
    const files = served(pngHeader(10_000, 10_000));
    const broken = served(Buffer.concat([PNG.subarray(0, 8), Buffer.from('not a header at all')]));
    await Promise.all([files.start(), broken.start()]);
    try {
      const ref = (s: FakeServer) => ({ source: { kind: 'url', id: `${s.baseUrl}/x.png` } });
      const over = await mediaError(loadImage(ref(files), limits, 'first-frame', sources));
      expect(over.userError).toEqual({
        id: 'image-too-many-pixels',
        details: { input: 'first-frame', width: 10_000, height: 10_000, max: 50_000_000 },
      });
      const lower = await mediaError(
        loadImage(ref(files), limits, 'first-frame', sources, { maxPixels: 1e6 }),
      );
      expect(lower.userError.details?.max).toBe(1_000_000);
      const unreadable = await mediaError(loadImage(ref(broken), limits, 'reference-1', sources));
      expect(unreadable.userError.id).toBe('image-type-unsupported');
    } finally {
      await Promise.all([files.close(), broken.close()]);
    }
  });

  it('reads the size of WebP (lossy, lossless, extended) and GIF headers', () => {
    const webp = (chunk: string, body: number[]) =>
      Buffer.concat([
        Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'),
        Buffer.from(chunk, 'latin1'),
        Buffer.alloc(4),
        Buffer.from(body),
        Buffer.alloc(16),
      ]);
    // VP8: frame tag (3 bytes), start code, 14-bit width and height.
    const lossy = webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x10, 0x27, 0x88, 0x13]);
    expect(imageSize(lossy, 'image/webp')).toEqual({ width: 10_000, height: 5_000 });
    // VP8L: signature, then width-1 and height-1 in 14 bits each.
    const bits = 9_999 | (4_999 << 14);
    const lossless = webp('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24]);
    expect(imageSize(lossless, 'image/webp')).toEqual({ width: 10_000, height: 5_000 });
    // VP8X: flags (4 bytes), then width-1 and height-1 in 24 bits each.
    const extended = webp('VP8X', [0, 0, 0, 0, 0x0f, 0x27, 0, 0x87, 0x13, 0]);
    expect(imageSize(extended, 'image/webp')).toEqual({ width: 10_000, height: 5_000 });
    const gif = Buffer.from([...Buffer.from('GIF89a', 'latin1'), 0x10, 0x27, 0x88, 0x13, 0, 0, 0]);
    expect(imageSize(gif, 'image/gif')).toEqual({ width: 10_000, height: 5_000 });
  });
});

describe('configuration', () => {
  const env = { REELAY_ROLES: 'http' };

  it('is closed by default: no extra hosts, no private addresses, a 50-megapixel cap', () => {
    expect(loadConfig(env).media).toEqual({
      allowHosts: [],
      allowPrivate: false,
      imageMaxPixels: 50_000_000,
    });
  });

  it('reads the extra hosts as URL.host writes them, and refuses anything else', () => {
    const media = loadConfig({
      ...env,
      MEDIA_ALLOW_HOSTS: 'Proxy.Example:8443, cdn.example:443,127.0.0.1:3000,[::1]:80',
      MEDIA_ALLOW_PRIVATE: 'true',
      IMAGE_MAX_PIXELS: '1000000',
    }).media;
    expect(media).toEqual({
      allowHosts: ['proxy.example:8443', 'cdn.example', '127.0.0.1:3000', '[::1]'],
      allowPrivate: true,
      imageMaxPixels: 1_000_000,
    });
    for (const bad of ['https://cdn.example', 'cdn.example/path', 'user@cdn.example']) {
      expect(() => loadConfig({ ...env, MEDIA_ALLOW_HOSTS: bad }), bad).toThrow(/MEDIA_ALLOW_HOSTS/);
    }
    expect(() => loadConfig({ ...env, IMAGE_MAX_PIXELS: '10' })).toThrow(/IMAGE_MAX_PIXELS/);
  });
});
