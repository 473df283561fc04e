import { randomUUID } from 'node:crypto';
import type { RunwareRoute } from '../core/catalog.js';
import { ProviderError } from './errors.js';
import { type Fetch, type JsonResponse, parseRetryAfter, requestJson } from './http.js';
import type { CallOptions, Media, SubmitInput, SubmitResult, TaskStatus, VideoProvider } from './types.js';

/**
 * Runware's REST API (https://runware.ai/docs): one endpoint, every call a JSON array of tasks.
 * We send `deliveryMethod: 'async'` video tasks under our own `taskUUID` and poll with `getResponse`.
 */

export interface RunwareOptions {
  apiKey: string;
  /** The endpoint itself (`https://api.runware.ai/v1`), not a root under which paths are added. */
  baseUrl: string;
  fetch?: Fetch;
  /** Limit for submit and check calls. Default 30 s. */
  timeoutMs?: number;
  /** Limit for an image upload, which carries the image base64-encoded. Default 120 s. */
  uploadTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;
/** Image modes carry no aspect ratio (the clip follows the image), but Kling on Runware wants a size. */
const DEFAULT_ASPECT_RATIO = '16:9';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

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

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const badRequest = (message: string) => new ProviderError('bad-request', message, { provider: 'runware' });

/**
 * The `videoInference` task for one request: pure, so the exact body can be checked against the
 * model page. Frames go in the nested `inputs.frameImages` form, which every model accepts (newer
 * ones reject the flat legacy `frameImages`). Throws a `bad-request` ProviderError when the input
 * cannot make a valid task (wrong route, missing task id or frames).
 */
export function buildRunwareTask(input: SubmitInput): Record<string, unknown> {
  const { route, request, media } = input;
  if (route.provider !== 'runware') throw badRequest(`runware: got a ${route.provider} route`);
  const taskUUID = input.clientTaskId;
  if (taskUUID === undefined) throw badRequest('runware: submit needs the clientTaskId (a UUID v4)');
  if (!UUID_V4.test(taskUUID)) throw badRequest('runware: clientTaskId must be a UUID v4');
  if (!route.modes.includes(request.mode)) {
    throw badRequest(`runware: ${route.model} does not serve ${request.mode} mode`);
  }
  const size = sizeFor(route, request.aspectRatio ?? DEFAULT_ASPECT_RATIO);

  const task: Record<string, unknown> = {
    taskType: 'videoInference',
    taskUUID,
    model: route.model,
    positivePrompt: request.prompt,
  };
  if (request.negativePrompt) task.negativePrompt = request.negativePrompt;
  task.width = size.width;
  task.height = size.height;
  task.duration = request.duration;
  if (request.cfgScale !== undefined) task.CFGScale = request.cfgScale;

  const frameImages: { image: string; frame: 'first' | 'last' }[] = [];
  if (request.mode === 'first-frame' || request.mode === 'first-last') {
    if (!media.first) throw badRequest('runware: no staged first frame');
    frameImages.push({ image: media.first, frame: 'first' });
  }
  if (request.mode === 'first-last') {
    if (!media.last) throw badRequest('runware: no staged last frame');
    frameImages.push({ image: media.last, frame: 'last' });
  }
  if (frameImages.length > 0) task.inputs = { frameImages };

  task.deliveryMethod = 'async';
  task.outputType = 'URL';
  task.outputFormat = 'MP4';
  task.numberResults = 1;
  task.includeCost = true;
  if (input.webhookUrl !== undefined) task.webhookURL = input.webhookUrl;
  return task;
}

function sizeFor(route: RunwareRoute, aspectRatio: string): { width: number; height: number } {
  const size = route.sizes[aspectRatio];
  if (!size) throw badRequest(`runware: ${route.model} has no size for aspect ratio ${aspectRatio}`);
  return size;
}

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
export function createRunware(options: RunwareOptions): VideoProvider {
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
    return requestJson(
      baseUrl,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(tasks),
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
    const image = `data:${type};base64,${Buffer.from(media.bytes).toString('base64')}`;
    const res = await post([{ taskType: 'imageUpload', taskUUID, image }], uploadTimeoutMs, call);
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
