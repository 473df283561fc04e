import { randomInt, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { clipMp4 } from '../helpers/media.js';
import type { ProviderFake, ReceivedMedia } from './provider.js';
import { type FakeHandlerContext, FakeServer, type InjectedFault, sendJson } from './server.js';

/**
 * A loopback Runware (`POST /v1`, JSON arrays of tasks), as strict as the docs and the KlingAI 2.5
 * Turbo Pro model page (`klingai:6@1`, seed 004): a body the real API would refuse, this one refuses
 * too, with Runware's `{errors:[{code,message,parameter,taskUUID}]}`.
 *
 * Request kinds: `submit` (videoInference), `query` (getResponse), `upload` (imageUpload),
 * `download` (GET of a result clip). Own faults: `content-rejected` (on `submit`: refused at submit;
 * on `query`/`any`: the task comes back `status:'error'` with a moderation code), `no-balance` (402
 * `insufficientCredits`), `bad-key` (401 `invalidApiKey`), `task-failed` (the task fails at its next
 * query).
 */

/** Where an accepted task's frame image came from. */
export interface FrameRef {
  position: 'first' | 'last';
  /** The string the task carried (an imageUUID, a URL, a data URI). */
  image: string;
  /** The bytes behind it, when the fake holds them (an uploaded imageUUID or an inline data URI). */
  media?: ReceivedMedia;
}

export interface RunwareFake extends ProviderFake {
  /** The frames of an accepted task, in order, resolved to the media the fake received. */
  framesOf(taskUUID: string): FrameRef[];
}

export interface RunwareFakeOptions {
  apiKey?: string;
  pollsToComplete?: number;
  generationMs?: number;
  video?: Buffer;
}

interface RunwareError {
  code: string;
  message: string;
  parameter?: string;
  taskUUID?: string;
  [extra: string]: unknown;
}

interface FakeTask {
  taskUUID: string;
  body: Record<string, unknown>;
  submittedAt: number;
  polls: number;
  /** A failure waiting for the next query (fault), then kept for every later one. */
  failure?: { code: string; message: string; asItem: boolean };
  done?: { videoUUID: string; seed: number; cost: number };
}

/**
 * The Kling models of the providers reference: their sizes (none: the clip takes the first frame's,
 * and a size is refused) and whether they animate images only.
 */
const MODELS: Record<string, { sizes: string[]; imageOnly: boolean }> = {
  'klingai:6@1': { sizes: ['1280x720', '720x720', '720x1280'], imageOnly: false },
  'klingai:6@0': { sizes: [], imageOnly: true },
  'klingai:5@3': { sizes: ['1920x1080', '1080x1080', '1080x1920'], imageOnly: false },
  'klingai:5@2': { sizes: ['1920x1080', '1080x1080', '1080x1920'], imageOnly: true },
};
const DURATIONS = [5, 10];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/gif'];
/** Every top-level field the klingai:6@1 page lists. */
const VIDEO_FIELDS = new Set([
  'taskType',
  'taskUUID',
  'model',
  'positivePrompt',
  'negativePrompt',
  'width',
  'height',
  'duration',
  'CFGScale',
  'seed',
  'numberResults',
  'outputType',
  'outputFormat',
  'outputQuality',
  'deliveryMethod',
  'webhookURL',
  'uploadEndpoint',
  'ttl',
  'includeCost',
  'safety',
  'inputs',
]);
const DOCS = 'https://runware.ai/docs/models/klingai-2-5-turbo-pro';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The type an image's leading bytes say it is. */
function sniff(bytes: Buffer): string | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString() === 'WEBP') {
    return 'image/webp';
  }
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  if (bytes.subarray(0, 2).toString('latin1') === 'BM') return 'image/bmp';
  return undefined;
}

/** Bytes of an inline image: a data URI or raw base64 (both documented). */
function decodeInline(image: string): { bytes: Buffer; contentType: string } | undefined {
  const uri = /^data:([^;,]+);base64,(.*)$/s.exec(image);
  if (uri) {
    const bytes = Buffer.from(uri[2] ?? '', 'base64');
    const contentType = (uri[1] ?? '').toLowerCase();
    return bytes.length > 0 ? { bytes, contentType } : undefined;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(image)) return undefined;
  const bytes = Buffer.from(image, 'base64');
  const contentType = sniff(bytes);
  return contentType ? { bytes, contentType } : undefined;
}

