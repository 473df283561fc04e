import { randomUUID } from 'node:crypto';
import { ProviderError } from '../errors.js';
import {
  isRecord,
  type JsonResponse,
  parseRetryAfter,
  requestJson,
  slicesOf,
  streamedBody,
} from '../http.js';
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
import { classifyRunwareError } from './errors.js';
import { badRequest, buildRunwareTask } from './task.js';

/**
 * Runware's REST API (https://runware.ai/docs): one endpoint, every call a JSON array of tasks.
 * We send `deliveryMethod: 'async'` video tasks under our own `taskUUID` and poll with `getResponse`.
 */

interface RunwareErrorItem {
  code: string;
  message: string;
  taskUUID: string | undefined;
}

/** The two halves of every Runware answer; `data` may be one object or an array of them. */
function envelope(body: unknown): { items: Record<string, unknown>[]; errors: RunwareErrorItem[] } {
  if (!isRecord(body)) return { items: [], errors: [] };
  const data = body.data;
  const items = (Array.isArray(data) ? data : data === undefined ? [] : [data]).filter(isRecord);
  const errors = (Array.isArray(body.errors) ? body.errors : []).filter(isRecord).map((e) => ({
    code: typeof e.code === 'string' ? e.code : '',
    message: typeof e.message === 'string' && e.message ? e.message : 'Runware returned an error',
    taskUUID: typeof e.taskUUID === 'string' ? e.taskUUID : undefined,
  }));
  return { items, errors };
}

/** Statuses that mean the call itself was refused, whatever the body says about tasks. */
const callFailed = (status: number): boolean =>
  status === 401 || status === 402 || status === 403 || status === 408 || status === 429 || status >= 500;

/**
 * The Runware provider. `clientTaskIds` is true: the worker picks the `taskUUID` and saves it before
 * `submit`, so after a crash it can ask `check` whether the task exists (`not-found` means submit).
 */
