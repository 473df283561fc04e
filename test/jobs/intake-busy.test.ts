import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { waitFor } from '../helpers/wait.js';

describe('intake with Redis gone', () => {
  it('answers service-busy at once instead of waiting for Redis to come back', async () => {
    // Nothing listens on port 1: the connection fails and ioredis keeps reconnecting.
    const config = loadConfig({
      REDIS_URL: 'redis://127.0.0.1:1',
      RUNWARE_API_KEY: 'rw-key',
      REELAY_ROLES: 'worker',
    });
    const app = createApp({ config, logger: createLogger('silent') });
    try {
      // Whether the first attempt is still connecting or already failed, the answer is "busy".
      const first = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' },
        { platform: 'telegram', userId: '1' },
        { kind: 'telegram', chatId: 1, messageId: 1 },
      );
      expect(first).toEqual({ ok: false, error: { id: 'service-busy' } });
      await waitFor(() => app.redis.status === 'reconnecting', { what: 'ioredis to be reconnecting' });
      const started = performance.now();
      const again = await app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' },
        { platform: 'telegram', userId: '1' },
        { kind: 'telegram', chatId: 1, messageId: 1 },
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