const isUrl = (s: string): boolean => /^https?:\/\/\S+$/i.test(s);

const between = (s: unknown, min: number, max: number): s is string =>
  typeof s === 'string' && s.length >= min && s.length <= max;

/** Starts a Runware fake on a free loopback port. */
export async function createRunwareFake(options: RunwareFakeOptions = {}): Promise<RunwareFake> {
  const apiKey = options.apiKey ?? 'rw-fake-key-5f1c2a9e7d3b4c60';
  const video = options.video ?? clipMp4();
  const tasks = new Map<string, FakeTask>();
  const received: ReceivedMedia[] = [];
  const uploads = new Map<string, ReceivedMedia>();
  const frames = new Map<string, FrameRef[]>();
  const accepted: Record<string, unknown>[] = [];

  const classify = (method: string, path: string, json: unknown): string => {
    if (method === 'GET' && path.startsWith('/videos/')) return 'download';
    if (method === 'GET' && path.startsWith('/assets/')) return 'asset';
    const first = Array.isArray(json) && isRecord(json[0]) ? json[0].taskType : undefined;
    if (first === 'videoInference') return 'submit';
    if (first === 'getResponse') return 'query';
    if (first === 'imageUpload') return 'upload';
    return 'other';
  };

  const handler = async (ctx: FakeHandlerContext): Promise<void> => {
    const { res, recorded, url } = ctx;
    if (recorded.method === 'GET') return serveFile(res, url.pathname);
    if (recorded.method !== 'POST' || url.pathname !== '/v1') {
      return sendJson(res, 404, { errors: [{ code: 'notFound', message: `No route ${url.pathname}` }] });
    }
    if (recorded.headers.authorization !== `Bearer ${apiKey}`) return badKey(res);

    // The shared fault controls: one fault per request, put back when it is not for this one.
    const fault = recorded.kind === 'other' ? undefined : server.takeFault(recorded.kind);
    if (fault?.fault === 'bad-key') return badKey(res);
    if (fault?.fault === 'no-balance') {
      return sendJson(res, 402, {
        errors: [
          {
            code: 'insufficientCredits',
            message: 'Insufficient credits. Add funds at https://my.runware.ai/wallet',
            taskType: firstTaskType(recorded.json),
          },
        ],
      });
    }

    let json = recorded.json;
    if (json === undefined) {
      try {
        json = JSON.parse(recorded.body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    if (!Array.isArray(json) || json.length === 0) {
      if (fault) putBack(fault);
      return sendJson(res, 400, {
        errors: [
          {
            code: 'invalidRequestBody',
            message: 'The request body must be a non-empty JSON array of tasks.',
          },
        ],
      });
    }

    const data: Record<string, unknown>[] = [];
    const errors: RunwareError[] = [];
    let used = false;
    for (const raw of json) {
      if (!isRecord(raw)) {
        errors.push({ code: 'invalidTask', message: 'Each task must be a JSON object.' });
        continue;
      }
      const taskType = raw.taskType;
      if (taskType === 'videoInference') {
        used = videoInference(raw, fault, data, errors) || used;
      } else if (taskType === 'getResponse') {
        used = getResponse(raw, fault, data, errors) || used;
      } else if (taskType === 'imageUpload') {
        imageUpload(raw, data, errors);
      } else {
        errors.push({
          code: 'unsupportedTaskType',
          message: `Unsupported taskType ${JSON.stringify(taskType)}.`,
          parameter: 'taskType',
          ...(typeof raw.taskUUID === 'string' ? { taskUUID: raw.taskUUID } : {}),
        });
      }
    }
    if (fault && !used) putBack(fault);
    const body: Record<string, unknown> = { data };
    if (errors.length > 0) body.errors = errors;
    sendJson(res, data.length === 0 && errors.length > 0 ? 400 : 200, body);
  };

  const server = await new FakeServer(classify, handler).start();

  /** Returns a taken fault to the queue when it did not apply to this request. */
  function putBack(fault: InjectedFault): void {
    // takeFault removed it only when its count ran out; otherwise it is still queued.
    if (fault.times <= 0) {
      const again: { on: string; times: number; retryAfterSeconds?: number } = { on: fault.on, times: 1 };
      if (fault.retryAfterSeconds !== undefined) again.retryAfterSeconds = fault.retryAfterSeconds;
      server.inject(fault.fault, again);
    } else if (fault.times !== Number.POSITIVE_INFINITY) {
      fault.times += 1;
    }
  }

  function badKey(res: ServerResponse): void {
    sendJson(res, 401, {
      errors: [
        {
          code: 'invalidApiKey',
          message: 'Invalid API key. Get one at https://my.runware.ai/signup',
          parameter: 'apiKey',
          taskType: 'authentication',
        },
      ],
    });
  }

  function serveFile(res: ServerResponse, path: string): void {
    const videoMatch = /^\/videos\/([^/]+)\.mp4$/.exec(path);
    if (videoMatch) {
      const task = tasks.get(decodeURIComponent(videoMatch[1] ?? ''));
      if (task?.done) {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) });
        res.end(video);
        return;
      }
    }
    const assetMatch = /^\/assets\/([^/.]+)/.exec(path);
    const asset = assetMatch ? uploads.get(assetMatch[1] ?? '') : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.contentType ?? 'application/octet-stream' });
      res.end(asset.bytes);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

  function receive(bytes: Buffer, contentType: string, handle: string): ReceivedMedia {
    const media: ReceivedMedia = { bytes, contentType, handle };
    received.push(media);
    return media;
  }

  function imageUpload(
    task: Record<string, unknown>,
    data: Record<string, unknown>[],
    errors: RunwareError[],
  ) {
    const taskUUID = task.taskUUID;
    const scope = typeof taskUUID === 'string' ? { taskUUID } : {};
    const fail = (code: string, message: string, parameter: string) =>
      errors.push({ code, message, parameter, taskType: 'imageUpload', ...scope });
    for (const key of Object.keys(task)) {
      if (!['taskType', 'taskUUID', 'image'].includes(key)) {
        return fail('unsupportedParameter', `Unsupported parameter '${key}' for imageUpload.`, key);
      }
    }
    if (typeof taskUUID !== 'string') return fail('missingTaskUUID', 'taskUUID is required.', 'taskUUID');
    if (!UUID_V4.test(taskUUID)) return fail('invalidTaskUUID', 'taskUUID must be a UUID v4.', 'taskUUID');
    if (typeof task.image !== 'string' || task.image.length === 0) {
      return fail('missingImage', 'image is required.', 'image');
    }
    // A URL would make the fake reach out; tests upload bytes.
    const inline = decodeInline(task.image);
    if (!inline) {
      return fail(
        'invalidImage',
        'image must be a data URI or base64 image (the fake fetches no URLs).',
        'image',
      );
    }
    const declared = inline.contentType === 'image/jpg' ? 'image/jpeg' : inline.contentType;
    if (!IMAGE_TYPES.includes(declared) || sniff(inline.bytes) === undefined) {
      return fail('invalidValueUploadFailed', `Unsupported image format ${declared}.`, 'image');
    }
    const imageUUID = randomUUID();
    const media = receive(inline.bytes, declared, imageUUID);
    uploads.set(imageUUID, media);
    data.push({
      taskType: 'imageUpload',
      taskUUID,
      imageUUID,
      imageURL: `${server.baseUrl}/assets/${imageUUID}.${declared.split('/')[1]}`,
    });
  }

  /** Checks one frame image; returns the error message, or the media behind it. */
  function resolveImage(image: unknown): { error: string } | { media?: ReceivedMedia } {
    if (typeof image !== 'string' || image.length === 0) return { error: 'must be a non-empty string' };
    if (UUID_V4.test(image)) {
      const media = uploads.get(image);
      return media ? { media } : { error: `imageUUID ${image} was not uploaded` };
    }
    if (isUrl(image)) return {};
    const inline = decodeInline(image);
    if (!inline || sniff(inline.bytes) === undefined)
      return { error: 'is not an imageUUID, URL, data URI or base64 image' };
    return {};
  }

  /** Validates and records one videoInference task. Returns whether it used the request's fault. */
  function videoInference(
    task: Record<string, unknown>,
    fault: InjectedFault | undefined,
    data: Record<string, unknown>[],
    errors: RunwareError[],
  ): boolean {
    const taskUUID = task.taskUUID;
    const scope = typeof taskUUID === 'string' ? { taskUUID } : {};
    const fail = (code: string, message: string, parameter: string, extra: Record<string, unknown> = {}) => {
      errors.push({
        code,
        message,
        parameter,
        taskType: 'videoInference',
        documentation: DOCS,
        ...extra,
        ...scope,
      });
      return false;
    };

    if ('frameImages' in task) {
      return fail(
        'unsupportedParameter',
        "Unsupported parameter 'frameImages': frame images go in inputs.frameImages.",
        'frameImages',
      );
    }
    for (const key of Object.keys(task)) {
      if (!VIDEO_FIELDS.has(key)) return fail('unsupportedParameter', `Unsupported parameter '${key}'.`, key);
    }
    if (typeof taskUUID !== 'string') return fail('missingTaskUUID', 'taskUUID is required.', 'taskUUID');
    if (!UUID_V4.test(taskUUID)) return fail('invalidTaskUUID', 'taskUUID must be a UUID v4.', 'taskUUID');
    if (tasks.has(taskUUID)) {
      return fail(
        'duplicateTaskUUID',
        `taskUUID ${taskUUID} was already used; each task needs its own.`,
        'taskUUID',
      );
    }
    if (task.model === undefined) return fail('missingModel', 'model is required.', 'model');
    const rules =
      typeof task.model === 'string' && Object.hasOwn(MODELS, task.model) ? MODELS[task.model] : undefined;
    if (!rules) return fail('invalidModel', `Unknown model ${JSON.stringify(task.model)}.`, 'model');
    const sizes = rules.sizes;
    if (task.positivePrompt === undefined) {
      return fail('missingPositivePrompt', 'positivePrompt is required.', 'positivePrompt');
    }
    if (!between(task.positivePrompt, 2, 2500)) {
      return fail('invalidPositivePrompt', 'positivePrompt must be 2 to 2500 characters.', 'positivePrompt');
    }
    if (task.negativePrompt !== undefined && !between(task.negativePrompt, 2, 2500)) {
      return fail('invalidNegativePrompt', 'negativePrompt must be 2 to 2500 characters.', 'negativePrompt');
    }
    const hasWidth = task.width !== undefined;
    const hasHeight = task.height !== undefined;
    if (hasWidth !== hasHeight) {
      const missing = hasWidth ? 'height' : 'width';
      return fail(
        `missing${hasWidth ? 'Height' : 'Width'}`,
        `width and height go together: ${missing} is missing.`,
        missing,
      );
    }
    if (hasWidth && sizes.length === 0) {
      return fail(
        'unsupportedParameter',
        `${String(task.model)} takes its size from the first frame.`,
        'width',
      );
    }
    if (hasWidth && !sizes.includes(`${String(task.width)}x${String(task.height)}`)) {
      return fail(
        'unsupportedDimensions',
        `Unsupported size ${String(task.width)}x${String(task.height)}.`,
        'width',
        {
          allowedValues: sizes,
        },
      );
    }
    if (
      task.duration !== undefined &&
      !(typeof task.duration === 'number' && DURATIONS.includes(task.duration))
    ) {
      return fail('unsupportedDuration', 'Invalid value for duration. Allowed values: 5, 10.', 'duration', {
        type: 'float',
        allowedValues: DURATIONS,
      });
    }
    if (
      task.CFGScale !== undefined &&
      !(typeof task.CFGScale === 'number' && task.CFGScale >= 0 && task.CFGScale <= 1)
    ) {
      return fail('invalidCFGScale', 'CFGScale must be a number from 0 to 1.', 'CFGScale', {
        min: 0,
        max: 1,
      });
    }
    const n = task.numberResults;
    if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 4)) {
      return fail('invalidNumberResults', 'numberResults must be an integer from 1 to 4.', 'numberResults');
    }
    if (task.deliveryMethod !== undefined && task.deliveryMethod !== 'async') {
      return fail('unsupportedDeliveryMethod', 'Video tasks need deliveryMethod "async".', 'deliveryMethod', {
        allowedValues: ['async'],
      });
    }
    if (task.outputType !== undefined && task.outputType !== 'URL') {
      return fail('unsupportedOutputType', 'outputType must be "URL".', 'outputType', {
        allowedValues: ['URL'],
      });
    }
    if (task.outputFormat !== undefined && !['MP4', 'WEBM', 'MOV'].includes(task.outputFormat as string)) {
      return fail('unsupportedOutputFormat', 'outputFormat must be MP4, WEBM or MOV.', 'outputFormat');
    }
    const q = task.outputQuality;
    if (q !== undefined && !(Number.isInteger(q) && (q as number) >= 20 && (q as number) <= 99)) {
      return fail('invalidOutputQuality', 'outputQuality must be an integer from 20 to 99.', 'outputQuality');
    }
    if (task.includeCost !== undefined && typeof task.includeCost !== 'boolean') {
      return fail('invalidIncludeCost', 'includeCost must be a boolean.', 'includeCost');
    }
    if (task.webhookURL !== undefined && !(typeof task.webhookURL === 'string' && isUrl(task.webhookURL))) {
      return fail('invalidWebhookURL', 'webhookURL must be an http(s) URL.', 'webhookURL');
    }
    if (task.ttl !== undefined && !(Number.isInteger(task.ttl) && (task.ttl as number) >= 60)) {
      return fail('invalidTtl', 'ttl must be an integer of at least 60.', 'ttl');
    }
    if (task.seed !== undefined && !Number.isInteger(task.seed)) {
      return fail('invalidSeed', 'seed must be an integer.', 'seed');
    }

    const taskFrames: FrameRef[] = [];
    if (task.inputs !== undefined) {
      if (!isRecord(task.inputs)) return fail('invalidInputs', 'inputs must be an object.', 'inputs');
      for (const key of Object.keys(task.inputs)) {
        if (key !== 'frameImages') {
          return fail('unsupportedParameter', `Unsupported parameter 'inputs.${key}'.`, `inputs.${key}`);
        }
      }
      const list = task.inputs.frameImages;
      if (list !== undefined) {
        if (!Array.isArray(list) || list.length < 1 || list.length > 2) {
          return fail('invalidFrameImages', 'inputs.frameImages takes 1 or 2 items.', 'inputs.frameImages');
        }
        for (const [index, item] of list.entries()) {
          const image: unknown = isRecord(item) ? item.image : item;
          let position: FrameRef['position'] = index === 0 ? 'first' : 'last';
          if (isRecord(item)) {
            for (const key of Object.keys(item)) {
              if (key !== 'image' && key !== 'frame') {
                return fail(
                  'unsupportedParameter',
                  `Unsupported parameter '${key}' in a frame image.`,
                  `inputs.frameImages.${key}`,
                );
              }
            }
            if (item.frame !== undefined) {
              if (item.frame === 'first' || item.frame === 0) position = 'first';
              else if (item.frame === 'last' || item.frame === -1) position = 'last';
              else {
                return fail(
                  'invalidFrame',
                  'frame must be "first", "last", 0 or -1.',
                  'inputs.frameImages.frame',
                  {
                    allowedValues: ['first', 'last', 0, -1],
                  },
                );
              }
            }
          } else if (typeof item !== 'string') {
            return fail(
              'invalidFrameImages',
              'A frame image is a string or {image, frame}.',
              'inputs.frameImages',
            );
          }
          const resolved = resolveImage(image);
          if ('error' in resolved) {
            return fail(
              'invalidFrameImage',
              `inputs.frameImages[${index}].image ${resolved.error}.`,
              'inputs.frameImages.image',
            );
          }
          const ref: FrameRef = { position, image: image as string };
          if (resolved.media) ref.media = resolved.media;
          taskFrames.push(ref);
        }
        if (taskFrames.length === 2 && taskFrames[0]?.position === taskFrames[1]?.position) {
          return fail(
            'invalidFrame',
            'The two frame images need different positions.',
            'inputs.frameImages.frame',
          );
        }
      }
    }

    if (rules.imageOnly && taskFrames.length === 0) {
      return fail(
        'missingFrameImages',
        `${String(task.model)} makes video from an image only.`,
        'inputs.frameImages',
      );
    }
    if (fault?.fault === 'content-rejected' && fault.on === 'submit') {
      fail('contentPolicyViolation', 'The prompt was flagged by content moderation.', 'positivePrompt');
      return true;
    }

    // Accepted: inline frames become received media, as an upload would.
    for (const ref of taskFrames) {
      if (ref.media || isUrl(ref.image)) continue;
      const inline = decodeInline(ref.image);
      if (inline) ref.media = receive(inline.bytes, inline.contentType, randomUUID());
    }
    const record: FakeTask = { taskUUID, body: task, submittedAt: Date.now(), polls: 0 };
    let used = false;
    if (fault?.fault === 'content-rejected' || fault?.fault === 'task-failed') {
      record.failure = failureFor(fault.fault);
      used = true;
    }
    tasks.set(taskUUID, record);
    frames.set(taskUUID, taskFrames);
    accepted.push(task);
    data.push({ taskType: 'videoInference', taskUUID });
    return used;
  }

  function failureFor(fault: 'content-rejected' | 'task-failed'): NonNullable<FakeTask['failure']> {
    return fault === 'content-rejected'
      ? {
          code: 'providerContentPolicyViolation',
          message: 'The generated video was flagged by the provider content policy.',
          asItem: true,
        }
      : { code: 'inferenceError', message: 'The provider failed to generate the video.', asItem: false };
  }

  /** Answers one getResponse task. Returns whether it used the request's fault. */
  function getResponse(
    query: Record<string, unknown>,
    fault: InjectedFault | undefined,
    data: Record<string, unknown>[],
    errors: RunwareError[],
  ): boolean {
    const taskUUID = query.taskUUID;
    if (typeof taskUUID !== 'string' || !UUID_V4.test(taskUUID)) {
      errors.push({ code: 'invalidTaskUUID', message: 'taskUUID must be a UUID v4.', parameter: 'taskUUID' });
      return false;
    }
    const task = tasks.get(taskUUID);
    if (!task) {
      errors.push({
        code: 'taskFailedOrNotFound',
        message: `Task ${taskUUID} failed or was not found.`,
        taskType: 'getResponse',
        taskUUID,
      });
      return false;
    }
    let used = false;
    if (
      !task.done &&
      !task.failure &&
      (fault?.fault === 'content-rejected' || fault?.fault === 'task-failed')
    ) {
      task.failure = failureFor(fault.fault);
      used = true;
    }
    task.polls += 1;
    const base = { taskType: 'videoInference', taskUUID };
    if (task.failure) {
      const { code, message, asItem } = task.failure;
      if (asItem) data.push({ ...base, status: 'error', error: { code, message } });
      else errors.push({ code, message, taskType: 'videoInference', taskUUID });
      return used;
    }
    if (!task.done) {
      const progress = progressOf(task);
      if (progress < 100) {
        data.push({ ...base, status: 'processing', progress });
        return used;
      }
      task.done = {
        videoUUID: randomUUID(),
        seed: typeof task.body.seed === 'number' ? task.body.seed : randomInt(1, 2 ** 31),
        cost: task.body.duration === 10 ? 0.7 : 0.35,
      };
    }
    data.push({
      ...base,
      status: 'success',
      videoUUID: task.done.videoUUID,
      videoURL: fake.videoUrlFor(taskUUID),
      seed: task.done.seed,
      ...(task.body.includeCost === true ? { cost: task.done.cost } : {}),
    });
    return used;
  }

  /** 100 once the task is done; by elapsed time when `generationMs` is set, else by polls. */
  function progressOf(task: FakeTask): number {
    if (fake.generationMs !== undefined) {
      const elapsed = Date.now() - task.submittedAt;
      return elapsed >= fake.generationMs
        ? 100
        : Math.min(99, Math.floor((elapsed * 100) / fake.generationMs));
    }
    const steps = Math.max(1, fake.pollsToComplete);
    return task.polls >= steps ? 100 : Math.round((task.polls * 100) / steps);
  }

  const fake: RunwareFake = {
    server,
    baseUrl: `${server.baseUrl}/v1`,
    apiKey,
    video,
    pollsToComplete: options.pollsToComplete ?? 3,
    generationMs: options.generationMs,
    // Every videoInference request, answered or refused (faults included): double submits show.
    submitCount: () => server.requestsOf('submit').length,
    submitted: () => [...accepted],
    media: () => [...received],
    framesOf: (taskUUID) => [...(frames.get(taskUUID) ?? [])],
    videoUrlFor: (taskId) => `${server.baseUrl}/videos/${encodeURIComponent(taskId)}.mp4`,
    close: () => server.close(),
  };
  return fake;
}

function firstTaskType(json: unknown): string | undefined {
  const first = Array.isArray(json) ? json[0] : undefined;
  return isRecord(first) && typeof first.taskType === 'string' ? first.taskType : undefined;
}
