import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQuota, type QuotaOptions } from '../../src/jobs/quota.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const user = 'discord:1234';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `job-${i}`);

let prefix: string;

async function keysOf(match: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

const quota = (options: Omit<QuotaOptions, 'prefix'>) => createQuota(redis, { prefix, ...options });

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
});

afterEach(async () => {
  const keys = await keysOf(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('quota reserve', () => {
  it('lets exactly `limit` of 50 concurrent reservations through', async () => {
    const q = quota({ limit: 5 });
    const results = await Promise.all(ids(50).map((id) => q.reserve(user, id)));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === 'exhausted')).toHaveLength(45);
    expect(await q.usage(user)).toMatchObject({ used: 5, inFlight: 5, limit: 5, left: 0 });
  });

  it('takes one unit for a repeated reservation id and says it already existed', async () => {
    const q = quota({ limit: 5 });
    const first = await q.reserve(user, 'job-a');
    const second = await q.reserve(user, 'job-a');
    expect(first).toMatchObject({ ok: true, existing: false, used: 1, left: 4 });
    expect(second).toMatchObject({ ok: true, existing: true, used: 1, left: 4 });
    expect((await q.usage(user)).used).toBe(1);
  });

  it('does not take a new unit when a finished reservation id comes back', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    await q.refund(user, 'job-a');
    expect(await q.reserve(user, 'job-a')).toMatchObject({ ok: true, existing: true, used: 0 });
    expect(await q.usage(user)).toMatchObject({ used: 0, inFlight: 0 });
  });

  it('refuses everything at limit 0', async () => {
    const q = quota({ limit: 0 });
    expect(await q.reserve(user, 'job-a')).toMatchObject({
      ok: false,
      reason: 'exhausted',
      used: 0,
      limit: 0,
    });
    expect(await q.usage(user)).toMatchObject({ used: 0, inFlight: 0, left: 0 });
  });

  it('keeps quotas of different users apart', async () => {
    const q = quota({ limit: 1 });
    expect((await q.reserve('telegram:1', 'job-a')).ok).toBe(true);
    expect((await q.reserve('telegram:2', 'job-a')).ok).toBe(true);
    expect(await q.reserve('telegram:1', 'job-b')).toMatchObject({ ok: false, reason: 'exhausted' });
  });

  it('rejects an empty user key or reservation id', async () => {
    const q = quota({ limit: 1 });
    await expect(q.reserve('', 'job-a')).rejects.toThrow(RangeError);
    await expect(q.reserve(user, '')).rejects.toThrow(RangeError);
    expect(() => quota({ limit: -1 })).toThrow(RangeError);
    expect(() => quota({ limit: 1, maxInFlight: 1.5 })).toThrow(RangeError);
  });
});

describe('quota commit and refund', () => {
  it('refunds once when refund runs twice', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    await q.reserve(user, 'job-b');
    expect(await q.refund(user, 'job-a')).toBe(true);
    expect(await q.refund(user, 'job-a')).toBe(false);
    expect(await q.usage(user)).toMatchObject({ used: 1, inFlight: 1, left: 4 });
  });

  it('refunds nothing after a commit', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    expect(await q.commit(user, 'job-a')).toBe(true);
    expect(await q.refund(user, 'job-a')).toBe(false);
    expect(await q.usage(user)).toMatchObject({ used: 1, inFlight: 0 });
  });

  it('commits nothing after a refund', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    expect(await q.refund(user, 'job-a')).toBe(true);
    expect(await q.commit(user, 'job-a')).toBe(false);
    expect(await q.usage(user)).toMatchObject({ used: 0, inFlight: 0 });
  });

  it('commits once when commit runs twice', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    expect(await q.commit(user, 'job-a')).toBe(true);
    expect(await q.commit(user, 'job-a')).toBe(false);
    expect(await q.usage(user)).toMatchObject({ used: 1, inFlight: 0 });
  });

  it('answers false for a reservation it never saw', async () => {
    const q = quota({ limit: 5 });
    expect(await q.commit(user, 'nope')).toBe(false);
    expect(await q.refund(user, 'nope')).toBe(false);
    expect(await q.usage(user)).toMatchObject({ used: 0, inFlight: 0 });
  });

  it('refunds exactly once under 50 concurrent refunds of one reservation', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    await q.reserve(user, 'job-b');
    const results = await Promise.all(Array.from({ length: 50 }, () => q.refund(user, 'job-a')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await q.usage(user)).toMatchObject({ used: 1, inFlight: 1 });
  });

  it('keeps the reservation with its final state until it expires', async () => {
    const q = quota({ limit: 5 });
    await q.reserve(user, 'job-a');
    await q.commit(user, 'job-a');
    const key = `${prefix}:quota:{${user}}:res:job-a`;
    expect(await redis.hget(key, 'state')).toBe('committed');
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(2 * 86_400_000);
  });
});