export function createRunware(options: ProviderConnection): VideoProvider {
  const { apiKey, baseUrl } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;

  // Runware's messages are free text; one that quoted the key must not reach a log or a chat.
  const redact = (text: string): string => (apiKey ? text.split(apiKey).join('[redacted]') : text);

  const classify = (error: RunwareErrorItem, res: JsonResponse | undefined): ProviderError => {
    const retryAfterMs = res ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    return classifyRunwareError(
      error.code,
      redact(error.message),
      res?.status,
      retryAfterMs === undefined ? {} : { retryAfterMs },
    );
  };

  const httpError = (res: JsonResponse, what: string): ProviderError =>
    classify({ code: '', message: `${what}: HTTP ${res.status}`, taskUUID: undefined }, res);

  async function post(tasks: Record<string, unknown>[], limitMs: number, call?: CallOptions) {
    return send({ body: JSON.stringify(tasks) }, limitMs, call);
  }

  async function send(
    body: Pick<RequestInit, 'body' | 'duplex' | 'redirect'> & { contentLength?: string },
    limitMs: number,
    call?: CallOptions,
  ) {
    const { contentLength, ...init } = body;
    return requestJson(
      baseUrl,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...(contentLength === undefined ? {} : { 'content-length': contentLength }),
        },
        ...init,
      },
      {
        provider: 'runware',
        timeoutMs: limitMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(call?.signal ? { signal: call.signal } : {}),
      },
    );
  }

  /** Throws when the call failed as a whole (bad key, no balance, overload, refused parameters). */
  function throwIfRefused(res: JsonResponse, errors: RunwareErrorItem[], what: string): void {
    const first = errors[0];
    if (first) throw classify(first, res);
    if (res.status < 200 || res.status >= 300) throw httpError(res, what);
  }

  async function stageMedia(media: Media, call?: CallOptions): Promise<string> {
    const type = media.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    // imageUpload takes images only; a reference video has no Runware route today.
    if (!type.startsWith('image/')) {
      throw badRequest(`runware: cannot upload ${type || 'untyped media'} (${media.filename}), only images`);
    }
    const taskUUID = randomUUID();
    const upload = imageUploadBody(taskUUID, type, media.bytes);
    const res = await send(streamedBody(upload.length, upload.pieces), uploadTimeoutMs, call);
    const { items, errors } = envelope(res.body);
    throwIfRefused(res, errors, 'imageUpload');
    const item = items.find((i) => i.taskUUID === taskUUID) ?? items[0];
    const imageUUID = item?.imageUUID;
    if (typeof imageUUID !== 'string' || imageUUID.length === 0) {
      throw new ProviderError('transient', 'imageUpload answered without an imageUUID', {
        provider: 'runware',
        status: res.status,
      });
    }
    return imageUUID;
  }

  async function submit(input: SubmitInput, call?: CallOptions): Promise<SubmitResult> {
    const task = buildRunwareTask(input);
    const taskId = task.taskUUID as string;
    const res = await post([task], timeoutMs, call);
    const { items, errors } = envelope(res.body);
    throwIfRefused(res, errors, 'videoInference');
    // The async acknowledgement carries no status; should a task ever answer in full, read it.
    const status = statusOf(items.filter((i) => i.taskUUID === taskId)) ?? {
      state: 'pending',
      phase: 'queued',
    };
    return { taskId, status };
  }

  async function check(taskId: string, call?: CallOptions): Promise<TaskStatus> {
    const res = await post([{ taskType: 'getResponse', taskUUID: taskId }], timeoutMs, call);
    const { items, errors } = envelope(res.body);
    const mine = errors.filter((e) => e.taskUUID === taskId);
    const others = errors.filter((e) => e.taskUUID !== taskId);
    const firstOther = others[0];
    if (callFailed(res.status)) {
      const first = firstOther ?? mine[0];
      throw first ? classify(first, res) : httpError(res, 'getResponse');
    }
    // An error for no task or another one (bad key, malformed call) is about the call, not our task.
    if (firstOther) throw classify(firstOther, res);

    const taskError = mine[0];
    if (taskError) {
      const error = classify(taskError, undefined);
      // Not found is the caller's signal to submit (resume after a crash), not a task outcome.
      if (error.kind === 'not-found') throw error;
      return { state: 'failed', error };
    }
    const status = statusOf(items.filter((i) => i.taskUUID === taskId));
    if (status) return status;
    if (res.status < 200 || res.status >= 300) throw httpError(res, 'getResponse');
    return { state: 'pending', phase: 'queued' };
  }

  /** Reads the items of one task: a finished clip wins, then a failure, then progress. */
  function statusOf(items: Record<string, unknown>[]): TaskStatus | undefined {
    const done = items.find((i) => typeof i.videoURL === 'string' && i.videoURL.length > 0);
    if (done) {
      const cost = typeof done.cost === 'number' ? { cost: done.cost } : {};
      return { state: 'succeeded', videoUrl: done.videoURL as string, ...cost };
    }
    const failed = items.find((i) => i.status === 'error');
    if (failed) {
      const detail = isRecord(failed.error) ? failed.error : {};
      const code = typeof detail.code === 'string' ? detail.code : '';
      const message =
        typeof detail.message === 'string' && detail.message ? detail.message : 'Runware task failed';
      return { state: 'failed', error: classifyRunwareError(code, redact(message)) };
    }
    const success = items.find((i) => i.status === 'success');
    if (success) {
      // Success without a URL: nothing we can deliver, and asking again will not change it.
      return {
        state: 'failed',
        error: new ProviderError('generation-failed', 'Runware reported success without a videoURL', {
          provider: 'runware',
        }),
      };
    }
    const running = items.find((i) => i.status === 'processing');
    if (running) {
      const progress = typeof running.progress === 'number' ? running.progress : undefined;
      return progress === undefined
        ? { state: 'pending', phase: 'running' }
        : { state: 'pending', phase: 'running', progress: Math.min(100, Math.max(0, progress)) };
    }
    return items.length > 0 ? { state: 'pending', phase: 'queued' } : undefined;
  }

  return { name: 'runware', clientTaskIds: true, stageMedia, submit, check };
}

/** Bytes encoded per base64 piece: a multiple of 3, so the pieces join into one valid base64 string. */
const BASE64_SLICE = 3 * 64 * 1024;

/**
 * The `imageUpload` task as a JSON body made while it is sent: the image as a data URI whose base64
 * is encoded a slice at a time from the bytes the worker holds, so neither the base64 text nor the
 * JSON around it ever exists whole in memory. Base64 needs no JSON escaping.
 */
export function imageUploadBody(
  taskUUID: string,
  type: string,
  bytes: Uint8Array,
): { length: number; pieces: Iterable<Uint8Array> } {
  // The image is the last field, so the JSON ends with its closing quote and `}]`.
  const json = JSON.stringify([{ taskType: 'imageUpload', taskUUID, image: `data:${type};base64,` }]);
  const cut = json.length - '"}]'.length;
  const head = Buffer.from(json.slice(0, cut));
  const tail = Buffer.from(json.slice(cut));
  return {
    length: head.byteLength + 4 * Math.ceil(bytes.byteLength / 3) + tail.byteLength,
    pieces: (function* () {
      yield head;
      for (const slice of slicesOf(bytes, BASE64_SLICE)) {
        yield Buffer.from(Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength).toString('base64'));
      }
      yield tail;
    })(),
  };
}
