import { readFile, stat } from 'node:fs/promises';
import type { ImageLimits, VideoLimits } from '../core/catalog.js';
import { type UserError, userError } from '../core/errors.js';
import type { MediaSource, MediaSources } from '../core/ports.js';
import type { MediaRef } from '../core/request.js';
import { checkImageMetadata } from '../core/validate.js';
import type { Fetch } from '../providers/http.js';
import type { Media } from '../providers/provider.js';
import { guardedDownload, type MediaNetworkSettings } from './download-guard.js';

/**
 * A media input could not be used. `retryable`: the source may answer later (network, 5xx);
 * otherwise the user has to send something else, and `userError` says what.
 */
export class MediaError extends Error {
  constructor(
    readonly userError: UserError,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

/** The same error, naming the input it is about (sources do not know which input they fetch). */
const about = (error: MediaError, input: string): MediaError =>
  new MediaError(
    { ...error.userError, details: { ...error.userError.details, input } },
    error.retryable,
    error.message,
  );

const DOWNLOAD_TIMEOUT_MS = 60_000;

/**
 * Reads an HTTP response body, stopping as soon as it passes `maxBytes` so a 4 GB "photo" costs us
 * at most the limit. Throws a non-retryable MediaError with `image-too-large` then. When the answer
 * declares its length, the bytes go straight into one buffer of that size (one copy in memory, not
 * the chunks plus their concatenation).
 */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const header = response.headers.get('content-length');
  const declared = header === null || header.trim() === '' ? Number.NaN : Number(header);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new MediaError(userError('image-too-large', { size: declared, max: maxBytes }), false, 'too large');
  }
  const tooLarge = (size: number) =>
    new MediaError(userError('image-too-large', { size, max: maxBytes }), false, 'too large');
  if (!response.body) return Buffer.alloc(0);
  const into = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : undefined;
  // Bytes in `into`; what does not fit there (a body longer than declared, or no declaration) is kept
  // in `chunks` and joined at the end.
  let filled = 0;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(total);
    if (into && chunks.length === 0 && filled + chunk.byteLength <= into.byteLength) {
      into.set(chunk, filled);
      filled += chunk.byteLength;
    } else chunks.push(chunk);
  }
  if (!into) return Buffer.concat(chunks, total);
  if (chunks.length === 0) return into.subarray(0, filled);
  return Buffer.concat([into.subarray(0, filled), ...chunks], total);
}

/**
 * The bytes of a download's answer, capped at `maxBytes`, or the MediaError a person can act on.
 * `label` names the download in the error's message (never its URL: it may carry a token).
 */
export async function readDownload(
  response: Response,
  maxBytes: number,
  label: string,
): Promise<{ bytes: Uint8Array; contentType?: string }> {
  if (!response.ok) {
    await response.body?.cancel();
    // A 4xx (expired signed URL, deleted attachment) will not get better by asking again.
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new MediaError(
      userError('image-download-failed'),
      retryable,
      `${label} answered HTTP ${response.status}`,
    );
  }
  const bytes = await readCapped(response, maxBytes);
  const contentType = response.headers.get('content-type') ?? undefined;
  return contentType === undefined ? { bytes } : { bytes, contentType };
}

/** The signal of one download: the job's, and the download's own time limit. */
export const downloadSignal = (signal: AbortSignal | undefined, timeoutMs = DOWNLOAD_TIMEOUT_MS) => {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
};

/**
 * The built-in `url` source, for URLs an operator typed on the command line: a plain GET, no
 * credentials of ours, capped at `maxBytes`. Any host, but only at public addresses, redirects
 * included, unless `network.allowPrivate` (tests): a job in the shared queue must not make a worker
 * read its own private network.
 */
export function createUrlSource(
  options: { fetch?: Fetch; timeoutMs?: number; network?: MediaNetworkSettings } = {},
): MediaSource {
  const download = guardedDownload(
    { allowPrivate: options.network?.allowPrivate ?? false },
    options.fetch ? { fetch: options.fetch } : {},
  );
  return {
    async fetch(ref, { maxBytes, signal }) {
      const response = await download(ref.id, {
        signal: downloadSignal(signal, options.timeoutMs),
        label: 'download',
      });
      return readDownload(response, maxBytes, 'download');
    },
  };
}

/** A `file` source for the command-line tool only: local paths typed by the admin running it. */
export function createFileSource(): MediaSource {
  return {
    async fetch(ref, { maxBytes }) {
      const path = ref.id;
      try {
        const info = await stat(path);
        if (info.size > maxBytes) {
          throw new MediaError(
            userError('image-too-large', { size: info.size, max: maxBytes }),
            false,
            'too large',
          );
        }
        return { bytes: await readFile(path) };
      } catch (error) {
        if (error instanceof MediaError) throw error;
        throw new MediaError(userError('image-download-failed'), false, `cannot read ${path}`);
      }
    },
  };
}

/** What the bytes really are, from their first bytes, whatever the name or header says. */
export function sniffType(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16));
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (
    b.length >= 8 &&
    b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return 'image/png';
  }
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  if (b.length >= 6 && b.toString('latin1', 0, 4) === 'GIF8') return 'image/gif';
  if (b.length >= 4 && b.toString('latin1', 0, 4) === '%PDF') return 'application/pdf';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    return b.toString('latin1', 8, 10) === 'qt' ? 'video/quicktime' : 'video/mp4';
  }
  return undefined;
}

/**
 * Width and height of a PNG, JPEG, WebP or GIF, read from its header; undefined when it can't be
 * read (an image whose size is unknown is refused: it could be of any size).
 */
