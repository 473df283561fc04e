import { ProviderError, type ProviderErrorKind } from '../errors.js';
import { errorForStatus, type JsonResponse, parseRetryAfter } from '../http.js';

/**
 * RunningHub never sends Retry-After and publishes no rate numbers; vendor clients poll every 5 s,
 * so waiting a few polls before trying again is the safe guess.
 */
export const RUNNINGHUB_DEFAULT_RETRY_AFTER_MS = 15_000;

/** v2 `errorCode`s and legacy v1 `code`s (docs/reference/providers.md, "Errors"), by what the worker should do. */
const CODE_KINDS: Record<string, ProviderErrorKind> = {
  // account: the key or the balance, until an admin acts
  '1002': 'account',
  '1014': 'account',
  '1601': 'account',
  '802': 'account',
  '416': 'account',
  '812': 'account',
  // rate-limited: concurrency and queue limits
  '1003': 'rate-limited',
  '1520': 'rate-limited',
  '421': 'rate-limited',
  '415': 'rate-limited',
  '814': 'rate-limited',
  // transient: the provider's own trouble
  '1000': 'transient',
  '1005': 'transient',
  '1006': 'transient',
  '1010': 'transient',
  '1011': 'transient',
  '1012': 'transient',
  '1504': 'transient',
  // content-rejected: moderation
  '1501': 'content-rejected',
  '1505': 'content-rejected',
  // bad-request: our parameters or files
  '1001': 'bad-request',
  '1007': 'bad-request',
  '1008': 'bad-request',
  '1009': 'bad-request',
  '1013': 'bad-request',
  '809': 'bad-request',
  // not-found: the task id is unknown or expired
  '1004': 'not-found',
  '807': 'not-found',
  // generation-failed: the task ran and failed
  '1015': 'generation-failed',
  '805': 'generation-failed',
};

// The vendor client never retries messages with these words; they also cover codes not in the table.
const ACCOUNT_WORDS = /balance|insufficient|quota|余额不足/i;
const CONTENT_WORDS = /nsfw|violat|sensitive|moderation|prohibited|违规|敏感/i;
const RATE_WORDS = /rate limit|too many requests|concurrency/i;

/** Cuts the query string and fragment off every URL in `text`: signed links carry credentials there. */
const withoutQueryStrings = (text: string): string =>
  text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*)[?#][^\s"'<>]*/gi, '$1');

/**
 * Turns a RunningHub error into a {@link ProviderError} whose kind says what to do next. `code` is a
 * v2 `errorCode` or a legacy `code`; `httpStatus` and `retryAfter` (the header) come from the
 * response when there was one. A known code decides; the message refines unknown codes and
 * generic ones (1000, generation failures); the HTTP status decides what is left. Query strings are
 * cut from the message (signed URLs); the caller removes the key (see {@link createRunningHub}).
 */
export function classifyRunningHubError(
  code: string | number | null | undefined,
  message: string | null | undefined,
  httpStatus?: number,
  retryAfter?: string | null,
): ProviderError {
  const codeText = code === null || code === undefined || code === '' ? undefined : String(code);
  const text = withoutQueryStrings(message?.trim() || 'no message');
  const label = [
    'RunningHub',
    codeText === undefined ? undefined : `error ${codeText}`,
    httpStatus === undefined || (httpStatus >= 200 && httpStatus < 300) ? undefined : `HTTP ${httpStatus}`,
  ]
    .filter((part) => part !== undefined)
    .join(' ');
  const fullMessage = `${label}: ${text}`;
  const base = {
    provider: 'runninghub' as const,
    ...(codeText === undefined ? {} : { code: codeText }),
    ...(httpStatus === undefined ? {} : { status: httpStatus }),
  };
  const make = (kind: ProviderErrorKind): ProviderError =>
    kind === 'rate-limited'
      ? new ProviderError(kind, fullMessage, {
          ...base,
          retryAfterMs: parseRetryAfter(retryAfter ?? null) ?? RUNNINGHUB_DEFAULT_RETRY_AFTER_MS,
        })
      : new ProviderError(kind, fullMessage, base);

  if (httpStatus === 429) return make('rate-limited');
  const byCode = codeText === undefined ? undefined : CODE_KINDS[codeText];
  if (byCode !== undefined && byCode !== 'generation-failed' && codeText !== '1000') return make(byCode);
  if (ACCOUNT_WORDS.test(text)) return make('account');
  if (CONTENT_WORDS.test(text)) return make('content-rejected');
  if (RATE_WORDS.test(text)) return make('rate-limited');
  if (byCode !== undefined) return make(byCode);
  if (httpStatus !== undefined) {
    const res: JsonResponse = { status: httpStatus, headers: new Headers(), body: undefined };
    const byStatus = errorForStatus(res, 'runninghub', fullMessage, codeText);
    if (byStatus) return byStatus;
  }
  return make('generation-failed');
}
