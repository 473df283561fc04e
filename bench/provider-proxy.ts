import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningHubFake } from '../test/fakes/runninghub.js';
import type { RunwareFake } from '../test/fakes/runware.js';

/**
 * A loopback pass-through the worker talks to instead of the RunningHub fake itself, for two reasons:
 *
 * - Keep-alive. The fakes close idle connections after 1 s (`keepAliveTimeout = 1_000`, so that
 *   tests close quickly) and advertise `Keep-Alive: timeout=1`; undici then reuses no connection at
 *   all and opens one TCP connection per request, with a "socket reset" error object (and its
 *   source-mapped stack, under tsx) each time. A real provider keeps connections for a minute or so.
 *   The proxy keeps them for `keepAliveMs`, and serves the clip downloads too (result URLs are
 *   rewritten to point at it). It reaches the fake through node's http agent, which does reuse
 *   connections within the fake's 1 s, so the provider side costs the shared CPU less.
 * - Completion phase (when `spreadMs` > 0). With every clip taking exactly `generationMs` and the
 *   worker polling right after submit and then every interval, the poll that sees SUCCESS always
 *   lands a few hundred ms after the clip is ready, so a fixed 20 s clip never shows the wait
 *   between "ready" and "the next poll" that varied clip lengths produce. Each task gets an offset
 *   drawn uniformly from [0, spreadMs); until `submittedAt + generationMs + offset` a SUCCESS answer
 *   is turned into RUNNING.
 *
 * {@link startRunwareProxy} does the same for the Runware fake (part P3), and also plays Runware's
 * webhook: when a task's clip is ready it POSTs the result to the `webhookURL` the task was
 * submitted with. Its answers carry no progress, so the worker polls every `POLL_INTERVAL_MS` and
 * only the hint (or that poll) finds a clip.
 */
export interface ProviderProxy {
  baseUrl: string;
  /** When a task's clip is ready as the worker can see it (epoch ms); undefined for unknown ids. */
  readyAt(taskId: string): number | undefined;
  /** Requests it could not pass on (answered 502); should stay 0. */
  failures(): number;
  close(): Promise<void>;
}

export interface ProviderProxyOptions {
  generationMs: number;
  spreadMs: number;
  keepAliveMs: number;
}

/** How the completion hints a {@link startRunwareProxy} sent were answered. */
export interface HintsSent {
  /** By HTTP status (200: woke the job; 202: deferred or not needed). */
  statuses: Record<string, number>;
  /** POSTs that got no answer. */
  failed: number;
  /** Per hint, how late it was sent after the clip was ready (the bench process was busy), ms. */
  lateMs: number[];
  /** Per answered hint, from its POST to the http role's answer, ms. */
  answerMs: number[];
}

export interface RunwareProxy extends ProviderProxy {
  hints(): HintsSent;
}

/** Each task's ready time: its submit + `generationMs` + its own offset in [0, spreadMs). */
function readiness(options: ProviderProxyOptions, submittedAt: (taskId: string) => number | undefined) {
  const offsets = new Map<string, number>();
  return (taskId: string): number | undefined => {
    const at = submittedAt(taskId);
    if (at === undefined) return undefined;
    let offset = offsets.get(taskId);
    if (offset === undefined) {
      offset = Math.random() * options.spreadMs;
      offsets.set(taskId, offset);
    }
    return at + options.generationMs + offset;
  };
}

/** One request the proxy passed on, with the upstream's answer, for a dialect to rewrite. */
interface Exchange {
  path: string;
  request: Buffer;
  status: number;
  type: string;
  body: Buffer;
}

interface PassThrough {
  url: string;
  failures(): number;
  close(): Promise<void>;
}

