import { type Api, GrammyError } from 'grammy';
import { userError } from '../../core/errors.js';
import type { MediaSource } from '../../core/ports.js';
import type { MediaSourceRef } from '../../core/request.js';
import { guardedDownload, type MediaNetworkSettings } from '../../jobs/download-guard.js';
import { downloadSignal, MediaError, readDownload } from '../../jobs/media.js';
import type { Fetch } from '../../providers/http.js';
import { TELEGRAM_DOWNLOAD_LIMIT } from './media.js';
import { TELEGRAM } from './platform.js';

const isTooBig = (error: unknown): boolean =>
  error instanceof GrammyError && /too big/i.test(error.description);
/** Telegram does not know the file id (any more): a 400 other than "too big". */
const isUnknownFile = (error: unknown): boolean =>
  error instanceof GrammyError && error.error_code === 400 && !isTooBig(error);

/** The Bot API client (with its token) the source asks `getFile` of, and the root of file URLs. */
export interface TelegramSourceOptions {
  api: Api;
  token: string;
  apiRoot: string;
  fetch?: Fetch;
  /** `MEDIA_ALLOW_HOSTS` and `MEDIA_ALLOW_PRIVATE`: where a redirect of a file download may go. */
  network?: MediaNetworkSettings;
}

/**
 * The `telegram` media source: a ref's id is a Telegram `file_id`, which lasts for this bot (so a
 * request made again days later still finds its inputs). `fetch` calls `getFile`, then GETs the file
 * URL in this process. That URL is `${apiRoot}/file/bot<token>/<path>`: it carries the bot token, so
 * it is built here, used once, and never logged, stored or handed to a provider (which gets the
 * bytes, uploaded). Errors name only what a person can act on.
 *
 * Downloads go to the Bot API root's host only (`TELEGRAM_API_URL`: api.telegram.org, or the
 * operator's local Bot API server), redirects included. That host is the operator's choice, and the
 * bot sends it its token anyway, so its addresses are not checked: a local server on a private
 * network works. A redirect elsewhere must be to a `MEDIA_ALLOW_HOSTS` host at a public address.
 */
export function createTelegramSource(options: TelegramSourceOptions): MediaSource {
  const root = new URL(options.apiRoot);
  const download = guardedDownload(
    {
      hosts: [root.host, ...(options.network?.allowHosts ?? [])],
      trustedHosts: [root.hostname],
      allowPrivate: options.network?.allowPrivate ?? false,
    },
    options.fetch ? { fetch: options.fetch } : {},
  );
  const own = (ref: MediaSourceRef): string => {
    if (ref.kind !== TELEGRAM) throw new Error(`telegram source given a ${ref.kind} reference`);
    return ref.id;
  };

  async function filePath(fileId: string): Promise<string> {
    let path: string | undefined;
    try {
      path = (await options.api.getFile(fileId)).file_path;
    } catch (error) {
      if (isTooBig(error)) {
        const tooLarge = userError('image-too-large', {
          size: TELEGRAM_DOWNLOAD_LIMIT + 1,
          max: TELEGRAM_DOWNLOAD_LIMIT,
          reason: 'platform',
        });
        throw new MediaError(tooLarge, false, 'telegram: file is too big to download');
      }
      throw new MediaError(
        userError('image-download-failed'),
        !isUnknownFile(error),
        error instanceof GrammyError ? `telegram getFile: ${error.description}` : 'telegram getFile failed',
      );
    }
    if (!path) throw new MediaError(userError('image-download-failed'), false, 'telegram gave no file path');
    return path;
  }

  return {
    async fetch(ref, { maxBytes, signal }) {
      const path = await filePath(own(ref));
      const url = `${options.apiRoot}/file/bot${options.token}/${path}`;
      // Errors name the host and the kind of failure, never the URL (it holds the token).
      const response = await download(url, { signal: downloadSignal(signal), label: 'telegram download' });
      return readDownload(response, maxBytes, 'telegram download');
    },

    /**
     * Whether Telegram still knows each file: `getFile` for each (a file id lasts; a file Telegram
     * no longer has answers 400). A file too big to download is still there: the worker says so.
     * Any other error (network, 5xx) is thrown: the desk answers "busy", not "gone".
     */
    async refresh(refs) {
      const out: (MediaSourceRef | undefined)[] = [];
      for (const ref of refs) {
        try {
          await options.api.getFile(own(ref));
          out.push(ref);
        } catch (error) {
          if (isTooBig(error)) out.push(ref);
          else if (isUnknownFile(error)) out.push(undefined);
          else throw error;
        }
      }
      return out;
    },
  };
}
