import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningHubFake } from '../test/fakes/runninghub.js';

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

export async function startProviderProxy(
  fake: RunningHubFake,
  options: ProviderProxyOptions,
): Promise<ProviderProxy> {
  const offsets = new Map<string, number>();
  const submitted = new Map<string, number>();
  const readyAt = (taskId: string): number | undefined => {
    if (!submitted.has(taskId)) for (const t of fake.tasks()) submitted.set(t.taskId, t.submittedAt);
    const at = submitted.get(taskId);
    if (at === undefined) return undefined;
    let offset = offsets.get(taskId);
    if (offset === undefined) {
      offset = Math.random() * options.spreadMs;
      offsets.set(taskId, offset);
    }
    return at + options.generationMs + offset;
  };
  let ownUrl = '';
  let failures = 0;

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

  // To the fake, too, connections are kept (node's agent closes them on the fake's 1 s hint).
  const upstreamAgent = new Agent({ keepAlive: true });
  const upstream = new URL(fake.baseUrl);
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
      forward(req.method ?? 'GET', path, headers, Buffer.concat(chunks))
        .then((answer) => {
          const body =
            path === '/openapi/v2/query' &&
            answer.status === 200 &&
            answer.type.startsWith('application/json')
              ? Buffer.from(rewriteQuery(answer.body.toString('utf8')))
              : answer.body;
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
  server.keepAliveTimeout = options.keepAliveMs;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  ownUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl: ownUrl,
    readyAt,
    failures: () => failures,
    async close() {
      upstreamAgent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