describe('quota days', () => {
  it('gives a unit refunded after midnight back to the day it was reserved in', async () => {
    let clock = Date.UTC(2030, 0, 1, 23, 59);
    const q = quota({ limit: 5, now: () => clock });
    expect(await q.reserve(user, 'late')).toMatchObject({
      ok: true,
      used: 1,
      resetsAt: Date.UTC(2030, 0, 2),
    });

    clock = Date.UTC(2030, 0, 2, 0, 0, 30);
    expect(await q.reserve(user, 'early')).toMatchObject({
      ok: true,
      used: 1,
      resetsAt: Date.UTC(2030, 0, 3),
    });

    clock = Date.UTC(2030, 0, 2, 0, 1);
    expect(await q.refund(user, 'late')).toBe(true);
    expect(await q.usage(user)).toMatchObject({ used: 1, inFlight: 1, resetsAt: Date.UTC(2030, 0, 3) });

    clock = Date.UTC(2030, 0, 1, 23, 59, 30);
    expect((await q.usage(user)).used).toBe(0);
  });

  it('starts each UTC day with the full limit', async () => {
    let clock = Date.UTC(2030, 5, 10, 12);
    const q = quota({ limit: 1, now: () => clock });
    expect((await q.reserve(user, 'a')).ok).toBe(true);
    expect((await q.reserve(user, 'b')).ok).toBe(false);
    clock = Date.UTC(2030, 5, 11, 0, 0, 0, 1);
    expect(await q.reserve(user, 'b')).toMatchObject({ ok: true, used: 1, left: 0 });
  });

  it('stops counting a reservation as in flight once it has expired', async () => {
    let clock = Date.UTC(2030, 5, 10, 12);
    const q = quota({ limit: 5, maxInFlight: 1, now: () => clock });
    await q.reserve(user, 'lost');
    expect(await q.reserve(user, 'next')).toMatchObject({ ok: false, reason: 'too-many-in-flight' });
    clock += 4 * 86_400_000;
    expect((await q.usage(user)).inFlight).toBe(0);
    expect((await q.reserve(user, 'next')).ok).toBe(true);
  });
});

describe('quota in-flight cap', () => {
  it('refuses a third concurrent reservation with maxInFlight 2 and allows one after a commit', async () => {
    const q = quota({ limit: 5, maxInFlight: 2 });
    const results = await Promise.all(['a', 'b', 'c'].map((id) => q.reserve(user, id)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.reason === 'too-many-in-flight')).toHaveLength(1);
    expect(await q.usage(user)).toMatchObject({ used: 2, inFlight: 2 });

    const admitted = ['a', 'b', 'c'].filter((_, i) => results[i]?.ok);
    expect(await q.commit(user, admitted[0]!)).toBe(true);
    expect(await q.reserve(user, 'd')).toMatchObject({ ok: true, existing: false, used: 3 });
    expect(await q.reserve(user, 'e')).toMatchObject({ ok: false, reason: 'too-many-in-flight', used: 3 });
  });
});

describe('quota keys', () => {
  it('puts the user key as a hash tag in every key', async () => {
    const q = quota({ limit: 5, maxInFlight: 3 });
    await q.reserve(user, 'a');
    await q.reserve(user, 'b');
    await q.commit(user, 'a');
    await q.refund(user, 'b');
    await q.usage(user);
    const keys = await keysOf(`${prefix}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) expect(key).toContain(`:quota:{${user}}:`);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });
});
