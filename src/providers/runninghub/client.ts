import type { RunningHubEndpoint } from '../core/catalog.js';
import { ProviderError, type ProviderErrorKind } from './errors.js';
import { errorForStatus, type Fetch, type JsonResponse, parseRetryAfter, requestJson } from './http.js';
import type { CallOptions, Media, SubmitInput, SubmitResult, TaskStatus, VideoProvider } from './types.js';

/**
 * RunningHub's Standard Model API (v2): upload a file, submit a task to a model endpoint, query it.
 * Sources: ../../shared/reference/providers.md and the vendor's pages for each endpoint.
 */

export interface RunningHubOptions {
  apiKey: string;
  /** `https://www.runninghub.ai` or `https://www.runninghub.cn`: keys do not cross hosts. */
  baseUrl: string;
  fetch?: Fetch;
  /** Per-call limit for submit and query. Default 30 s. */
  timeoutMs?: number;
  /** Per-call limit for an upload (a video can be 50 MB). Default 120 s. */
  uploadTimeoutMs?: number;
}

/**
 * RunningHub never sends Retry-After and publishes no rate numbers; vendor clients poll every 5 s,
 * so waiting a few polls before trying again is the safe guess.
 */
export const RUNNINGHUB_DEFAULT_RETRY_AFTER_MS = 15_000;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;

