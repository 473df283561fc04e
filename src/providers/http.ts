import { randomUUID } from 'node:crypto';
import { ProviderError } from './errors.js';

/** The transport providers use: the global `fetch` (undici) unless a test or caller injects another. */
export type Fetch = typeof fetch;

export interface HttpOptions {
  provider: string;
  fetch?: Fetch;
  /** Per-request time limit; past it the call fails as `transient`. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** Parsed body, or `undefined` when it was empty or not JSON. */
  body: unknown;
}

/** A JSON object (not an array, not null). */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The shortest wait derived from a provider's answer (`Retry-After`, an open circuit): one second.
 * `Retry-After: 0` or a date in the past would otherwise ask again at once, in a loop.
 */
export const MIN_RETRY_WAIT_MS = 1_000;

/** `Retry-After` as milliseconds, never under {@link MIN_RETRY_WAIT_MS}: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(MIN_RETRY_WAIT_MS, Math.ceil(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(MIN_RETRY_WAIT_MS, date - now);
}

/**
 * One HTTP call that never throws anything but a {@link ProviderError}: network failures and time-outs
 * become `transient`. The caller interprets the status and body (each provider has its own codes).
 * Error messages name the path, never the query string or headers (keys live there).
 */
export async function requestJson(
  url: string,
  init: RequestInit,
  options: HttpOptions,
): Promise<JsonResponse> {
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const where = new URL(url).pathname;
  let response: Response;
  try {
    response = await doFetch(url, { ...init, signal });
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason ?? cause;
    const timedOut = timeout.aborted;
    throw new ProviderError('transient', `${timedOut ? 'timed out' : 'network error'} calling ${where}`, {
      provider: options.provider,
      cause,
    });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new ProviderError('transient', `connection lost reading ${where}`, {
      provider: options.provider,
      status: response.status,
      cause,
    });
  }
  let body: unknown;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/**
 * The kind an HTTP status implies when the body says nothing more specific: 429 rate-limited,
 * 408 and 5xx transient, 401/402/403 account, 404 not found, other 4xx bad request.
 */
export function errorForStatus(
  res: JsonResponse,
  provider: string,
  message: string,
  code?: string,
): ProviderError | undefined {
  const { status } = res;
  const base = { provider, status, ...(code === undefined ? {} : { code }) };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return new ProviderError('rate-limited', message, {
      ...base,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 408 || status >= 500) return new ProviderError('transient', message, base);
  // 402 Payment Required: out of balance (Runware documents it so).
  if (status === 401 || status === 402 || status === 403) return new ProviderError('account', message, base);
  if (status === 404) return new ProviderError('not-found', message, base);
  if (status >= 400) return new ProviderError('bad-request', message, base);
  return undefined;
}

/** Slices of bytes we hold are sent in views of at most this size (no copy of the whole). */
const SLICE_BYTES = 256 * 1024;

/** `bytes` in consecutive views of at most `size` bytes each: the same memory, not copies. */
export function* slicesOf(bytes: Uint8Array, size = SLICE_BYTES): Generator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) {
    yield bytes.subarray(at, Math.min(at + size, bytes.byteLength));
  }
}

/**
 * The fetch options of a request body sent piece by piece as the socket takes it — views of bytes
 * already in memory, or small encodings of them — so a large upload never exists twice in memory.
 * `length` is the exact total of the pieces, sent as `Content-Length` (no chunked encoding, which
 * some upload endpoints refuse). Redirects are refused: under fetch's default `follow`, undici tees
 * the body to replay it after a 307/308 and so keeps a copy of every byte sent until the answer.
 */
export function streamedBody(
  length: number,
  pieces: Iterable<Uint8Array>,
): { body: ReadableStream<Uint8Array>; duplex: 'half'; redirect: 'error'; contentLength: string } {
  const iterator = pieces[Symbol.iterator]();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      iterator.return?.();
    },
  });
  return { body, duplex: 'half', redirect: 'error', contentLength: String(length) };
}

/** One file as a `multipart/form-data` body: its headers, then its bytes as they are, then the end. */
export function multipartFile(
  field: string,
  file: { bytes: Uint8Array; contentType: string; filename: string },
): { contentType: string; length: number; pieces: Iterable<Uint8Array> } {
  const boundary = `----reelay${randomUUID().replace(/-/g, '')}`;
  // Quoted as browsers and undici do: `"`, CR and LF percent-encoded.
  const quote = (v: string) => v.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${quote(field)}"; filename="${quote(file.filename)}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.byteLength + file.bytes.byteLength + tail.byteLength,
    pieces: (function* () {
      yield head;
      yield* slicesOf(file.bytes);
      yield tail;
    })(),
  };
}
