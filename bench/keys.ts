import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The bench talks to loopback only: a REDIS_URL pointing anywhere else is refused. */
export function loopbackRedisUrl(env: Record<string, string | undefined>): string {
  const url = env.REDIS_URL || 'redis://127.0.0.1:6379';
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
    throw new Error(`bench: REDIS_URL must point at loopback (got host "${host}")`);
  }
  return url;
}

/** A fresh BullMQ prefix for one part of the bench, so its keys never meet anyone else's. */
export const benchPrefix = (part: string): string => `bench-${part}-${randomUUID()}`;

/** Deletes every key under `prefix` with SCAN + DEL, as the tests' `cleanRedis` does. Never FLUSHDB. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** Seconds of CPU Redis has used (user + system), from INFO; shared with whoever else uses it. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}
