import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Provider completion hints (`POST /webhooks/{provider}/{jobId}/{sig}`). The URL a job gives its
 * provider carries `sig`, an HMAC-SHA256 of `provider:jobId` with `WEBHOOK_SECRET`, so only the
 * provider we told can wake that job; the http role checks it in constant time. A valid hint wakes
 * the job only when it waits in its poll step and was not polled (or woken) in the last
 * {@link HINT_QUIET_MS}: a burst of hints costs at most one extra provider query.
 */
export const HINT_QUIET_MS = 3_000;

export function hintSignature(secret: string, provider: string, jobId: string): string {
  return createHmac('sha256', secret).update(`${provider}:${jobId}`).digest('base64url');
}

/** The path of a job's hint URL, to append to `PUBLIC_URL`. */
export function hintPath(secret: string, provider: string, jobId: string): string {
  return `/webhooks/${provider}/${jobId}/${hintSignature(secret, provider, jobId)}`;
}

/** Whether `given` is the job's signature, compared in constant time. */
export function validHint(secret: string, provider: string, jobId: string, given: string): boolean {
  const expected = Buffer.from(hintSignature(secret, provider, jobId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Set for {@link HINT_QUIET_MS} by each poll of the job and by each hint that wakes it: while it
 * exists, a hint does nothing.
 */
export const polledKey = (prefix: string, jobId: string): string => `${prefix}:hint-quiet:${jobId}`;