export async function startProviderProxy(
  fake: RunningHubFake,
  options: ProviderProxyOptions,
): Promise<ProviderProxy> {
  const submitted = new Map<string, number>();
  const readyAt = readiness(options, (taskId) => {
    if (!submitted.has(taskId)) for (const t of fake.tasks()) submitted.set(t.taskId, t.submittedAt);
    return submitted.get(taskId);
  });
  let ownUrl = '';

  /** The fake's answer to a query, as the worker should see it now. */
  const rewriteQuery = (text: string): string => {
    const answer = JSON.parse(text) as Record<string, unknown>;
    if (answer.status !== 'SUCCESS') return text;
    const ready = typeof answer.taskId === 'string' ? readyAt(answer.taskId) : undefined;
    if (ready !== undefined && Date.now() < ready) {
      return JSON.stringify({ ...answer, status: 'RUNNING', progress: 99, results: null, usage: null });
    }
    return text.split(fake.baseUrl).join(ownUrl);
  };

  const pass = await startPassThrough(fake.baseUrl, options.keepAliveMs, (x) =>
    x.path === '/openapi/v2/query' && x.status === 200 && x.type.startsWith('application/json')
      ? Buffer.from(rewriteQuery(x.body.toString('utf8')))
      : x.body,
  );
  ownUrl = pass.url;
  return { baseUrl: ownUrl, readyAt, failures: pass.failures, close: pass.close };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const parseJson = (bytes: Buffer): unknown => {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
};

/**
 * The Runware fake behind a proxy (see the top of this file): success held back until each task's
 * ready time, progress dropped, result links pointing here, and at the ready time a POST of the
 * result to the task's `webhookURL` (when it has one).
 */
export async function startRunwareProxy(
  fake: RunwareFake,
  options: ProviderProxyOptions,
): Promise<RunwareProxy> {
  const submitted = new Map<string, number>();
  const readyAt = readiness(options, (taskId) => submitted.get(taskId));
  const origin = new URL(fake.baseUrl).origin;
  let ownOrigin = '';
  const sent: HintsSent = { statuses: {}, failed: 0, lateMs: [], answerMs: [] };
  const timers = new Set<NodeJS.Timeout>();

  const postHint = async (url: string, taskUUID: string, due: number): Promise<void> => {
    const posted = Date.now();
    sent.lateMs.push(posted - due);
    const result = {
      taskType: 'videoInference',
      taskUUID,
      status: 'success',
      videoURL: fake.videoUrlFor(taskUUID).replace(origin, ownOrigin),
    };
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: [result] }),
      });
      await res.arrayBuffer();
      sent.answerMs.push(Date.now() - posted);
      sent.statuses[res.status] = (sent.statuses[res.status] ?? 0) + 1;
    } catch {
      sent.failed += 1;
    }
  };

  /** A submit the fake accepted: its clock starts now, and its hint is due at its ready time. */
  const accepted = (task: Record<string, unknown>): void => {
    const taskUUID = task.taskUUID as string;
    submitted.set(taskUUID, Date.now());
    const due = readyAt(taskUUID) as number;
    if (typeof task.webhookURL !== 'string') return;
    const url = task.webhookURL;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void postHint(url, taskUUID, due);
    }, due - Date.now());
    timers.add(timer);
  };

  /** One getResponse item as the worker should see it now: no progress, no clip before it is ready. */
  const asSeen = (item: Record<string, unknown>): Record<string, unknown> => {
    const { progress: _progress, ...rest } = item;
    const ready = typeof item.taskUUID === 'string' ? readyAt(item.taskUUID) : undefined;
    if (item.status === 'success' && ready !== undefined && Date.now() < ready) {
      return { taskType: item.taskType, taskUUID: item.taskUUID, status: 'processing' };
    }
    return rest;
  };

  const pass = await startPassThrough(origin, options.keepAliveMs, (x) => {
    if (x.path !== '/v1' || x.status !== 200 || !x.type.startsWith('application/json')) return x.body;
    const tasks = parseJson(x.request);
    const answer = parseJson(x.body);
    if (!Array.isArray(tasks) || !isRecord(answer) || !Array.isArray(answer.data)) return x.body;
    const first = tasks[0] as Record<string, unknown> | undefined;
    if (first?.taskType === 'videoInference') {
      const ids = new Set(answer.data.filter(isRecord).map((d) => d.taskUUID));
      for (const task of tasks.filter(isRecord)) if (ids.has(task.taskUUID)) accepted(task);
      return x.body;
    }
    if (first?.taskType !== 'getResponse') return x.body;
    const data = answer.data.map((d) => (isRecord(d) ? asSeen(d) : d));
    return Buffer.from(
      JSON.stringify({ ...answer, data })
        .split(origin)
        .join(ownOrigin),
    );
  });
  ownOrigin = pass.url;
  return {
    baseUrl: `${ownOrigin}${new URL(fake.baseUrl).pathname}`,
    readyAt,
    failures: pass.failures,
    hints: () => ({
      statuses: { ...sent.statuses },
      failed: sent.failed,
      lateMs: [...sent.lateMs],
      answerMs: [...sent.answerMs],
    }),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await pass.close();
    },
  };
}

/**
 * The loopback pass-through both proxies share: keeps its own connections `keepAliveMs`, reaches
 * `upstream` (an origin) through node's keep-alive agent, and lets `rewrite` change each answer.
 */
async function startPassThrough(
  upstreamOrigin: string,
  keepAliveMs: number,
  rewrite: (exchange: Exchange) => Buffer,
): Promise<PassThrough> {
  let failures = 0;
  // To the fake, too, connections are kept (node's agent closes them on the fake's 1 s hint).
  const upstreamAgent = new Agent({ keepAlive: true });
  const upstream = new URL(upstreamOrigin);
  const forward = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    retried = false,
  ): Promise<{ status: number; type: string; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const sized = body.length > 0 ? { ...headers, 'content-length': String(body.length) } : headers;
      const req = request(
        { host: upstream.hostname, port: upstream.port, method, path, headers: sized, agent: upstreamAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 502,
              type: res.headers['content-type'] ?? 'application/octet-stream',
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The fake closed a kept connection just as it was reused: nothing reached it, send again.
        if (req.reusedSocket && error.code === 'ECONNRESET' && !retried) {
          forward(method, path, headers, body, true).then(resolve, reject);
        } else reject(error);
      });
      req.end(body.length > 0 ? body : undefined);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const path = req.url ?? '/';
      const sentBody = Buffer.concat(chunks);
      forward(req.method ?? 'GET', path, headers, sentBody)
        .then((answer) => {
          const body = rewrite({ path, request: sentBody, ...answer });
          res.writeHead(answer.status, { 'content-type': answer.type, 'content-length': body.length });
          res.end(body);
        })
        .catch((error: unknown) => {
          failures += 1;
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ proxyError: String(error) }));
        });
    });
  });
  server.keepAliveTimeout = keepAliveMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failures: () => failures,
    async close() {
      upstreamAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
