import { ProviderError } from '../errors.js';
import { isRecord, type JsonResponse, multipartFile, requestJson, streamedBody } from '../http.js';
import {
  type CallOptions,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_UPLOAD_TIMEOUT_MS,
  type Media,
  type ProviderConnection,
  type SubmitInput,
  type SubmitResult,
  type TaskStatus,
  type VideoProvider,
} from '../provider.js';
import { buildRunningHubBody } from './body.js';
import { classifyRunningHubError } from './errors.js';

/**
 * RunningHub's Standard Model API (v2): upload a file, submit a task to a model endpoint, query it.
 * Sources: docs/reference/providers.md and the vendor's pages for each endpoint.
 */

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

/** Where a call was made, for the classification of a 404: only a query can name an unknown task. */
type CallKind = 'upload' | 'submit' | 'query';

/**
 * The RunningHub {@link VideoProvider}. Uploads go to `media/upload/binary` (links live one day, so
 * stage just before submitting); a task is submitted to `openapi/v2/<endpoint>` and polled with
 * `openapi/v2/query`. No module state: everything lives in the returned object.
 */
export function createRunningHub(options: ProviderConnection): VideoProvider {
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
      // Sent from the bytes the worker holds, as they are (a Blob or FormData would copy them).
      const form = multipartFile('file', media);
      const { contentLength, ...streamed } = streamedBody(form.length, form.pieces);
      const body = await call(
        'upload',
        '/openapi/v2/media/upload/binary',
        {
          method: 'POST',
          headers: { ...auth, 'content-type': form.contentType, 'content-length': contentLength },
          ...streamed,
        },
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