export function imageSize(bytes: Uint8Array, type: string): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 'image/gif') {
    return b.length < 10 ? undefined : { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  }
  if (type === 'image/webp') return webpSize(b);
  if (type === 'image/png') {
    if (b.length < 24 || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (type === 'image/jpeg') {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
        i += marker === 0xff ? 1 : 2;
        continue;
      }
      const length = b.readUInt16BE(i + 2);
      // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      }
      i += 2 + length;
    }
  }
  return undefined;
}

/** A WebP's size from its first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webpSize(b: Buffer): { width: number; height: number } | undefined {
  if (b.length < 30) return undefined;
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return undefined;
}

/** Seconds of an MP4, from its `mvhd` box; undefined when there is none in the bytes. */
export function mp4Duration(bytes: Uint8Array): number | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = b.indexOf('mvhd', 0, 'latin1');
  if (at < 4 || at + 32 > b.length) return undefined;
  const version = b[at + 4];
  if (version === 1) {
    const timescale = b.readUInt32BE(at + 24);
    const duration = Number(b.readBigUInt64BE(at + 28));
    return timescale > 0 ? duration / timescale : undefined;
  }
  const timescale = b.readUInt32BE(at + 16);
  const duration = b.readUInt32BE(at + 20);
  return timescale > 0 ? duration / timescale : undefined;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'video/mp4': 'mp4',
};

/**
 * The most pixels of any image input, whatever the model (`IMAGE_MAX_PIXELS`'s default): 50
 * megapixels, room for a 48-megapixel phone camera's originals. It keeps a small file that
 * decompresses to gigabytes (a "pixel flood") from reaching a provider, which would charge for it
 * or choke on it; the models' own limits are in bytes and, for some, sides.
 */
export const DEFAULT_IMAGE_MAX_PIXELS = 50_000_000;

/**
 * Downloads one image and checks the real bytes against the model's limits: type by magic bytes
 * (a PDF renamed .png is caught here), size, and dimensions from the header, and against the global
 * pixel cap (`maxPixels`, {@link DEFAULT_IMAGE_MAX_PIXELS} by default). An image whose dimensions
 * cannot be read is refused: it could be of any size.
 */
export async function loadImage(
  ref: MediaRef,
  limits: ImageLimits,
  input: string,
  sources: MediaSources,
  options: { signal?: AbortSignal; maxPixels?: number | undefined } = {},
): Promise<Media> {
  const { signal, maxPixels = DEFAULT_IMAGE_MAX_PIXELS } = options;
  const { bytes, type } = await fetchChecked(ref, input, limits.types, limits.maxBytes, sources, signal);
  const size = imageSize(bytes, type);
  if (size === undefined) {
    const problem = userError('image-type-unsupported', { input, allowed: limits.types });
    throw new MediaError(problem, false, `${type} header gives no dimensions`);
  }
  if (size.width * size.height > maxPixels) {
    const problem = userError('image-too-many-pixels', { input, ...size, max: maxPixels });
    throw new MediaError(problem, false, `${size.width}x${size.height} is over ${maxPixels} pixels`);
  }
  const problem = checkImageMetadata(
    { source: ref.source, contentType: type, size: bytes.byteLength, ...size },
    limits,
    input,
  );
  if (problem) throw new MediaError(problem, false, problem.id);
  return { bytes, contentType: type, filename: `${input}.${EXTENSIONS[type] ?? 'bin'}` };
}

/** Downloads the reference video and checks it is an MP4 within size and length. */
export async function loadVideo(
  ref: MediaRef,
  limits: VideoLimits,
  sources: MediaSources,
  signal?: AbortSignal,
  /** The input's neutral name: a reference video, or motion control's driving video. */
  input = 'reference-video',
): Promise<Media> {
  const { bytes, type } = await fetchChecked(ref, input, limits.types, limits.maxBytes, sources, signal);
  const seconds = mp4Duration(bytes);
  if (seconds !== undefined && seconds > limits.maxSeconds + 0.05) {
    throw new MediaError(
      userError('video-too-long', { input, seconds: Math.round(seconds), max: limits.maxSeconds }),
      false,
      'video too long',
    );
  }
  return { bytes, contentType: type, filename: `${input}.mp4` };
}

/**
 * Fetches one input through the source for its kind, at most `maxBytes`, and tells what it really
 * is from its first bytes, whatever its name or header claimed.
 */
async function fetchChecked(
  ref: MediaRef,
  input: string,
  types: string[],
  maxBytes: number,
  sources: MediaSources,
  signal?: AbortSignal,
): Promise<{ bytes: Uint8Array; type: string }> {
  const kind = ref.source.kind;
  const source = Object.hasOwn(sources, kind) ? sources[kind] : undefined;
  if (!source) {
    throw new MediaError(userError('image-download-failed', { input }), false, `no ${kind} source`);
  }
  let bytes: Uint8Array;
  try {
    ({ bytes } = await source.fetch(ref.source, signal ? { maxBytes, signal } : { maxBytes }));
  } catch (error) {
    throw error instanceof MediaError ? about(error, input) : error;
  }
  const type = sniffType(bytes);
  if (type === undefined) {
    throw new MediaError(
      userError('image-not-an-image', { input, allowed: types }),
      false,
      'unrecognised content',
    );
  }
  if (!types.includes(type)) {
    throw new MediaError(
      userError('image-type-unsupported', { input, type, allowed: types }),
      false,
      `unsupported ${type}`,
    );
  }
  return { bytes, type };
}
