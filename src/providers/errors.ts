/**
 * What kind of failure a provider call was, so the worker decides without parsing messages:
 * - `transient`: network failure, timeout, 5xx, provider busy: retry with backoff.
 * - `rate-limited`: slow down; wait `retryAfterMs` and try again, not counted as a failure.
 * - `content-rejected`: moderation said no: permanent, the user's content is the reason.
 * - `account`: bad or unauthorised key, out of balance: permanent until an admin acts.
 * - `bad-request`: the provider refused our parameters: permanent, retrying sends the same.
 * - `not-found`: the task id is unknown or expired.
 * - `generation-failed`: the task ran and failed at the provider for another reason.
 */
export const PROVIDER_ERROR_KINDS = [
  'transient',
  'rate-limited',
  'content-rejected',
  'account',
  'bad-request',
  'not-found',
  'generation-failed',
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

export interface ProviderErrorOptions {
  provider: string;
  /** The provider's own code (`1505`, `invalidApiKey`), when it gave one. */
  code?: string;
  /** HTTP status, when there was a response. */
  status?: number;
  /** For `rate-limited`: how long the provider asked us to wait. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A provider call failed. The message is the provider's own words (or ours), never a key, a token or
 * a URL carrying one.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ProviderErrorKind, message: string, options: ProviderErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.provider = options.provider;
    this.code = options.code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Worth trying the same call again later. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate-limited';
  }
}
