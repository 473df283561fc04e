import { type Api, GrammyError } from 'grammy';
import { userError } from '../../core/errors.js';
import type { ImageSource } from '../../core/ports.js';
import { MediaError, readDownload } from '../../jobs/media.js';
import type { Fetch } from '../../providers/http.js';
import { TELEGRAM_DOWNLOAD_LIMIT } from './images.js';

const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * The `telegram` image source: `getFile`, then a GET of the file URL, in this process. That URL is
 * `${apiRoot}/file/bot<token>/<path>`: it carries the bot token, so it is built here, used once, and
 * never logged, stored or handed to a provider (which gets the bytes, uploaded). Errors name only
 * what a person can act on.
 */
export function createTelegramImageSource(options: {
  api: Api;
  token: string;
  apiRoot: string;
  fetch?: Fetch;
}): ImageSource {
  const doFetch = options.fetch ?? fetch;
  return {
    async fetch(ref, { maxBytes, signal }) {
      if (ref.kind !== 'telegram') throw new Error(`telegram source given a ${ref.kind} reference`);
      const which = 'the image';
      let filePath: string | undefined;
      try {
        filePath = (await options.api.getFile(ref.fileId)).file_path;
      } catch (error) {
        if (error instanceof GrammyError && /too big/i.test(error.description)) {
          throw new MediaError(
            userError('image-too-large', {
              which,
              size: TELEGRAM_DOWNLOAD_LIMIT + 1,
              max: TELEGRAM_DOWNLOAD_LIMIT,
            }),
            false,
            'telegram: file is too big to download',
          );
        }
        const gone = error instanceof GrammyError && error.error_code === 400;
        throw new MediaError(
          userError('image-download-failed', { which }),
          !gone,
          error instanceof GrammyError ? `telegram getFile: ${error.description}` : 'telegram getFile failed',
        );
      }
      if (!filePath) {
        throw new MediaError(
          userError('image-download-failed', { which }),
          false,
          'telegram gave no file path',
        );
      }
      const url = `${options.apiRoot}/file/bot${options.token}/${filePath}`;
      const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
      let response: Response;
      try {
        response = await doFetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (cause) {
        // The cause's message may quote the URL: report only its kind.
        const kind = cause instanceof Error ? cause.name : 'error';
        throw new MediaError(
          userError('image-download-failed', { which }),
          true,
          `telegram download failed (${kind})`,
        );
      }
      return readDownload(response, maxBytes, which, 'telegram download');
    },
  };
}
