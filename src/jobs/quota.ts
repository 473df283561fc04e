import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Paid daily quota: a ledger of reservations in Redis, driven by Lua scripts so every step is atomic
 * and safe to repeat (a stalled BullMQ job runs its step again; a retried intake reserves again).
 *
 * Protocol: `reserve` before enqueueing (use the reservation id as the BullMQ `jobId`), then exactly one
 * of `commit` (the clip was made) or `refund` (the job failed). Repeats of any call are no-ops.
 *
 * Keys, all tagged with the user so each script touches one Redis Cluster slot:
 * - `${prefix}:quota:{user}:used:YYYY-MM-DD`  units reserved + committed on that UTC day (string counter)
 * - `${prefix}:quota:{user}:inflight`         reservations not yet committed or refunded (sorted set)
 * - `${prefix}:quota:{user}:res:<id>`         one reservation: hash `{ state, day }`
 */

const DAY_MS = 86_400_000;
/** A reservation outlives any job (polls and retries end within hours) so late repeats stay no-ops. */
const RESERVATION_TTL_MS = 3 * DAY_MS;
/** A day's counter only matters that day, plus refunds of jobs that straddle midnight. */
const COUNTER_TTL_MS = 2 * DAY_MS;

export interface QuotaOptions {
  /**
   * Namespace of every key. Keep hash tags out of it: a `{…}` here becomes the cluster hash tag of every
   * user's keys, which stays correct but puts all quotas in one slot.
   */
  prefix: string;
  /** Videos per user per UTC day; 0 allows none. */
  limit: number;
  /** Reservations a user may have pending at once; unset = no cap beyond `limit`. */
  maxInFlight?: number;
  /** Clock in epoch ms; injected by tests to cross midnight. */
  now?: () => number;
}

/**
 * Outcome of {@link Quota.reserve}. `used`/`left` are the counters of the current UTC day; `resetsAt`
 * is the next UTC midnight (epoch ms). `existing` is true when the reservation id was already known,
 * in which case no unit was taken.
 */
export type ReserveResult =
  | { ok: true; used: number; limit: number; left: number; resetsAt: number; existing: boolean }
  | { ok: false; reason: 'exhausted' | 'too-many-in-flight'; used: number; limit: number; resetsAt: number };

/** Snapshot of a user's quota for the current UTC day. */
export interface QuotaUsage {
  used: number;
  inFlight: number;
  limit: number;
  left: number;
  resetsAt: number;
}

/** The reserve → commit / refund ledger; every method is atomic and idempotent per reservation id. */
export interface Quota {
  /**
   * Takes one unit of today's quota for `reservationId`, unless the id is already known (then returns
   * `existing: true` whatever its state, taking nothing) or the user is at the limit or in-flight cap.
   */
  reserve(userKey: string, reservationId: string): Promise<ReserveResult>;
  /** Marks a reserved unit as spent. True the first time; false if unknown, committed or refunded. */
  commit(userKey: string, reservationId: string): Promise<boolean>;
  /**
   * Gives a reserved unit back to the UTC day it was reserved in. True the first time; false if
   * unknown, already refunded, or committed (a committed unit is never given back).
   */
  refund(userKey: string, reservationId: string): Promise<boolean>;
  /** Today's counters (read only). */
  usage(userKey: string): Promise<QuotaUsage>;
  /** The reservation ids (job ids) not yet committed or refunded: the user's queued and running jobs. */
  pending(userKey: string): Promise<string[]>;
}

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

// The in-flight set is a sorted set scored by reservation time so entries whose reservation has
// expired (a job lost without commit or refund) drop out instead of holding a `maxInFlight` slot forever.
const RESERVE = script(`
-- KEYS: reservation, used counter of today, in-flight
-- ARGV: id, day, now, limit, maxInFlight (-1 = none), reservation ttl ms, counter ttl ms
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - tonumber(ARGV[6])))
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local inflight = redis.call('ZCARD', KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 then return {2, used, inflight} end
if used >= tonumber(ARGV[4]) then return {0, used, inflight} end
local cap = tonumber(ARGV[5])
if cap >= 0 and inflight >= cap then return {-1, used, inflight} end
used = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
redis.call('HSET', KEYS[1], 'state', 'reserved', 'day', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {1, used, inflight + 1}
`);

