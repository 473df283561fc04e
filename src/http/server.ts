import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Credits } from '../jobs/credits.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import { IN_FLIGHT_MAX_AGE_MS, inFlightKey, metricsRegistry } from '../metrics.js';
import type { ProviderDescriptor } from '../providers/provider.js';
import { PROVIDERS, providerNamed } from '../providers/registry.js';
import { createHintWaker, validHint } from './hints.js';

export interface HttpDeps {
  port: number;
  /** Defaults to all interfaces, as a container needs; tests pass 127.0.0.1. */
  host?: string;
  redis: Redis;
  queues: Queues;
  logger: Logger;
  /** The providers whose completion hints are taken (those that accept webhooks). */
  providers?: readonly ProviderDescriptor[];
  /** `WEBHOOK_SECRET`: checks each hint's signature. Without it no hint is taken (404). */
  webhookSecret?: string;
  /** `DASHBOARD_USER` and `DASHBOARD_PASSWORD`: the queue dashboard at `/admin/queues`; absent: 404. */
  dashboard?: { user: string; password: string };
  /** The ledger, for the day's spend and the cap in force on `/metrics`. */
  credits?: Pick<Credits, 'spend' | 'cap'>;
  /**
   * Extra POST routes served as they are (the Telegram webhook). Their paths may be secret: they
   * are never logged.
   */
  routes?: { path: string; handler(req: IncomingMessage, res: ServerResponse): Promise<void> }[];
  /**
   * `process`: only `/healthz`, `/readyz` and this process's own metrics (a worker's, on
   * `METRICS_PORT`), without the queue and spend gauges the http role reports once for all.
   */
  scope?: 'http' | 'process';
}

export interface HttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** The longest `/readyz` waits for Redis before it answers 503. */
export const READY_TIMEOUT_MS = 1_000;
const JOB_ID = /^[A-Za-z0-9-]{8,64}$/;
const DASHBOARD = '/admin/queues';

/**
 * The `http` role, on Hono: `/healthz` (the process is up), `/readyz` (Redis answers within a
 * second), `/metrics` (Prometheus: this process's job metrics, the queues, the day's spend),
 * `POST /webhooks/{provider}/{jobId}/{sig}` (a provider's completion hint, signed per job:
 * see hints.ts), the queue dashboard at `/admin/queues` behind basic auth, and the extra POST routes
 * (the Telegram webhook, whose path is secret and never logged).
 */
