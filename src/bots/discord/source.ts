import type { REST } from 'discord.js';
import { userError } from '../../core/errors.js';
import type { MediaSource } from '../../core/ports.js';
import type { MediaSourceRef } from '../../core/request.js';
import { DISCORD_CDN_HOSTS, guardedDownload, type MediaNetworkSettings } from '../../jobs/download-guard.js';
import { downloadSignal, MediaError, readDownload } from '../../jobs/media.js';
import type { Fetch } from '../../providers/http.js';
import { describeDiscordError, isRetryable } from './errors.js';
import { DISCORD } from './platform.js';

/** What the `discord` media source needs. */
export interface DiscordSourceOptions {
  /** A REST client with the bot token set: re-signing attachment URLs needs it. */
  rest: REST;
  /** Transport for the CDN downloads; the global fetch by default. */
  fetch?: Fetch;
  /** Per-download time limit. Default 60 s. */
  timeoutMs?: number;
  /**
   * `MEDIA_ALLOW_HOSTS` and `MEDIA_ALLOW_PRIVATE`: downloads go to Discord's CDN only, at public
   * addresses, unless these allow more (tests, against the fake's CDN on 127.0.0.1).
   */
  network?: MediaNetworkSettings;
  now?: () => number;
}

/** Discord's own limit on URLs per refresh. */
const REFRESH_BATCH = 50;
/** A URL this close to its `ex` is re-signed first: it could expire mid-download. */
const EXPIRY_MARGIN_MS = 60_000;

/** When a signed CDN URL stops working (its `ex`: hex unix seconds), if it says. */
function expiresAt(url: string): number | undefined {
  try {
    const ex = new URL(url).searchParams.get('ex');
    const seconds = ex === null ? Number.NaN : Number.parseInt(ex, 16);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const gone = () =>
  new MediaError(userError('image-download-failed'), false, 'discord attachment is no longer available');

/**
 * The `discord` media source: attachments by their CDN URL. The URLs are signed and expire (`ex`),
 * so one that has expired, or that the CDN answers 404, is re-signed by Discord
 * (`POST /attachments/refresh-urls`, with the bot token) and downloaded again; one Discord does not
 * re-sign was deleted, and is gone for good. The download itself carries no credentials. `refresh`
 * re-signs a request's inputs before Again, so a clip can be made again long after its links expired.
 */
export function createDiscordSource(options: DiscordSourceOptions): MediaSource {
  const now = options.now ?? Date.now;
  // Only the CDN, redirects included: an attachment URL is data a user sent.
  const guarded = guardedDownload(
    {
      hosts: [...DISCORD_CDN_HOSTS, ...(options.network?.allowHosts ?? [])],
      allowPrivate: options.network?.allowPrivate ?? false,
    },
    options.fetch ? { fetch: options.fetch } : {},
  );

  /** Fresh URLs for these, in order; undefined where Discord left one out (deleted, unknown). */
  async function refreshUrls(urls: readonly string[]): Promise<(string | undefined)[]> {
    const fresh = new Map<string, string>();
    for (let at = 0; at < urls.length; at += REFRESH_BATCH) {
      let answer: unknown;
      try {
        answer = await options.rest.post('/attachments/refresh-urls', {
          body: { attachment_urls: urls.slice(at, at + REFRESH_BATCH) },
        });
      } catch (error) {
        // Discord unreachable or failing (not refusing): the attachments may well be there.
        throw new MediaError(
          userError('image-download-failed'),
          isRetryable(error),
          `refresh-urls: ${describeDiscordError(error)}`,
        );
      }
      const listed = (answer as { refreshed_urls?: { original?: unknown; refreshed?: unknown }[] })
        .refreshed_urls;
      for (const entry of listed ?? []) {
        if (typeof entry.original === 'string' && typeof entry.refreshed === 'string') {
          fresh.set(entry.original, entry.refreshed);
        }
      }
    }
    return urls.map((url) => fresh.get(url));
  }

  // The URL is signed: errors name the failure and the host, never the link.
  const download = (url: string, signal: AbortSignal | undefined): Promise<Response> =>
    guarded(url, { signal: downloadSignal(signal, options.timeoutMs), label: 'discord attachment download' });

  return {
    async fetch(ref, { maxBytes, signal }) {
      let url = ref.id;
      let refreshed = false;
      const expiry = expiresAt(url);
      if (expiry !== undefined && expiry - EXPIRY_MARGIN_MS <= now()) {
        const [fresh] = await refreshUrls([url]);
        if (fresh === undefined) throw gone();
        url = fresh;
        refreshed = true;
      }
      let response = await download(url, signal);
      if (response.status === 404 && !refreshed) {
        await response.body?.cancel();
        const [fresh] = await refreshUrls([ref.id]);
        if (fresh === undefined) throw gone();
        response = await download(fresh, signal);
      }
      return readDownload(response, maxBytes, 'discord attachment');
    },

    async refresh(refs: readonly MediaSourceRef[]) {
      const fresh = await refreshUrls(refs.map((r) => r.id));
      return fresh.map((url): MediaSourceRef | undefined =>
        url === undefined ? undefined : { kind: DISCORD, id: url },
      );
    },
  };
}
