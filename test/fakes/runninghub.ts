import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clipMp4 } from '../helpers/media.js';
import type { ProviderFake, ReceivedMedia } from './provider.js';
import {
  type FakeHandlerContext,
  FakeServer,
  type Fault,
  type InjectedFault,
  parseMultipart,
  type RecordedRequest,
  sendJson,
} from './server.js';

/**
 * A loopback RunningHub (Standard Model API v2) that checks requests as strictly as the vendor's
 * documents: Bearer key, JSON content type, and every submit body against that endpoint's entry in
 * the vendor parameter table (runninghub-video-endpoints.json, read when the fake starts).
 *
 * Where the documents are silent, the fake answers the way RunningHub answers everything else:
 * HTTP 200 with a v2 `errorCode`/`errorMessage` (a wrong key is `1002 API key invalid` with HTTP 200,
 * as the vendor client checks `errorCode` on 200 answers and no source shows a 401). An unknown
 * endpoint is an HTTP 404, as any web server answers an unknown path.
 */

/** One parameter of an endpoint, as the vendor's table has it. */
export interface EndpointParam {
  key: string;
  type: 'STRING' | 'LIST' | 'INT' | 'FLOAT' | 'BOOLEAN' | 'IMAGE' | 'VIDEO' | 'AUDIO';
  required: boolean;
  options?: string[];
  min?: number;
  max?: number;
  maxLength?: number;
  maxSizeMB?: number;
  multiple?: boolean;
  maxCount?: number;
}

interface EndpointTable {
  endpoints: { endpoint: string; params: EndpointParam[] }[];
}

/** A task the fake accepted. */
export interface FakeRunningHubTask {
  taskId: string;
  endpoint: string;
  body: Record<string, unknown>;
  /**
   * For each IMAGE/VIDEO field, the files it referred to (uploads or inline data URIs), in order. A
   * public URL elsewhere is listed with empty `bytes`: the fake never leaves loopback to fetch it.
   */
  inputs: Record<string, ReceivedMedia[]>;
  submittedAt: number;
  queries: number;
  /** Set when an injected fault makes the task fail: every query from then on answers FAILED. */
  failure?: TaskFailure;
}

export interface RunningHubFake extends ProviderFake {
  /** Every accepted task, in submit order. */
  tasks(): FakeRunningHubTask[];
  /** The files each IMAGE/VIDEO field of a task referred to: `inputsOf(id).firstImageUrl[0].bytes`. */
  inputsOf(taskId: string): Record<string, ReceivedMedia[]>;
}

export interface RunningHubFakeOptions {
  apiKey?: string;
  /** Queries until SUCCESS (default 3); 0 makes a submit answer SUCCESS at once. */
  pollsToComplete?: number;
  generationMs?: number;
  video?: Buffer;
  /** The vendor parameter table; defaults to the copy in test/fixtures/vendor. */
  endpointsFile?: string | URL;
}

const DEFAULT_ENDPOINTS_FILE = new URL('../fixtures/vendor/runninghub-video-endpoints.json', import.meta.url);

const MIB = 1024 * 1024;
const OWN_FAULTS: ReadonlySet<Fault> = new Set(['content-rejected', 'no-balance', 'bad-key', 'task-failed']);
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
};

/** What a handler answers: an HTTP status and a JSON body. */
interface Answer {
  status: number;
  body: unknown;
}

/** A submit body the endpoint refuses, with RunningHub's code for why. */
class Rejection {
  constructor(
    readonly errorCode: string,
    readonly errorMessage: string,
  ) {}
}

