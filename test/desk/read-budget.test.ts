import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { READ_BUDGET_MS } from '../../src/desk/desk.js';
import type { Caller } from '../../src/desk/place.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { createLogger } from '../../src/log.js';
import { cleanRedis } from '../helpers/harness.js';
import { RedisProxy } from '../helpers/redis-proxy.js';

/** Discord holds an interaction 3 s before it must be answered. */
const DISCORD_HOLD_MS = 3_000;

/** `call`'s answer and how long it took, or `hung` past a bound well over Discord's hold. */
async function timed<T>(call: () => Promise<T>): Promise<{ answer: T | 'hung'; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), DISCORD_HOLD_MS * 3);
  });
  try {
    const answer = await Promise.race([call(), bound]);
    return { answer, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('desk reads while Redis does not answer', () => {
  it('/quota, /history, /cancel, a Cancel button and Again answer busy within Discord’s 3 s', async () => {
    expect(READ_BUDGET_MS).toBeLessThan(DISCORD_HOLD_MS);
    const proxy = await RedisProxy.start();
    const prefix = `test-${randomUUID()}`;
    const config = loadConfig({
      REDIS_URL: proxy.url,
      QUEUE_PREFIX: prefix,
      RUNWARE_API_KEY: 'rw-key',
      RUNWARE_API_URL: 'http://127.0.0.1:1',
      REELAY_ROLES: 'worker',
    });
    const app = createApp({ config, logger: createLogger('silent') });
    const caller: Caller = {
      requester: { platform: 'discord', userId: 'carol' },
      place: { platform: 'discord', community: 'g1', channel: 'c1' },
    };
    try {
      const desk = app.desk({});
      expect(await app.redis.ping()).toBe('PONG');
      // Connected, but nothing comes back: the case ioredis queues commands for, with no error.
      proxy.pause();
      const answers = await Promise.all([
        timed(() => desk.quota(caller)),
        timed(() => desk.history(caller)),
        timed(() => desk.cancelMine(caller.requester)),
        timed(() => desk.cancel('some-job', caller.requester)),
        timed(() => desk.again('some-job', caller, fileTarget('/tmp/never-written.mp4'))),
      ]);
      expect(answers.map((a) => a.answer)).toEqual([
        'busy',
        'busy',
        { kind: 'busy' },
        'busy',
        { ok: false, error: { id: 'service-busy' } },
      ]);
      for (const { ms } of answers) expect(ms).toBeLessThan(DISCORD_HOLD_MS);
    } finally {
      await proxy.close();
      await app.close();
      await cleanRedis(prefix);
    }
  });
});