// State changes keep the hash (and its TTL) so a repeated commit or refund finds it and does nothing.
const COMMIT = script(`
-- KEYS: reservation, in-flight; ARGV: id
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'committed')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

// The counter key depends on the reservation's day, which the caller reads first so that every key is
// declared in KEYS (Redis Cluster routes and checks scripts by their declared keys). The script checks
// that day again and answers -1 if the reservation changed in between.
const REFUND = script(`
-- KEYS: reservation, used counter of the reservation's day, in-flight; ARGV: id, day
local r = redis.call('HMGET', KEYS[1], 'state', 'day')
if r[1] ~= 'reserved' then return 0 end
if r[2] ~= ARGV[2] then return -1 end
redis.call('HSET', KEYS[1], 'state', 'refunded')
redis.call('ZREM', KEYS[3], ARGV[1])
-- An expired counter stays absent: DECR would create it at -1.
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
`);

const USAGE = script(`
-- KEYS: used counter of today, in-flight; ARGV: oldest live reservation time
return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('ZCOUNT', KEYS[2], ARGV[1], '+inf')}
`);

/** EVALSHA, loading the script with EVAL when the server does not have it (restart, failover). */
async function run(redis: Redis, s: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(s.lua, keys.length, ...keys, ...args);
  }
}

function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((n) => Number.isInteger(n))) {
    throw new Error(`quota script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}

function integer(reply: unknown): number {
  if (!Number.isInteger(reply)) {
    throw new Error(`quota script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply as number;
}

function requireName(what: string, value: string): void {
  // An empty user key makes an empty hash tag `{}`, which Redis Cluster ignores: keys would scatter.
  if (value === '') throw new RangeError(`quota ${what} must not be empty`);
}

/** UTC date of an epoch-ms instant, as the day part of counter keys. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Next UTC midnight after an instant (epoch days are exactly 86 400 000 ms: no leap seconds). */
const nextUtcMidnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;

/**
 * Builds the quota ledger on an injected ioredis connection (no module state; scripts are loaded on
 * first use). Throws `RangeError` for a negative or fractional `limit` or `maxInFlight`.
 */
export function createQuota(redis: Redis, options: QuotaOptions): Quota {
  const { prefix, limit, maxInFlight } = options;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`quota limit must be an integer ≥ 0`);
  if (maxInFlight !== undefined && (!Number.isInteger(maxInFlight) || maxInFlight < 0)) {
    throw new RangeError(`quota maxInFlight must be an integer ≥ 0`);
  }

  const base = (userKey: string) => `${prefix}:quota:{${userKey}}`;
  const usedKey = (userKey: string, day: string) => `${base(userKey)}:used:${day}`;
  const inFlightKey = (userKey: string) => `${base(userKey)}:inflight`;
  const reservationKey = (userKey: string, id: string) => `${base(userKey)}:res:${id}`;

  return {
    async reserve(userKey, reservationId) {
      requireName('user key', userKey);
      requireName('reservation id', reservationId);
      const at = now();
      const day = utcDay(at);
      const [status, used] = integers(
        await run(
          redis,
          RESERVE,
          [reservationKey(userKey, reservationId), usedKey(userKey, day), inFlightKey(userKey)],
          [reservationId, day, at, limit, maxInFlight ?? -1, RESERVATION_TTL_MS, COUNTER_TTL_MS],
        ),
        3,
      ) as [number, number, number];
      const resetsAt = nextUtcMidnight(at);
      if (status === 0) return { ok: false, reason: 'exhausted', used, limit, resetsAt };
      if (status === -1) return { ok: false, reason: 'too-many-in-flight', used, limit, resetsAt };
      return { ok: true, used, limit, left: Math.max(0, limit - used), resetsAt, existing: status === 2 };
    },

    async commit(userKey, reservationId) {
      requireName('user key', userKey);
      requireName('reservation id', reservationId);
      const reply = await run(
        redis,
        COMMIT,
        [reservationKey(userKey, reservationId), inFlightKey(userKey)],
        [reservationId],
      );
      return integer(reply) === 1;
    },

    async refund(userKey, reservationId) {
      requireName('user key', userKey);
      requireName('reservation id', reservationId);
      const key = reservationKey(userKey, reservationId);
      // The day of a live reservation never changes; a retry only happens if it expired and the same id
      // was reserved again between the read and the script, so a couple of rounds always settle it.
      for (let round = 0; round < 3; round++) {
        const day = await redis.hget(key, 'day');
        if (day === null) return false;
        const reply = integer(
          await run(redis, REFUND, [key, usedKey(userKey, day), inFlightKey(userKey)], [reservationId, day]),
        );
        if (reply !== -1) return reply === 1;
      }
      throw new Error(`quota refund of ${reservationId} kept racing with a new reservation of the same id`);
    },

    async usage(userKey) {
      requireName('user key', userKey);
      const at = now();
      const [used, inFlight] = integers(
        await run(
          redis,
          USAGE,
          [usedKey(userKey, utcDay(at)), inFlightKey(userKey)],
          [at - RESERVATION_TTL_MS],
        ),
        2,
      ) as [number, number];
      return { used, inFlight, limit, left: Math.max(0, limit - used), resetsAt: nextUtcMidnight(at) };
    },

    async pending(userKey) {
      requireName('user key', userKey);
      return redis.zrangebyscore(inFlightKey(userKey), now() - RESERVATION_TTL_MS, '+inf');
    },
  };
}