/** Starts a RunningHub fake on 127.0.0.1 (a free port). */
export async function createRunningHubFake(options: RunningHubFakeOptions = {}): Promise<RunningHubFake> {
  const table = JSON.parse(
    await readFile(options.endpointsFile ?? DEFAULT_ENDPOINTS_FILE, 'utf8'),
  ) as EndpointTable;
  const endpoints = new Map(table.endpoints.map((e) => [e.endpoint, e.params]));
  const apiKey = options.apiKey ?? `rh-test-${randomBytes(8).toString('hex')}`;
  const video = options.video ?? clipMp4();
  const files = new Map<string, ReceivedMedia>();
  const received: ReceivedMedia[] = [];
  const tasks = new Map<string, FakeRunningHubTask>();
  let taskSeq = 0;

  const classify = (method: string, path: string): string => {
    if (method === 'GET' && path.startsWith('/files/')) return 'file';
    if (method === 'GET' && path.startsWith('/results/')) return 'download';
    if (path === '/openapi/v2/query') return 'query';
    if (path === '/openapi/v2/media/upload/binary') return 'upload';
    if (path.startsWith('/openapi/v2/')) return 'submit';
    return 'other';
  };

  const server = new FakeServer(classify, (ctx) => handle(ctx));
  await server.start();
  const baseUrl = server.baseUrl;

  /**
   * The fault for this request among those the fake answers in RunningHub's words. `takeFault` has
   * no filter by fault, so faults that are not ours here (the base server's generic ones still
   * pending after a `slow`, or task faults reaching an upload) go back for the request they are for.
   */
  const takeOwnFault = (kind: string, accept: (f: InjectedFault) => boolean): InjectedFault | undefined => {
    const putBack: InjectedFault[] = [];
    let found: InjectedFault | undefined;
    for (let f = server.takeFault(kind); f !== undefined; f = server.takeFault(kind)) {
      if (OWN_FAULTS.has(f.fault) && accept(f)) {
        found = f;
        break;
      }
      putBack.push(f);
    }
    for (const f of putBack) {
      server.inject(f.fault, {
        on: f.on,
        times: 1,
        ...(f.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: f.retryAfterSeconds }),
      });
    }
    return found;
  };

  /** A v2 answer: the same schema for submit and query, errors included. */
  const v2 = (fields: Record<string, unknown>): Answer => ({
    status: 200,
    body: {
      taskId: '',
      status: null,
      errorCode: '',
      errorMessage: '',
      results: null,
      clientId: '',
      promptTips: '',
      ...fields,
    },
  });
  // Errors use the same schema; which status RunningHub sets on them is undocumented, and FAILED is
  // the one a careless client would mistake for a task result.
  const v2Error = (errorCode: string, errorMessage: string, taskId = ''): Answer =>
    v2({ taskId, status: 'FAILED', errorCode, errorMessage });
  /** The upload answers in the legacy `code`/`msg` envelope. */
  const legacyError = (code: number, msg: string): Answer => ({
    status: 200,
    body: { code, msg, data: null },
  });
  const notFound = (path: string): Answer => ({
    status: 404,
    body: { timestamp: Date.now(), status: 404, error: 'Not Found', path },
  });
  const notJson: Answer = {
    status: 415,
    body: { errorCode: '1007', errorMessage: 'Content-Type must be application/json' },
  };

  const authorised = (req: IncomingMessage): boolean => req.headers.authorization === `Bearer ${apiKey}`;

  function handle({ req, res, recorded }: FakeHandlerContext): void {
    if (recorded.kind === 'file' || recorded.kind === 'download') {
      serveFile(res, recorded.kind, recorded.path);
      return;
    }
    const answer =
      recorded.kind === 'upload'
        ? upload(req, recorded)
        : recorded.kind === 'submit'
          ? submit(req, recorded)
          : recorded.kind === 'query'
            ? query(req, recorded)
            : notFound(recorded.path);
    sendJson(res, answer.status, answer.body);
  }

  function serveFile(res: ServerResponse, kind: string, path: string): void {
    const taskId = /^\/results\/(\d+)\.mp4$/.exec(path)?.[1];
    const bytes =
      kind === 'file'
        ? files.get(`${baseUrl}${path}`)?.bytes
        : taskId !== undefined && tasks.has(taskId)
          ? video
          : undefined;
    if (!bytes) {
      sendJson(res, 404, notFound(path).body);
      return;
    }
    const type = kind === 'file' ? files.get(`${baseUrl}${path}`)?.contentType : 'video/mp4';
    res.writeHead(200, {
      'content-type': type ?? 'application/octet-stream',
      'content-length': bytes.length,
    });
    res.end(bytes);
  }

  function upload(req: IncomingMessage, recorded: RecordedRequest): Answer {
    const fault = takeOwnFault('upload', (f) => f.on === 'upload');
    if (!authorised(req) || fault?.fault === 'bad-key') return legacyError(1002, 'API key invalid');
    if (fault?.fault === 'no-balance') return legacyError(416, 'insufficient balance');
    if (fault?.fault === 'content-rejected') return legacyError(1501, 'content moderation rejected');
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;/i.test(contentType)) {
      return legacyError(1007, 'Content-Type must be multipart/form-data');
    }
    const parts = parseMultipart(recorded.body, contentType);
    const file = parts.find((p) => p.name === 'file');
    if (parts.length !== 1 || !file || file.filename === undefined) {
      return legacyError(1007, 'expected exactly one file part named "file"');
    }
    const type = file.contentType ?? 'application/octet-stream';
    const ext = /\.(\w+)$/.exec(file.filename)?.[1] ?? EXTENSIONS[type] ?? 'bin';
    const id = randomBytes(32).toString('hex');
    const downloadUrl = `${baseUrl}/files/${id}.${ext}`;
    const media: ReceivedMedia = {
      bytes: file.data,
      contentType: type,
      filename: file.filename,
      handle: downloadUrl,
    };
    files.set(downloadUrl, media);
    received.push(media);
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'success',
        data: {
          download_url: downloadUrl,
          fileName: `api/${id}.${ext}`,
          type: type.split('/')[0],
          size: String(file.data.length),
        },
      },
    };
  }

  function submit(req: IncomingMessage, recorded: RecordedRequest): Answer {
    const endpoint = recorded.path.slice('/openapi/v2/'.length);
    const params = endpoints.get(endpoint);
    if (recorded.method !== 'POST') return v2Error('1009', `method ${recorded.method} not allowed`);
    if (!params) return notFound(recorded.path);
    if (!authorised(req)) return v2Error('1002', 'API key invalid');
    if (!isJson(req.headers['content-type'])) return notJson;
    const fault = takeOwnFault('submit', () => true);
    if (fault?.fault === 'bad-key') return v2Error('1002', 'API key invalid');
    if (fault?.fault === 'no-balance') return v2Error('416', 'insufficient balance');
    if (fault?.fault === 'content-rejected' && fault.on === 'submit') {
      return v2Error('1501', 'content moderation rejected: the prompt or an image was flagged');
    }
    let inputs: Record<string, ReceivedMedia[]>;
    try {
      inputs = validateBody(params, recorded.json, recorded.body);
    } catch (error) {
      if (error instanceof Rejection) return v2Error(error.errorCode, error.errorMessage);
      throw error;
    }
    // Inline files count as received once the task is accepted (uploads counted at upload).
    for (const list of Object.values(inputs)) {
      for (const m of list) if (m.handle.startsWith('data:')) received.push(m);
    }
    taskSeq += 1;
    // RunningHub task ids are 19-digit snowflakes ("2013508786110730241").
    const taskId = `${Date.now()}${String(taskSeq).padStart(6, '0')}`;
    const task: FakeRunningHubTask = {
      taskId,
      endpoint,
      body: recorded.json as Record<string, unknown>,
      inputs,
      submittedAt: Date.now(),
      queries: 0,
    };
    // `content-rejected` injected on `any` (or `task-failed`) lets the submit through and fails the task.
    if (fault?.fault === 'content-rejected') task.failure = contentFailure();
    if (fault?.fault === 'task-failed') task.failure = generationFailure();
    tasks.set(taskId, task);
    const clientId = randomBytes(16).toString('hex');
    const promptTips = '{"result": true, "error": null, "outputs_to_execute": ["4"], "node_errors": {}}';
    if (fake.pollsToComplete <= 0 && fake.generationMs === undefined && !task.failure) {
      return v2({ ...success(task), clientId, promptTips });
    }
    return v2({ taskId, status: 'QUEUED', clientId, promptTips });
  }

  function query(req: IncomingMessage, recorded: RecordedRequest): Answer {
    if (!authorised(req)) return v2Error('1002', 'API key invalid');
    if (!isJson(req.headers['content-type'])) return notJson;
    const json = recorded.json;
    const taskId = isRecord(json) ? json.taskId : undefined;
    if (typeof taskId !== 'string' || taskId === '') return v2Error('1007', 'taskId is required');
    const fault = takeOwnFault('query', () => true);
    if (fault?.fault === 'bad-key') return v2Error('1002', 'API key invalid', taskId);
    if (fault?.fault === 'no-balance') return v2Error('416', 'insufficient balance', taskId);
    const task = tasks.get(taskId);
    if (!task) return v2Error('1004', 'task not found or expired', taskId);
    if (fault?.fault === 'content-rejected') task.failure ??= contentFailure();
    if (fault?.fault === 'task-failed') task.failure ??= generationFailure();
    task.queries += 1;
    if (task.failure) return v2({ taskId, status: 'FAILED', ...task.failure });
    return v2(progressOf(task));
  }

  function progressOf(task: FakeRunningHubTask): Record<string, unknown> {
    const { taskId } = task;
    if (fake.generationMs !== undefined) {
      const elapsed = Date.now() - task.submittedAt;
      if (elapsed >= fake.generationMs) return success(task);
      return { taskId, status: 'RUNNING', progress: Math.floor((elapsed / fake.generationMs) * 100) };
    }
    if (task.queries >= fake.pollsToComplete) return success(task);
    if (task.queries === 1) return { taskId, status: 'QUEUED' };
    return { taskId, status: 'RUNNING', progress: Math.floor((task.queries / fake.pollsToComplete) * 100) };
  }

  function success(task: FakeRunningHubTask): Record<string, unknown> {
    return {
      taskId: task.taskId,
      status: 'SUCCESS',
      results: [{ url: fake.videoUrlFor(task.taskId), outputType: 'mp4', text: null }],
      usage: {
        consumeMoney: '1.75',
        consumeCoins: '175',
        thirdPartyConsumeMoney: '',
        taskCostTime: String(Math.max(1, Math.round((Date.now() - task.submittedAt) / 1000))),
      },
    };
  }

  /**
   * Checks a submit body against the endpoint's parameters; returns the files each IMAGE/VIDEO field
   * referred to. Throws a {@link Rejection} naming the field, as RunningHub's 1007 does.
   */
  function validateBody(
    params: EndpointParam[],
    json: unknown,
    raw: Buffer,
  ): Record<string, ReceivedMedia[]> {
    if (json === undefined) throw new Rejection('1007', `body is not valid JSON (${raw.length} bytes)`);
    if (!isRecord(json)) throw new Rejection('1007', 'body must be a JSON object');
    const byKey = new Map(params.map((p) => [p.key, p]));
    for (const key of Object.keys(json)) {
      if (!byKey.has(key)) throw new Rejection('1007', `unknown parameter: ${key}`);
    }
    const inputs: Record<string, ReceivedMedia[]> = {};
    for (const param of params) {
      const value = json[param.key];
      if (value === undefined || value === '') {
        if (param.required) throw new Rejection('1007', `${param.key} is required`);
        continue;
      }
      const media = checkValue(param, value);
      if (media) inputs[param.key] = media;
    }
    return inputs;
  }

  function checkValue(param: EndpointParam, value: unknown): ReceivedMedia[] | undefined {
    const bad = (why: string): never => {
      throw new Rejection('1007', `${param.key} ${why}`);
    };
    switch (param.type) {
      case 'STRING':
        if (typeof value !== 'string') return bad('must be a string');
        // RunningHub counts UTF-16 units (Java), which is stricter than code points for emoji.
        if (param.maxLength !== undefined && value.length > param.maxLength) {
          return bad(`is longer than ${param.maxLength} characters`);
        }
        return undefined;
      case 'LIST':
        if (typeof value !== 'string') {
          return bad(`must be one of the strings ${JSON.stringify(param.options)}`);
        }
        if (param.options && param.options.length > 0 && !param.options.includes(value)) {
          return bad(`must be one of ${JSON.stringify(param.options)}, got ${JSON.stringify(value)}`);
        }
        return undefined;
      case 'INT':
      case 'FLOAT':
        if (typeof value !== 'number' || !Number.isFinite(value)) return bad('must be a JSON number');
        if (param.type === 'INT' && !Number.isInteger(value)) return bad('must be an integer');
        if (param.min !== undefined && value < param.min) return bad(`must be at least ${param.min}`);
        if (param.max !== undefined && value > param.max) return bad(`must be at most ${param.max}`);
        return undefined;
      case 'BOOLEAN':
        if (typeof value !== 'boolean') return bad('must be a JSON boolean');
        return undefined;
      default: {
        if (param.multiple) {
          if (!Array.isArray(value)) return bad('must be an array of URLs');
          if (value.length === 0) return bad('must not be empty');
          if (param.maxCount !== undefined && value.length > param.maxCount) {
            return bad(`takes at most ${param.maxCount} files, got ${value.length}`);
          }
          return value.map((v, i) => resolveFile(param, v, `${param.key}[${i}]`));
        }
        return [resolveFile(param, value, param.key)];
      }
    }
  }

  /** An IMAGE/VIDEO/AUDIO value: an http(s) URL or a base64 data URI. */
  function resolveFile(param: EndpointParam, value: unknown, name: string): ReceivedMedia {
    if (typeof value !== 'string') throw new Rejection('1007', `${name} must be a URL string`);
    const family = param.type.toLowerCase();
    const maxBytes = param.maxSizeMB === undefined ? Infinity : param.maxSizeMB * MIB;
    const tooLarge = (size: number): void => {
      if (size > maxBytes) throw new Rejection('1008', `${name} is larger than ${param.maxSizeMB} MB`);
    };
    const data = /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=]+)$/.exec(value);
    if (data) {
      const [, type = '', base64 = ''] = data;
      if (!type.startsWith(`${family}/`)) throw new Rejection('1007', `${name} must be ${family} data`);
      const bytes = Buffer.from(base64, 'base64');
      tooLarge(bytes.length);
      return { bytes, contentType: type, handle: value };
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Rejection('1007', `${name} must be an http(s) URL or a data URI`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Rejection('1007', `${name} must be an http(s) URL or a data URI`);
    }
    if (url.origin !== new URL(baseUrl).origin) {
      // A public URL: RunningHub would fetch it; the fake stays off the internet and records no bytes.
      return { bytes: Buffer.alloc(0), handle: value };
    }
    const file = files.get(value);
    if (!file) throw new Rejection('1001', `${name}: no such uploaded file`);
    if (!file.contentType?.startsWith(`${family}/`)) {
      throw new Rejection(
        '1007',
        `${name} must be ${family === 'image' ? 'an' : 'a'} ${family}, got ${file.contentType}`,
      );
    }
    tooLarge(file.bytes.length);
    return file;
  }

  const fake: RunningHubFake = {
    server,
    baseUrl,
    apiKey,
    video,
    pollsToComplete: options.pollsToComplete ?? 3,
    generationMs: options.generationMs,
    submitCount: () => server.requestsOf('submit').length,
    submitted: () => [...tasks.values()].map((t) => t.body),
    media: () => [...received],
    videoUrlFor: (taskId) => `${baseUrl}/results/${taskId}.mp4`,
    tasks: () => [...tasks.values()],
    inputsOf: (taskId) => tasks.get(taskId)?.inputs ?? {},
    close: () => server.close(),
  };
  return fake;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isJson = (contentType: string | undefined): boolean =>
  /^application\/json\s*(;|$)/i.test(contentType ?? '');

/** How a failed task answers a query. */
interface TaskFailure {
  errorCode: string;
  errorMessage: string;
  failedReason: unknown;
}

/** 1505 with `failedReason` as the object seen in the wild (documented as a string). */
const contentFailure = (): TaskFailure => ({
  errorCode: '1505',
  errorMessage: 'photorealistic real people are prohibited',
  failedReason: {
    node_name: 'KlingVideo',
    exception_type: 'ContentModerationError',
    exception_message: 'photorealistic real people are prohibited',
    traceback: [],
  },
});

/** 1015 with `failedReason` as the documented string. */
const generationFailure = (): TaskFailure => ({
  errorCode: '1015',
  errorMessage: 'generation failed',
  failedReason: 'upstream model returned no video',
});
