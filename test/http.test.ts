import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hintPath } from '../src/http/hints.js';
import { type HttpServer, startHttpServer } from '../src/http/server.js';
import type { GeneratePayload } from '../src/jobs/payloads.js';
import { createQueues, type Queues } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { cleanRedis, REDIS_URL } from './helpers/harness.js';
import { RedisProxy } from './helpers/redis-proxy.js';

const prefix = `test-${randomUUID()}`;
const SECRET = 'http-test-secret-0123456789';
/** A job the http role only reads the step of. */
const polling = { v: 2, state: { step: 'poll' } } as unknown as GeneratePayload;
let redis: Redis;
let queues: Queues;
let http: HttpServer;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queues = createQueues(redis, prefix);
  http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    redis,
    queues,
    logger: createLogger('silent'),
    webhookSecret: SECRET,
  });
});
afterAll(async () => {
  await http.close();
  await queues.close();
  await cleanRedis(prefix);
  redis.disconnect();
});

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('http role', () => {
  it('answers health and readiness', async () => {
    expect(await (await fetch(`${http.url}/healthz`)).text()).toBe('ok');
    const ready = await fetch(`${http.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${http.url}/nothing-here`)).status).toBe(404);
  });

  it('serves Prometheus metrics with queue counts', async () => {
    await queues.generate.add('generate', polling, { jobId: 'metrics-job', delay: 60_000 });
    const res = await fetch(`${http.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('reelay_process_resident_memory_bytes');
    expect(text).toMatch(/reelay_queue_jobs\{queue="generate",state="delayed"\} 1/);
    expect(text).toMatch(/reelay_jobs_in_flight\{provider="runware"\} 0/);
    expect(text).toContain('# TYPE reelay_generation_seconds histogram');
  });

  it('a signed provider hint wakes a job waiting in its poll step', async () => {
    const job = await queues.generate.add('generate', polling, { jobId: 'webhook-job', delay: 600_000 });
    expect(await job.getState()).toBe('delayed');
    // A provider that takes no webhook (RunningHub) has no route: it could only be a forgery.
    expect(
      (await fetch(`${http.url}${hintPath(SECRET, 'runninghub', 'webhook-job')}`, { method: 'POST' })).status,
    ).toBe(404);
    expect((await fetch(`${http.url}/webhooks/runware/webhook-job`, { method: 'POST' })).status).toBe(401);
    expect(await job.getState()).toBe('delayed');
    const res = await fetch(`${http.url}${hintPath(SECRET, 'runware', 'webhook-job')}`, {
      method: 'POST',
      body: '{"event":"TASK_END"}',
    });
    expect(res.status).toBe(200);
    expect(await (await queues.generate.getJob('webhook-job'))?.getState()).toBe('waiting');
    // Unknown jobs are accepted and do nothing; other providers are not found.
    expect(
      (await fetch(`${http.url}${hintPath(SECRET, 'runware', 'no-such-job-1')}`, { method: 'POST' })).status,
    ).toBe(202);
    expect((await fetch(`${http.url}/webhooks/other/x/y`, { method: 'POST' })).status).toBe(404);
  });

  it('takes no hint at all without a webhook secret', async () => {
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis,
      queues,
      logger: createLogger('silent'),
    });
    try {
      const path = hintPath(SECRET, 'runware', 'webhook-job');
      expect((await fetch(`${server.url}${path}`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('readiness says so when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null });
    dead.on('error', () => undefined);
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis: dead,
      queues,
      logger: createLogger('silent'),
    });
    try {
      const started = Date.now();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await server.close();
      dead.disconnect();
    }
  });

  it('readiness answers 503 within a second when Redis hangs', async () => {
    const proxy = await RedisProxy.start();
    // The app's own connection: offline queue on, retries forever, as the roles use it.
    const hung = new Redis(proxy.url, { maxRetriesPerRequest: null });
    hung.on('error', () => undefined);
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis: hung,
      queues,
      logger: createLogger('silent'),
    });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      proxy.pause();
      const started = Date.now();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
      proxy.resume();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      await proxy.close();
      const gone = Date.now();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect(Date.now() - gone).toBeLessThan(1_500);
    } finally {
      await server.close();
      hung.disconnect();
      await proxy.close().catch(() => undefined);
    }
  });

  it('the queue dashboard is off without credentials', async () => {
    expect((await fetch(`${http.url}/admin/queues`)).status).toBe(404);
    expect((await fetch(`${http.url}/admin/queues/api/queues`)).status).toBe(404);
  });

  it('the queue dashboard is behind basic auth', async () => {
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis,
      queues,
      logger: createLogger('silent'),
      dashboard: { user: 'ops', password: 'correct horse battery' },
    });
    try {
      const page = `${server.url}/admin/queues`;
      const api = `${server.url}/admin/queues/api/queues`;
      const bare = await fetch(page);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect((await fetch(page, { headers: basic('ops', 'wrong') })).status).toBe(401);
      expect((await fetch(page, { headers: basic('nobody', 'correct horse battery') })).status).toBe(401);
      expect((await fetch(api)).status).toBe(401);
      const ok = await fetch(page, { headers: basic('ops', 'correct horse battery') });
      expect(ok.status).toBe(200);
      const html = await ok.text();
      expect(html).toContain('<base href="/admin/queues/"');
      const asset = /static\/js\/main\.[^"']+\.js/.exec(html)?.[0];
      expect(asset).toBeDefined();
      const assetUrl = `${server.url}/admin/queues/${asset}`;
      expect((await fetch(assetUrl)).status).toBe(401);
      const served = await fetch(assetUrl, { headers: basic('ops', 'correct horse battery') });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toContain('javascript');
      const listed = (await (
        await fetch(api, { headers: basic('ops', 'correct horse battery') })
      ).json()) as {
        queues: { name: string }[];
      };
      expect(listed.queues.map((q) => q.name).sort()).toEqual(['deliver', 'generate']);
    } finally {
      await server.close();
    }
  });

  it("a worker's own server (METRICS_PORT) serves health and its metrics, nothing else", async () => {
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis,
      queues,
      logger: createLogger('silent'),
      webhookSecret: SECRET,
      dashboard: { user: 'ops', password: 'pw' },
      scope: 'process',
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('reelay_process_resident_memory_bytes');
      expect(text).toContain('# TYPE reelay_jobs_total counter');
      expect(text).not.toContain('reelay_queue_jobs');
      const path = hintPath(SECRET, 'runware', 'webhook-job');
      expect((await fetch(`${server.url}${path}`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${server.url}/admin/queues`, { headers: basic('ops', 'pw') })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('serves the extra POST routes as they are, added even after the start', async () => {
    const routes: NonNullable<Parameters<typeof startHttpServer>[0]['routes']> = [];
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis,
      queues,
      logger: createLogger('silent'),
      routes,
    });
    // The Telegram bot learns the server's URL first, then gives its route.
    routes.push({
      path: '/telegram/secret-path',
      async handler(req, res) {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ got: body }));
      },
    });
    try {
      const res = await fetch(`${server.url}/telegram/secret-path`, { method: 'POST', body: 'update' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ got: 'update' });
      expect((await fetch(`${server.url}/telegram/secret-path`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