/** v2 `errorCode`s and legacy v1 `code`s (providers.md, "Errors"), by what the worker should do. */
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

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmpty = (value: unknown): string | undefined => {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

/**
 * A v2 answer reports an error by a non-empty `errorCode` or `errorMessage` (both are `""` or null
 * while all is well); a code of `0` is read as success whatever the message says.
 */
function carriesError(body: Record<string, unknown>): boolean {
  const code = nonEmpty(body.errorCode);
  return code !== undefined ? code !== '0' : nonEmpty(body.errorMessage) !== undefined;
}

/**
 * Builds the JSON body of a submit from a validated request: picks the route's endpoint for the
 * request's mode, names each neutral value as that endpoint does, and adds the endpoint's fixed
 * values. Unset optionals are left out (RunningHub wants empty optionals omitted). Pure.
 * Throws a `bad-request` ProviderError when the route cannot serve the request.
 */
export function buildRunningHubBody(input: SubmitInput): { path: string; body: Record<string, unknown> } {
  const { route, request, media } = input;
  const refuse = (message: string): never => {
    throw new ProviderError('bad-request', `RunningHub: ${message}`, { provider: 'runninghub' });
  };
  if (route.provider !== 'runninghub') return refuse(`not a RunningHub route (${route.provider})`);
  const endpoint: RunningHubEndpoint | undefined = route.endpoints[request.mode];
  if (!endpoint) return refuse(`model ${request.model} has no endpoint for mode ${request.mode}`);
  const fields = endpoint.fields;
  const body: Record<string, unknown> = {};
  const put = (key: string | undefined, value: unknown): void => {
    if (key !== undefined && value !== undefined && value !== '') body[key] = value;
  };

  put(fields.prompt, request.prompt);
  put(fields.negativePrompt, request.negativePrompt);
  if (fields.duration) {
    // LIST durations are option strings ("5"); INT durations are JSON numbers.
    const { key, format } = fields.duration;
    put(key, format === 'string' ? String(request.duration) : Math.trunc(request.duration));
  }
  put(fields.aspectRatio, request.aspectRatio);
  put(fields.quality, request.quality);
  put(fields.cfgScale, request.cfgScale);
  put(fields.sound, request.sound);

  // A user's image must never be dropped silently: an image without a field, or a field the request
  // fills without a staged handle, is a routing bug, not something to paper over.
  const images: ['firstFrame' | 'lastFrame' | 'references' | 'referenceVideo', string, unknown, boolean][] = [
    ['firstFrame', 'first frame', media.first, request.images.first !== undefined],
    ['lastFrame', 'last frame', media.last, request.images.last !== undefined],
    ['references', 'reference images', media.references, (request.images.references?.length ?? 0) > 0],
    ['referenceVideo', 'reference video', media.video, request.images.video !== undefined],
  ];
  for (const [neutral, what, handle, requested] of images) {
    const key = fields[neutral];
    const present = Array.isArray(handle) ? handle.length > 0 : handle !== undefined;
    if (!present && !requested) continue;
    if (key === undefined) return refuse(`${endpoint.path} takes no ${what}`);
    if (!present) return refuse(`the ${what} was not staged`);
    put(key, handle);
  }

  for (const [key, value] of Object.entries(endpoint.fixed ?? {})) put(key, value);
  return { path: endpoint.path, body };
}

/** Where a call was made, for the classification of a 404: only a query can name an unknown task. */
type CallKind = 'upload' | 'submit' | 'query';

/**
 * The RunningHub {@link VideoProvider}. Uploads go to `media/upload/binary` (links live one day, so
 * stage just before submitting); a task is submitted to `openapi/v2/<endpoint>` and polled with
 * `openapi/v2/query`. No module state: everything lives in the returned object.
 */
export function createRunningHub(options: RunningHubOptions): VideoProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  const auth = { authorization: `Bearer ${options.apiKey}` };

  // RunningHub's messages can echo what we sent; the key must never reach a log or a chat.
  const redact = (text: string): string =>
    options.apiKey.length > 0 ? text.split(options.apiKey).join('***') : text;

  const fail = (call: CallKind, code: unknown, message: unknown, res?: JsonResponse): ProviderError => {
    const error = classifyRunningHubError(
      nonEmpty(code),
      redact(nonEmpty(message) ?? ''),
      res?.status,
      res?.headers.get('retry-after'),
    );
    if (error.kind === 'not-found' && call !== 'query' && error.code === undefined) {
      // A 404 on an upload or submit means a wrong base URL or endpoint path, not an unknown task.
      return new ProviderError('bad-request', error.message, {
        provider: 'runninghub',
        ...(error.status === undefined ? {} : { status: error.status }),
      });
    }
    return error;
  };

  const call = async (
    kind: CallKind,
    path: string,
    init: RequestInit,
    callOptions: CallOptions | undefined,
  ): Promise<Record<string, unknown>> => {
    const res = await requestJson(`${base}${path}`, init, {
      provider: 'runninghub',
      timeoutMs: kind === 'upload' ? uploadTimeoutMs : timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(callOptions?.signal ? { signal: callOptions.signal } : {}),
    });
    const body = isRecord(res.body) ? res.body : undefined;
    if (res.status < 200 || res.status >= 300) {
      throw fail(
        kind,
        body?.errorCode ?? body?.code,
        body?.errorMessage ?? body?.message ?? body?.msg ?? body?.error ?? `${path} failed`,
        res,
      );
    }
    if (!body) {
      // Typically a gateway's HTML page: nothing was created, so trying again is safe.
      throw new ProviderError('transient', `RunningHub: unreadable answer from ${path}`, {
        provider: 'runninghub',
        status: res.status,
      });
    }
    // v2 answers carry errorCode/errorMessage; legacy and upload answers a `code`/`msg` envelope.
    const legacyCode = nonEmpty(body.code);
    const legacyFailed = legacyCode !== undefined && legacyCode !== '0';
    if (carriesError(body)) {
      const error = fail(kind, body.errorCode, nonEmpty(body.errorMessage) ?? 'request failed', res);
      // A query of a task that failed is a result, not an error: `check` reads it as a status.
      if (kind === 'query' && isTaskFailure(body, error)) return body;
      throw error;
    }
    if (legacyFailed) throw fail(kind, legacyCode, body.message ?? body.msg ?? 'request failed', res);
    return body;
  };

  /**
   * Whether an error in a query answer is the task's own failure rather than a refusal of the query
   * (bad key, rate limit, unknown task), which no status in the same answer can make a result.
   */
  const isTaskFailure = (body: Record<string, unknown>, error: ProviderError): boolean => {
    if (error.kind === 'not-found' || error.kind === 'account' || error.kind === 'rate-limited') return false;
    const status = nonEmpty(body.status)?.toUpperCase();
    if (status === 'FAILED' || status === 'CANCEL') return true;
    return (
      nonEmpty(body.taskId) !== undefined &&
      (error.kind === 'content-rejected' || error.kind === 'generation-failed')
    );
  };

  const taskStatus = (body: Record<string, unknown>): TaskStatus => {
    const status = nonEmpty(body.status)?.toUpperCase();
    if (status === 'FAILED' || status === 'CANCEL' || carriesError(body)) {
      return { state: 'failed', error: taskError(body, status) };
    }
    switch (status) {
      case 'QUEUED':
      case 'CREATE':
        return { state: 'pending', phase: 'queued' };
      case 'RUNNING': {
        const progress = readProgress(body.progress);
        return progress === undefined
          ? { state: 'pending', phase: 'running' }
          : { state: 'pending', phase: 'running', progress };
      }
      case 'SUCCESS': {
        const videoUrl = resultUrl(body.results);
        if (videoUrl === undefined) {
          return {
            state: 'failed',
            error: new ProviderError('generation-failed', 'RunningHub: task succeeded without a result URL', {
              provider: 'runninghub',
            }),
          };
        }
        const cost = readCost(body.usage);
        return cost === undefined ? { state: 'succeeded', videoUrl } : { state: 'succeeded', videoUrl, cost };
      }
      case undefined:
        throw new ProviderError('transient', 'RunningHub: answer without a task status', {
          provider: 'runninghub',
        });
      default:
        // A status this client does not know yet (the vendor adds some): keep polling.
        return { state: 'pending', phase: 'running' };
    }
  };

  const taskError = (body: Record<string, unknown>, status: string | undefined): ProviderError => {
    const reason = body.failedReason;
    const reasonCode = isRecord(reason) ? nonEmpty(reason.code ?? reason.errorCode) : undefined;
    const reasonText = isRecord(reason)
      ? nonEmpty(reason.exception_message ?? reason.exceptionMessage ?? reason.message ?? reason.msg)
      : nonEmpty(reason);
    const message =
      nonEmpty(body.errorMessage) ?? reasonText ?? (status === 'CANCEL' ? 'task cancelled' : 'task failed');
    return fail('query', nonEmpty(body.errorCode) ?? reasonCode, message);
  };

  return {
    name: 'runninghub',
    clientTaskIds: false,

    async stageMedia(media: Media, callOptions?: CallOptions): Promise<string> {
      const form = new FormData();
      const blob = new Blob([media.bytes], { type: media.contentType });
      form.append('file', blob, media.filename);
      const body = await call(
        'upload',
        '/openapi/v2/media/upload/binary',
        { method: 'POST', headers: auth, body: form },
        callOptions,
      );
      const data = isRecord(body.data) ? body.data : undefined;
      const url = nonEmpty(data?.download_url ?? data?.downloadUrl ?? data?.url);
      if (url === undefined) {
        throw new ProviderError('transient', 'RunningHub: upload answered without a download_url', {
          provider: 'runninghub',
        });
      }
      return url;
    },

    async submit(input: SubmitInput, callOptions?: CallOptions): Promise<SubmitResult> {
      const { path, body } = buildRunningHubBody(input);
      const answer = await call(
        'submit',
        `/openapi/v2/${path}`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        callOptions,
      );
      const taskId = nonEmpty(answer.taskId);
      if (taskId === undefined) {
        throw new ProviderError('transient', 'RunningHub: submit answered without a taskId', {
          provider: 'runninghub',
        });
      }
      // A submit usually answers QUEUED or RUNNING, and may already carry the finished clip.
      const status = nonEmpty(answer.status) === undefined ? undefined : taskStatus(answer);
      return { taskId, status: status ?? { state: 'pending', phase: 'queued' } };
    },

    async check(taskId: string, callOptions?: CallOptions): Promise<TaskStatus> {
      const answer = await call(
        'query',
        '/openapi/v2/query',
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ taskId }),
        },
        callOptions,
      );
      return taskStatus(answer);
    },
  };
}

/** `results[0].url` (sometimes `outputUrl`). */
function resultUrl(results: unknown): string | undefined {
  if (!Array.isArray(results)) return undefined;
  for (const item of results) {
    if (!isRecord(item)) continue;
    const url = nonEmpty(item.url ?? item.outputUrl ?? item.fileUrl);
    if (url !== undefined) return url;
  }
  return undefined;
}

/** `progress` is undocumented: read it when it is a number (or numeric string) from 0 to 100. */
function readProgress(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

/** `usage.consumeMoney` is a string of the provider's currency ("1.75"). */
function readCost(usage: unknown): number | undefined {
  if (!isRecord(usage)) return undefined;
  const money = usage.consumeMoney;
  const n = typeof money === 'string' && money.trim() !== '' ? Number(money) : money;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}