export async function startHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const scope = deps.scope ?? 'http';
  const registry = processRegistry(deps, scope);
  // Readiness asks on a connection of its own: no retry of a command (a reconnection that fails
  // fails it), a command time-out, and the answer time-boxed, so a Redis that is down or hangs gets
  // a 503 within a second and never a pile of waiting pings.
  const probe = deps.redis.duplicate({
    maxRetriesPerRequest: 0,
    commandTimeout: READY_TIMEOUT_MS,
    lazyConnect: false,
  });
  probe.on('error', () => undefined);
  // Looked up at each request: a caller may add its route once it knows the server's URL.
  const extraRoute = (path: string) =>
    scope === 'http' ? deps.routes?.find((r) => r.path === path) : undefined;
  const app = new Hono<{ Bindings: HttpBindings }>();

  app.onError((error, c) => {
    // Neither a secret route's path nor a hint's signature goes to the logs.
    const path = extraRoute(c.req.path)
      ? '[route]'
      : c.req.path.replace(/^(\/webhooks\/[^/]+\/[^/]+)\/.+$/, '$1/[sig]');
    deps.logger.error({ err: String(error), path }, 'http handler failed');
    return c.text('error', 500);
  });
  app.notFound((c) => c.text('not found', 404));

  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', async (c) => {
    const pong = await withinMs(probe.ping(), READY_TIMEOUT_MS).catch(() => 'down');
    return pong === 'PONG' ? c.text('ready') : c.text('redis unavailable', 503);
  });
  app.get('/metrics', async (c) => {
    const text = `${await registry.metrics()}\n${await metricsRegistry.metrics()}`;
    return c.body(text, 200, { 'content-type': registry.contentType });
  });

  app.use('*', async (c, next) => {
    const route = c.req.method === 'POST' ? extraRoute(c.req.path) : undefined;
    if (!route) return next();
    await route.handler(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });

  const waker = createHintWaker(deps);
  const hint = async (provider: string, jobId: string, sig: string | undefined): Promise<number> => {
    if (
      scope !== 'http' ||
      !deps.webhookSecret ||
      !providerNamed(provider, deps.providers ?? PROVIDERS)?.acceptsWebhooks
    ) {
      return 404;
    }
    if (!JOB_ID.test(jobId) || sig === undefined || !validHint(deps.webhookSecret, provider, jobId, sig)) {
      return 401;
    }
    // Woken now (200), or accepted (202): deferred to the end of the job's quiet window when it was
    // polled moments ago, ignored when it is not polling.
    const outcome = await waker.hint(jobId);
    if (outcome !== 'woken') return 202;
    deps.logger.debug({ provider, jobId }, 'webhook hint woke the job');
    return 200;
  };
  app.post('/webhooks/:provider/:jobId/:sig', async (c) => {
    const status = await hint(c.req.param('provider'), c.req.param('jobId'), c.req.param('sig'));
    return c.text(status === 401 ? 'bad signature' : status === 404 ? 'not found' : 'ok', status as 200);
  });
  app.post('/webhooks/:provider/:jobId', async (c) => {
    const status = await hint(c.req.param('provider'), c.req.param('jobId'), undefined);
    return c.text(status === 404 ? 'not found' : 'bad signature', status as 401);
  });

  if (scope === 'http' && deps.dashboard) {
    const board = new HonoAdapter(serveStatic);
    createBullBoard({
      queues: [new BullMQAdapter(deps.queues.generate), new BullMQAdapter(deps.queues.deliver)],
      serverAdapter: board,
    });
    board.setBasePath(DASHBOARD);
    app.use(DASHBOARD, basicAuth(deps.dashboard));
    app.use(`${DASHBOARD}/*`, basicAuth(deps.dashboard));
    app.route(DASHBOARD, board.registerPlugin());
  }

  const server = createAdaptorServer({ fetch: app.fetch, hostname: deps.host ?? '0.0.0.0' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    waker.close();
    probe.disconnect();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${deps.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      waker.close();
      probe.disconnect();
    },
  };
}

/** Rejects when `work` takes longer than `ms`. */
function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** HTTP basic auth, both parts compared in constant time (as digests, so their lengths never leak). */
function basicAuth(expected: { user: string; password: string }): MiddlewareHandler {
  const user = digest(expected.user);
  const password = digest(expected.password);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const givenUser = colon < 0 ? '' : decoded.slice(0, colon);
    const givenPassword = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both compared every time: a wrong user takes as long as a wrong password.
    const userOk = timingSafeEqual(digest(givenUser), user);
    const passwordOk = timingSafeEqual(digest(givenPassword), password);
    if (match && colon >= 0 && userOk && passwordOk) return next();
    return c.text('unauthorized', 401, {
      'www-authenticate': 'Basic realm="reelay queues", charset="UTF-8"',
    });
  };
}

/**
 * This server's registry: the process's default metrics, and for the http role the queues' job
 * counts, the jobs in flight at each provider, and the day's spend beside the cap in force.
 */
function processRegistry(deps: HttpDeps, scope: 'http' | 'process'): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'reelay_' });
  if (scope === 'process') return registry;
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
  new Gauge({
    name: 'reelay_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting for a worker, by queue (0: none waiting)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      for (const queue of [deps.queues.generate, deps.queues.deliver]) {
        const [oldest] = await queue.getJobs(['wait'], -1, -1);
        this.set({ queue: queue.name }, oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      }
    },
  });
  new Gauge({
    name: 'reelay_jobs_in_flight',
    help: 'Generate jobs submitted to each provider and not yet ended',
    labelNames: ['provider'],
    registers: [registry],
    async collect() {
      for (const provider of deps.providers ?? PROVIDERS) {
        const key = inFlightKey(deps.queues.prefix, provider.name);
        await deps.redis.zremrangebyscore(key, '-inf', Date.now() - IN_FLIGHT_MAX_AGE_MS);
        this.set({ provider: provider.name }, await deps.redis.zcard(key));
      }
    },
  });
  const { credits } = deps;
  if (credits) {
    new Gauge({
      name: 'reelay_spend_today_credits',
      help: "Today's (UTC) spend of the whole service: used (reserved + committed) and committed",
      labelNames: ['kind'],
      registers: [registry],
      async collect() {
        const [today] = await credits.spend(1);
        this.set({ kind: 'used' }, today?.used ?? 0);
        this.set({ kind: 'committed' }, today?.committed ?? 0);
      },
    });
    new Gauge({
      name: 'reelay_spend_cap_credits',
      help: 'The daily spend cap in force (absent: none)',
      registers: [registry],
      async collect() {
        const { credits: cap } = await credits.cap();
        this.reset();
        if (cap !== undefined) this.set(cap);
      },
    });
  }
  return registry;
}
