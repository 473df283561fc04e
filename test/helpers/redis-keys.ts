import type { Redis } from 'ioredis';

/** Every key matching `match` (SCAN, so a busy test Redis is never blocked by KEYS). */
export async function keysOf(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
