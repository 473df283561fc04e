import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { userKey } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { createLogger } from '../../src/log.js';
import { cleanRedis } from '../helpers/harness.js';
import { RedisProxy } from '../helpers/redis-proxy.js';
import { waitFor } from '../helpers/wait.js';

describe('intake with Redis gone', () => {
  it('answers service-busy at once instead of waiting for Redis to come back', async () => {
    // Nothing listens on port 1: the connection fails and ioredis keeps reconnecting.
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:1',
      RUNWARE_API_KEY: 'rw-key',
      REELAY_ROLES: 'worker',
    });
    const app = createApp({ config, logger: createLogger('silent'), intakeRedisBudgetMs: 300 });
    try {
      // Whether the first attempt is still connecting or already failed, the answer is "busy".
      const first = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' },
        { platform: 'telegram', userId: '1' },
        { platform: 'telegram', data: { chatId: 1, messageId: 1 } },
      );
      expect(first).toEqual({ ok: false, error: { id: 'service-busy' } });
      await waitFor(() => app.redis.status === 'reconnecting', { what: 'ioredis to be reconnecting' });
      const started = performance.now();
      const again = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' },
        { platform: 'telegram', userId: '1' },
        { platform: 'telegram', data: { chatId: 1, messageId: 1 } },
      );
      expect(again).toEqual({ ok: false, error: { id: 'service-busy' } });
      // Refused without sending anything: far below the 5 s budget (a loose bound, not a timing test).
      expect(performance.now() - started).toBeLessThan(1_000);
      await expect(app.intake.cancel('some-job', { platform: 'telegram', userId: '1' })).rejects.toThrow(
        /unreachable/,
      );
    } finally {
      await app.close();
    }
  });
});

describe('intake with a slow Redis', () => {
  it('answers busy after its budget, and a submit that completes later is cancelled and refunded', async () => {
    const proxy = await RedisProxy.start();
    const prefix = `test-${randomUUID()}`;
    const config = loadConfig({
      REDIS_URL: proxy.url,
      QUEUE_PREFIX: prefix,
      // Nothing listens there: should the job start before its cancel flag is set, it retries.
      RUNWARE_API_KEY: 'rw-key',
      RUNWARE_API_URL: 'http://127.0.0.1:1',
      REELAY_ROLES: 'worker',
    });
    const app = createApp({
      config,
      logger: createLogger('silent'),
      intakeRedisBudgetMs: 300,
      jobOptions: { backoff: { type: 'fixed', delay: 50 } },
      workerOptions: { lockDuration: 2_000, stalledInterval: 1_000 },
    });
    const requester = { platform: 'telegram' as const, userId: 'slow-1' };
    try {
      app.startWorkers();
      expect(await app.redis.ping()).toBe('PONG');
      proxy.pause();
      const answer = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' },
        requester,
        fileTarget('/tmp/never-written.mp4'),
      );
      expect(answer).toEqual({ ok: false, error: { id: 'service-busy' } });
      proxy.resume();
      // The reservation and the job land after all; the job is cancelled and its credits given back.
      const failed = await waitFor(async () => (await app.queues.generate.getJobs(['failed']))[0], {
        what: 'the late job to fail',
      });
      expect(failed.failedReason).toBe('cancelled');
      const usage = await waitFor(async () => {
        const u = await app.credits.usage(userKey(requester), 'telegram:private');
        return u.inFlight === 0 ? u : undefined;
      });
      expect(usage.used).toBe(0);
    } finally {
      await app.close();
      await proxy.close();
      await cleanRedis(prefix);
    }
  });
});
