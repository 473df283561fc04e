import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { ProviderDescriptor } from '../providers/provider.js';
import { PROVIDERS, providerNamed } from '../providers/registry.js';

export interface HttpDeps {
  port: number;
  /** Defaults to all interfaces, as a container needs; tests pass 127.0.0.1. */
  host?: string;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  /** The providers whose completion hints are taken (those that accept webhooks). */
  providers?: readonly ProviderDescriptor[];
  /**
   * Extra POST routes served as they are (the Telegram webhook). Their paths may be secret: they
   * are never logged.
   */
  routes?: { path: string; handler(req: IncomingMessage, res: ServerResponse): Promise<void> }[];
}

export interface HttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const WEBHOOK_PATH = /^\/webhooks\/([a-z0-9-]{1,32})\/([A-Za-z0-9-]{8,64})$/;
const MAX_WEBHOOK_BODY = 1024 * 1024;

/**
 * The `http` role: `/healthz` (the process is up), `/readyz` (Redis answers), `/metrics`
 * (Prometheus), and `POST /webhooks/{provider}/{jobId}`, a provider's completion hint. A hint only
 * wakes the job's next poll early: the provider's query stays the source of truth, so a forged hint
 * costs one extra query and nothing else.
 */
export async function startHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reelay_' });
  new Gauge({
    name: 'reelay_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of [deps.queues.generate, deps.queues.deliver]) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    (async () => {
      if (req.method === 'GET' && url.pathname === '/healthz') return send(200, 'ok');
      if (req.method === 'GET' && url.pathname === '/readyz') {
        const pong = await deps.redis.ping().catch(() => 'down');
        return pong === 'PONG' ? send(200, 'ready') : send(503, 'redis unavailable');
      }
      if (req.method === 'GET' && url.pathname === '/metrics') {
        return send(200, await registry.metrics(), registry.contentType);
      }
      const route = deps.routes?.find((r) => r.path === url.pathname);
      if (req.method === 'POST' && route) return route.handler(req, res);
      const hook = WEBHOOK_PATH.exec(url.pathname);
      const hinting = hook && providerNamed(hook[1] as string, deps.providers ?? PROVIDERS)?.acceptsWebhooks;
      if (req.method === 'POST' && hook && hinting) {
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > MAX_WEBHOOK_BODY) return send(413, 'too large');
        }
        const job = await deps.queues.generate.getJob(hook[2] as string);
        if (job && (await job.getState()) === 'delayed') await job.promote().catch(() => undefined);
        deps.logger.debug({ provider: hook[1], jobId: hook[2] }, 'webhook hint');
        // Always 200: a provider retrying a hint for a finished job helps no one.
        return send(200, 'ok');
      }
      return send(404, 'not found');
    })().catch((error: unknown) => {
      const secret = deps.routes?.some((r) => r.path === url.pathname);
      deps.logger.error(
        { err: String(error), path: secret ? '[route]' : url.pathname },
        'http handler failed',
      );
      if (!res.headersSent) send(500, 'error');
    });
  });
  await new Promise<void>((resolve) => server.listen(deps.port, deps.host ?? '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${deps.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
