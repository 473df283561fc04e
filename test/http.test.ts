import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, startHttpServer } from '../src/http/server.js';
import type { GeneratePayload } from '../src/jobs/payloads.js';
import { createQueues, type Queues } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { cleanRedis, REDIS_URL } from './helpers/harness.js';

const prefix = `test-${randomUUID()}`;
/** A job the http role never reads: only its state matters here. */
const junk = { v: 1 } as unknown as GeneratePayload;
let redis: Redis;
let queues: Queues;
let http: HttpServer;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queues = createQueues(redis, prefix);
  http = await startHttpServer({ port: 0, host: '127.0.0.1', redis, queues, logger: createLogger('silent') });
});
afterAll(async () => {
  await http.close();
  await queues.close();
  await cleanRedis(prefix);
  redis.disconnect();
});

describe('http role', () => {
  it('answers health and readiness', async () => {
    expect(await (await fetch(`${http.url}/healthz`)).text()).toBe('ok');
    const ready = await fetch(`${http.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('serves Prometheus metrics with queue counts', async () => {
    await queues.generate.add('generate', junk, { jobId: 'metrics-job', delay: 60_000 });
    const text = await (await fetch(`${http.url}/metrics`)).text();
    expect(text).toContain('reelay_process_resident_memory_bytes');
    expect(text).toMatch(/reelay_queue_jobs\{queue="generate",state="delayed"\} 1/);
  });

  it('a provider webhook only wakes the delayed job early', async () => {
    const job = await queues.generate.add('generate', junk, { jobId: 'webhook-job', delay: 600_000 });
    expect(await job.getState()).toBe('delayed');
    // A provider that takes no webhook (RunningHub) has no route: it could only be a forgery.
    expect((await fetch(`${http.url}/webhooks/runninghub/webhook-job`, { method: 'POST' })).status).toBe(404);
    expect(await job.getState()).toBe('delayed');
    const res = await fetch(`${http.url}/webhooks/runware/webhook-job`, {
      method: 'POST',
      body: '{"event":"TASK_END"}',
    });
    expect(res.status).toBe(200);
    expect(await (await queues.generate.getJob('webhook-job'))?.getState()).toBe('waiting');
    // Unknown jobs and other paths do not error out.
    expect((await fetch(`${http.url}/webhooks/runware/no-such-job-1`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${http.url}/webhooks/other/x`, { method: 'POST' })).status).toBe(404);
  });

  it('readiness says so when Redis is gone', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    const q = createQueues(redis, prefix);
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      redis: dead,
      queues: q,
      logger: createLogger('silent'),
    });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
      dead.disconnect();
    }
  });
});
