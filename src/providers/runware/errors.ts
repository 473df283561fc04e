import { ProviderError } from '../errors.js';

/**
 * Moderation codes, from Runware's own SDK (`Runware/runware-typescript` `src/errors.ts`,
 * `SAFETY_CODES`). The error catalogue is still being standardised, so a pattern catches the
 * variants providers add (`providerContentPolicyViolation`, …).
 */
const CONTENT_CODES = new Set([
  'contentPolicyViolation',
  'providerContentPolicyViolation',
  'sensitiveContentDetected',
  'unsafeContentDetected',
  'nsfwContentDetected',
  'promptBlocked',
  'imageBlocked',
  'moderationFailed',
]);
const CONTENT_PATTERN =
  /nsfw|moderat|contentpolicy|(unsafe|sensitive|inappropriate|prohibited)content|(prompt|image|video|input|output|content)blocked/i;

/** Codes the same SDK files as its own failure to serve us, worth another try. */
const TRANSIENT_CODES = new Set([
  'internalServerError',
  'serviceUnavailable',
  'serverUnavailable',
  'noAvailableServer',
  'modelUnavailable',
  'modelNotReady',
  'downloadFailed',
  'uploadFailed',
]);
const AUTH_CODES = new Set(['unauthorized', 'forbidden', 'permissionDenied', 'insufficientPermissions']);
const REQUEST_PREFIXES = /^(invalid|missing|unsupported|unknown|conflict|duplicate|value|array|max)/;

export interface ClassifyExtra {
  /** From a `Retry-After` header, for `rate-limited`. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Turns one Runware error (`code`, `message`, and the HTTP status when the call itself failed) into a
 * {@link ProviderError} of the right kind. Without a status the error belongs to a task (a
 * `getResponse` item), and an unknown code then means the generation failed. The message must
 * already be free of the API key.
 */
export function classifyRunwareError(
  code: string,
  message: string,
  httpStatus?: number,
  extra: ClassifyExtra = {},
): ProviderError {
  const options = {
    provider: 'runware' as const,
    ...(code ? { code } : {}),
    ...(httpStatus === undefined ? {} : { status: httpStatus }),
    ...(extra.cause === undefined ? {} : { cause: extra.cause }),
  };
  const make = (kind: ProviderError['kind']) => new ProviderError(kind, message, options);
  const lower = code.toLowerCase();

  // Money first: Runware answers an empty balance with 402 and a `…Credits`/`…Balance` code.
  if (/credits|balance|quota/.test(lower) || code === 'paymentRequired' || httpStatus === 402) {
    return make('account');
  }
  if (httpStatus === 401 || httpStatus === 403 || lower.includes('apikey') || AUTH_CODES.has(code)) {
    return make('account');
  }
  if (lower.includes('ratelimit') || httpStatus === 429) {
    return new ProviderError('rate-limited', message, {
      ...options,
      ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
    });
  }
  if (CONTENT_CODES.has(code)) return make('content-rejected');
  if (code === 'taskFailedOrNotFound') return make('not-found');
  if (code === 'taskCancelled') return make('generation-failed');
  if (lower.includes('timeout') || TRANSIENT_CODES.has(code)) return make('transient');
  if (httpStatus !== undefined && (httpStatus === 408 || httpStatus >= 500)) return make('transient');
  if (REQUEST_PREFIXES.test(code)) return make('bad-request');
  // After the parameter codes, so `invalidSafetyMode` stays a bad request.
  if (CONTENT_PATTERN.test(code)) return make('content-rejected');
  if (httpStatus !== undefined && httpStatus >= 400) return make('bad-request');
  return make('generation-failed');
}
