import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { userError } from '../core/errors.js';
import type { Fetch } from '../providers/http.js';
import { MediaError } from './media.js';

/**
 * Where a worker may download a chat user's inputs from, and from which addresses. A user controls
 * what an attachment's URL answers (a redirect, say), so without these rules a "photo" could make a
 * worker read a cloud metadata endpoint or a service on its private network and hand the answer to
 * a provider.
 */

/** Discord's attachment CDN: the hosts of an attachment's `url` and `proxy_url`. */
export const DISCORD_CDN_HOSTS: readonly string[] = ['cdn.discordapp.com', 'media.discordapp.net'];

/** Redirects followed per download; each hop is checked like the first URL. */
export const MAX_REDIRECTS = 3;

/** The download settings of the configuration (`MEDIA_ALLOW_HOSTS`, `MEDIA_ALLOW_PRIVATE`). */
export interface MediaNetworkSettings {
  /** Hosts (`host` or `host:port`) allowed besides a platform's own. */
  allowHosts: readonly string[];
  /** Private, loopback and other non-public addresses allowed: for tests on 127.0.0.1 only. */
  allowPrivate: boolean;
}

/** The rules of one source's downloads. */
export interface DownloadRules {
  /**
   * Hosts a download (and each redirect) may go to, as `URL.host` writes them: `host`, or
   * `host:port` for a port other than the scheme's. Undefined: any host (the command line's `url`).
   */
  hosts?: readonly string[];
  /**
   * Host names whose addresses are not checked: ones the operator configured (a local Bot API
   * server on the same private network), which the bot talks to with its token anyway.
   */
  trustedHosts?: readonly string[];
  /** `MEDIA_ALLOW_PRIVATE`: non-public addresses allowed (tests). */
  allowPrivate: boolean;
}

/** The address ranges no download may reach: anything but public unicast, in IPv4 and IPv6. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: may embed a private IPv4 address
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo included)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: may embed a private IPv4 address
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/**
 * Whether an IP address is public unicast. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are
 * judged as the IPv4 address they carry (BlockList does so).
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Why a download was refused; `host` is the host alone, never the URL (a Telegram one holds the token). */
export class DownloadRefused extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`${host}: ${reason}`);
    this.name = 'DownloadRefused';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
/** `dns.lookup` with `all: true`, as a test may replace it (a name resolving to a private address). */
export type Resolve = (hostname: string, callback: LookupCallback) => void;

const systemResolve: Resolve = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (error, addresses) => callback(error, addresses ?? []));

/** The refusal in an error's cause chain (fetch wraps what the connection's lookup threw), if any. */
function refusalIn(error: unknown): DownloadRefused | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DownloadRefused) return e;
  }
  return undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Downloads under one set of rules; `label` names the download in errors (never its URL). */
export type GuardedDownload = (
  url: string,
  options: { signal: AbortSignal; label: string },
) => Promise<Response>;

/**
 * A GET that keeps to `rules`: the URL and every redirect (followed by hand, at most
 * {@link MAX_REDIRECTS}) must be http(s) on an allowed host; a literal IP host, and every address a
 * name resolves to, must be public. The check is made in the connection's own DNS lookup, so the
 * address checked is the address connected to (a name cannot resolve to a public address for the
 * check and a private one for the connection). A refusal is a non-retryable MediaError with
 * `image-download-refused`; a network failure a retryable `image-download-failed`.
 */
export function guardedDownload(
  rules: DownloadRules,
  options: { fetch?: Fetch; resolve?: Resolve } = {},
): GuardedDownload {
  const doFetch = options.fetch ?? fetch;
  const resolve = options.resolve ?? systemResolve;
  const trusted = new Set(rules.trustedHosts ?? []);
  const checksAddresses = (hostname: string) => !rules.allowPrivate && !trusted.has(hostname);
  // undici's Agent for Node's own fetch: the same interface, typed by another copy of undici's types.
  const dispatcher = new Agent({
    connect: {
      lookup(hostname, _options, callback) {
        resolve(hostname, (error, addresses) => {
          if (error) return callback(error, addresses);
          const bad = checksAddresses(hostname) && addresses.find((a) => !isPublicAddress(a.address));
          if (bad) return callback(new DownloadRefused(hostname, 'resolves to a non-public address'), []);
          callback(null, addresses);
        });
      },
    },
  }) as unknown as NonNullable<RequestInit['dispatcher']>;

  /** The URL if it may be asked for; throws DownloadRefused otherwise. */
  const check = (url: URL): void => {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DownloadRefused(url.protocol, 'not an http(s) URL');
    }
    if (rules.hosts && !rules.hosts.includes(url.host))
      throw new DownloadRefused(url.host, 'host not allowed');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(hostname) !== 0 && checksAddresses(url.hostname) && !isPublicAddress(hostname)) {
      throw new DownloadRefused(url.host, 'non-public address');
    }
  };

  return async (first, { signal, label }) => {
    if (!URL.canParse(first)) {
      throw new MediaError(userError('image-download-failed'), false, `${label}: not a URL`);
    }
    let url = new URL(first);
    try {
      for (let hops = 0; ; hops++) {
        check(url);
        let response: Response;
        try {
          response = await doFetch(url, { signal, redirect: 'manual', dispatcher });
        } catch (cause) {
          const refused = refusalIn(cause);
          if (refused) throw refused;
          // The cause's message may quote the URL: report only its kind.
          const kind = cause instanceof Error ? cause.name : 'error';
          throw new MediaError(userError('image-download-failed'), true, `${label} failed (${kind})`);
        }
        const location = response.headers.get('location');
        if (!REDIRECTS.has(response.status) || location === null) return response;
        await response.body?.cancel();
        if (hops >= MAX_REDIRECTS)
          throw new DownloadRefused(url.host, `more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
      }
    } catch (error) {
      if (!(error instanceof DownloadRefused)) throw error;
      throw new MediaError(userError('image-download-refused'), false, `${label} refused: ${error.message}`);
    }
  };
}
