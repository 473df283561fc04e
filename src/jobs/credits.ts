import type { Redis } from 'ioredis';
import { COMMIT, REFUND, RESERVE, RESET_MEMBER, run } from './credits-lua.js';

/**
 * The credit ledger: every clip's cost reserved against every ceiling at once, in one Lua script,
 * then committed (the provider charged) or refunded (it did not). Replaces the old per-clip quota.
 *
 * Protocol: `reserve` before enqueueing (the job id is the reservation id), then exactly one of
 * `commit` (the provider charged for the task) or `refund` (it did not). Repeats of any call are
 * no-ops, so a stalled job that runs its step again, or a retried intake, changes nothing.
 *
 * RESERVE checks, atomically and in this order: the reservation id is already known (then it takes
 * nothing and answers `existing`), the member's daily credits in this community, the member's jobs
 * in flight (across every community), the member's cooldown, the community's daily budget, and the
 * service's daily cap (the operator's run-time cap, else `SPEND_CAP_DAILY_CREDITS`). A refusal takes
 * nothing. A refund gives back exactly the reservation's credits to the three counters of the UTC
 * day it was reserved in, never below 0.
 *
 * Keys. One script touches member, community and service keys, so every key of the ledger shares
 * one Redis Cluster hash slot: they are named `${prefix}:credits:{ledger}:…`, or `${prefix}:credits:…`
 * when the prefix already has a hash tag of its own (`{reelay}`), which then decides the slot. (An
 * empty tag `{}` in the prefix turns tags off for every key, BullMQ's included: don't.) Below, `…`
 * is that base, days are UTC `YYYY-MM-DD`, users `platform:userId`, communities `platform:id`:
 * - `…:member:<day>:<community>:<user>`  credits the member reserved + committed there that day (2 days)
 * - `…:community:<day>:<community>`      the community's credits that day (2 days)
 * - `…:used:<day>`                       the service's credits that day, reserved + committed (90 days)
 * - `…:committed:<day>`                  the service's committed credits that day (90 days)
 * - `…:inflight:<user>`                  the member's unsettled reservations, scored by time (sorted set)
 * - `…:reset:<day>:<community>:<user>` when an admin last gave the member that day back (2 days)
 * - `…:cooldown:<user>`                  time of the member's last accepted reserve (PX the cooldown)
 * - `…:cap`                              the operator's run-time cap: credits, or `off` (no TTL)
 * - `…:res:<jobId>`                      one reservation (hash; 30 days, `history` reads it)
 * - `…:history:<user>`                   the member's last 20 job ids, newest first (list, 30 days)
 * - `…:ledger`                           every reserve, commit, refund and admin action (capped stream)
 */

/** One charge: who, where, how much, and the ceilings that apply to it (resolved by the desk). */
export interface Charge {
  /** The member: `platform:userId` (`userKey`). */
  user: string;
  /** Where: `platform:communityId`, or `platform:private` for private chats (`communityKey`). */
  community: string;
  /** The clip's cost (`ValidRequest.credits`). */
  credits: number;
  /** Credits this member may spend in this community per UTC day (0: none). */
  memberLimit: number;
  /** The community's daily budget in credits; undefined: none. */
  communityBudget?: number;
  /** For history and stats. */
  model: string;
  /** For history: the prompt (the ledger keeps its first 100 characters). */
  prompt: string;
}

/** Why a reservation was refused; each clears at `clearsAt` (epoch ms) when one is known. */
export type Refusal =
  /** The member's own daily credits. */
  | { reason: 'member-limit'; used: number; limit: number; clearsAt: number }
  /** The community's daily budget. */
  | { reason: 'community-budget'; used: number; limit: number; clearsAt: number }
  /** The service's daily cap (`SPEND_CAP_DAILY_CREDITS`, or the operator's run-time cap). */
  | { reason: 'service-cap'; used: number; limit: number; clearsAt: number }
  /** Too many of this member's jobs are unfinished (`USER_MAX_IN_FLIGHT`); clears when one ends. */
  | { reason: 'in-flight'; inFlight: number; limit: number }
  /** Too soon after this member's last request (`USER_COOLDOWN_S`). */
  | { reason: 'cooldown'; clearsAt: number };

export type ReserveResult =
  | { ok: true; existing: boolean; used: number; limit: number; resetsAt: number }
  | ({ ok: false } & Refusal);

/** How a charged job ended, for the ledger, history and stats. */
export interface Settlement {
  /** `clip`, or the user-facing error id of a failure (`timeout`, `cancelled`, `generation-failed`…). */
  outcome: string;
  /** The clip's link at the provider, and until when it works (epoch ms), for `/history`. */
  url?: string;
  expiresAt?: number;
}

/** A member's day in one community. */
export interface MemberUsage {
  used: number;
  inFlight: number;
  resetsAt: number;
}

/** One job of a member's history (newest first in `history`). */
export interface HistoryEntry {
  jobId: string;
  at: number;
  community: string;
  model: string;
  prompt: string;
  credits: number;
  state: 'reserved' | 'committed' | 'refunded';
  outcome?: string;
  url?: string;
  expiresAt?: number;
}

/** One line of the ledger stream. */
export interface LedgerEntry {
  /** The stream id. */
  id: string;
  at: number;
  op: 'reserve' | 'commit' | 'refund' | 'admin';
  user?: string;
  community?: string;
  credits?: number;
  job?: string;
  model?: string;
  /** commit/refund: the outcome; admin: the action (`limit`, `block`, `cap`…). */
  what?: string;
  /** admin: who did it (`platform:userId`, or `operator` from the command line). */
  by?: string;
  /** admin: the value set, or the target of the action. */
  detail?: string;
}

export interface CreditsOptions {
  /** Namespace of every key (the queue prefix). */
  prefix: string;
  /** `SPEND_CAP_DAILY_CREDITS`; undefined: no cap unless an operator sets one at run time. */
  serviceCap?: number;
  /** `USER_MAX_IN_FLIGHT`; undefined: no cap. */
  maxInFlight?: number;
  /** `USER_COOLDOWN_S` in ms; 0: none. */
  cooldownMs?: number;
  /** Longest the ledger stream grows (approximate trim). Default 100 000. */
  ledgerMaxLength?: number;
  now?: () => number;
}

export interface Credits {
  reserve(jobId: string, charge: Charge): Promise<ReserveResult>;
  commit(jobId: string, settlement: Settlement): Promise<boolean>;
  refund(jobId: string, settlement: Settlement): Promise<boolean>;
  usage(user: string, community: string): Promise<MemberUsage>;
  /** Today's spend of a community (reserved + committed). */
  communityUsed(community: string): Promise<number>;
  /**
   * The service's last `days` UTC days (1 to 90, today first): reserved + committed `used`, and
   * `committed`. The cap in force is `cap()`.
   */
  spend(days: number): Promise<{ day: string; used: number; committed: number }[]>;
  /** The cap in force now: the operator's run-time cap, else the environment's; undefined: none. */
  cap(): Promise<{ credits: number | undefined; source: 'env' | 'operator' }>;
  /** Sets the run-time cap (`off`: none), or goes back to the environment's (`env`). */
  setCap(value: number | 'off' | 'env', by: string): Promise<void>;
  /** Gives a member back today's credits in a community (the spend stays in the budget and cap). */
  resetMember(user: string, community: string, by: string): Promise<number>;
  pending(user: string): Promise<string[]>;
  /** The member's last jobs, newest first. */
  history(user: string, limit: number): Promise<HistoryEntry[]>;
  /** The community a charged job was made in (for admin cancels), if known. */
  communityOf(jobId: string): Promise<string | undefined>;
  /** Appends an admin action to the ledger. */
  record(entry: Omit<LedgerEntry, 'id' | 'at' | 'op'>): Promise<void>;
  /** Ledger entries since a moment (epoch ms), oldest first. */
  ledger(since: number): Promise<LedgerEntry[]>;
}

const DAY_MS = 86_400_000;
/** An unsettled reservation older than this is a lost job: it stops holding an in-flight slot. */
const STALE_IN_FLIGHT_MS = 3 * DAY_MS;
/** Member and community counters matter that day, plus refunds of jobs that straddle midnight. */
const DAY_COUNTER_TTL_MS = 2 * DAY_MS;
/** The service's `used` and `committed` counters, kept for `spend --days N`. */
const SERVICE_COUNTER_TTL_MS = 90 * DAY_MS;
/** Reservations (and so `history`) live this long; late repeats of commit or refund stay no-ops. */
const RESERVATION_TTL_MS = 30 * DAY_MS;
const HISTORY_LENGTH = 20;
const PROMPT_CHARS = 100;
const DEFAULT_LEDGER_MAX_LENGTH = 100_000;
const MAX_SPEND_DAYS = 90;
const LEDGER_PAGE = 1_000;

function integers(reply: unknown): number[] {
  if (!Array.isArray(reply) || reply.length === 0 || !reply.every((n) => Number.isInteger(n))) {
    throw new Error(`credits script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}

function integer(reply: unknown): number {
  if (!Number.isInteger(reply)) {
    throw new Error(`credits script returned an unexpected reply: ${JSON.stringify(reply)}`);
  }
  return reply as number;
}

function requireName(what: string, value: string): void {
  if (typeof value !== 'string' || value === '') throw new RangeError(`credits: ${what} must not be empty`);
}

function requireCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`credits: ${what} must be an integer ≥ 0 (got ${value})`);
  }
}

/** UTC date of an epoch-ms instant, as the day part of counter keys. */
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Next UTC midnight after an instant (epoch days are exactly 86 400 000 ms: no leap seconds). */
const nextUtcMidnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;

/**
 * Whether `prefix` carries a Redis Cluster hash tag of its own: a `{` with a `}` after it, in the
 * prefix itself. Then that tag decides every key's slot and the ledger adds none.
 */
function prefixHasTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  return open >= 0 && prefix.indexOf('}', open + 1) > open;
}

const LEDGER_OPS: readonly LedgerEntry['op'][] = ['reserve', 'commit', 'refund', 'admin'];

/** A stream entry's flat field list as a {@link LedgerEntry}. */
function ledgerEntry(id: string, flat: string[]): LedgerEntry {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] as string, flat[i + 1] as string);
  const op = f.get('op') as LedgerEntry['op'];
  const entry: LedgerEntry = {
    id,
    at: Number(f.get('at') ?? Number.parseInt(id, 10)),
    op: LEDGER_OPS.includes(op) ? op : 'admin',
  };
  for (const k of ['user', 'community', 'job', 'model', 'what', 'by', 'detail'] as const) {
    const v = f.get(k);
    if (v !== undefined) entry[k] = v;
  }
  const credits = f.get('credits');
  if (credits !== undefined && credits !== '') entry.credits = Number(credits);
  return entry;
}

/**
 * Builds the credit ledger on an injected ioredis connection (no module state; scripts are loaded
 * on first use). Throws `RangeError` for a negative or fractional option, and every method does for
 * an empty name or a negative or fractional amount.
 */
export function createCredits(redis: Redis, options: CreditsOptions): Credits {
  const { prefix } = options;
  const now = options.now ?? Date.now;
  const envCap = options.serviceCap;
  const maxInFlight = options.maxInFlight;
  const cooldownMs = options.cooldownMs ?? 0;
  const ledgerMax = options.ledgerMaxLength ?? DEFAULT_LEDGER_MAX_LENGTH;
  requireName('prefix', prefix);
  if (envCap !== undefined) requireCount('serviceCap', envCap);
  if (maxInFlight !== undefined) requireCount('maxInFlight', maxInFlight);
  requireCount('cooldownMs', cooldownMs);
  requireCount('ledgerMaxLength', ledgerMax);
  if (ledgerMax < 1) throw new RangeError('credits: ledgerMaxLength must be at least 1');

  const base = prefixHasTag(prefix) ? `${prefix}:credits` : `${prefix}:credits:{ledger}`;
  const memberKey = (day: string, community: string, user: string) =>
    `${base}:member:${day}:${community}:${user}`;
  const communityKey = (day: string, community: string) => `${base}:community:${day}:${community}`;
  const usedKey = (day: string) => `${base}:used:${day}`;
  const committedKey = (day: string) => `${base}:committed:${day}`;
  const inFlightKey = (user: string) => `${base}:inflight:${user}`;
  const cooldownKey = (user: string) => `${base}:cooldown:${user}`;
  const capKey = `${base}:cap`;
  const reservationKey = (jobId: string) => `${base}:res:${jobId}`;
  const historyKey = (user: string) => `${base}:history:${user}`;
  const resetKey = (day: string, community: string, user: string) =>
    `${base}:reset:${day}:${community}:${user}`;
  const ledgerKey = `${base}:ledger`;

  const xadd = (fields: Record<string, string | number | undefined>) => {
    const flat = Object.entries(fields).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)]));
    return redis.xadd(ledgerKey, 'MAXLEN', '~', ledgerMax, '*', ...flat);
  };

  /**
   * Runs a commit or refund script with the keys of the reservation as read just before. The
   * reservation's fields never change while it lives; a retry only happens if it expired and the
   * same id was reserved again in between, so a couple of rounds always settle it.
   */
  async function settle(
    jobId: string,
    what: string,
    settlement: Settlement,
    attempt: (r: { day: string; user: string; community: string }) => Promise<number>,
  ): Promise<boolean> {
    requireName('job id', jobId);
    requireName('outcome', settlement.outcome);
    if (settlement.expiresAt !== undefined) requireCount('expiresAt', settlement.expiresAt);
    const key = reservationKey(jobId);
    for (let round = 0; round < 3; round++) {
      const [day, user, community] = await redis.hmget(key, 'day', 'user', 'community');
      if (!day || !user || !community) return false;
      const reply = await attempt({ day, user, community });
      if (reply !== -1) return reply === 1;
    }
    throw new Error(`credits ${what} of ${jobId} kept racing with a new reservation of the same id`);
  }

  return {
    async reserve(jobId, charge) {
      requireName('job id', jobId);
      requireName('user', charge.user);
      requireName('community', charge.community);
      requireCount('credits', charge.credits);
      requireCount('memberLimit', charge.memberLimit);
      if (charge.communityBudget !== undefined) requireCount('communityBudget', charge.communityBudget);
      const at = now();
      const day = utcDay(at);
      const resetsAt = nextUtcMidnight(at);
      const [status, a = 0, b = 0] = integers(
        await run(
          redis,
          RESERVE,
          [
            reservationKey(jobId),
            memberKey(day, charge.community, charge.user),
            communityKey(day, charge.community),
            usedKey(day),
            inFlightKey(charge.user),
            cooldownKey(charge.user),
            capKey,
            historyKey(charge.user),
            ledgerKey,
          ],
          [
            jobId,
            day,
            at,
            charge.credits,
            charge.memberLimit,
            charge.communityBudget ?? -1,
            envCap ?? -1,
            maxInFlight ?? -1,
            cooldownMs,
            STALE_IN_FLIGHT_MS,
            DAY_COUNTER_TTL_MS,
            SERVICE_COUNTER_TTL_MS,
            RESERVATION_TTL_MS,
            HISTORY_LENGTH,
            ledgerMax,
            charge.user,
            charge.community,
            charge.model,
            Array.from(charge.prompt).slice(0, PROMPT_CHARS).join(''),
          ],
        ),
      );
      const limit = charge.memberLimit;
      switch (status) {
        case 1:
        case 2:
          return { ok: true, existing: status === 2, used: a, limit, resetsAt };
        case -1:
          return { ok: false, reason: 'member-limit', used: a, limit, clearsAt: resetsAt };
        case -2:
          return { ok: false, reason: 'in-flight', inFlight: a, limit: maxInFlight ?? 0 };
        case -3:
          return { ok: false, reason: 'cooldown', clearsAt: a + cooldownMs };
        case -4:
          return {
            ok: false,
            reason: 'community-budget',
            used: a,
            limit: charge.communityBudget ?? 0,
            clearsAt: resetsAt,
          };
        case -5:
          return { ok: false, reason: 'service-cap', used: a, limit: b, clearsAt: resetsAt };
        default:
          throw new Error(`credits reserve returned an unexpected status ${status}`);
      }
    },

    commit(jobId, settlement) {
      return settle(jobId, 'commit', settlement, async ({ day, user, community }) =>
        integer(
          await run(
            redis,
            COMMIT,
            [reservationKey(jobId), inFlightKey(user), committedKey(day), ledgerKey],
            [
              jobId,
              day,
              user,
              community,
              now(),
              settlement.outcome,
              settlement.url ?? '',
              settlement.expiresAt ?? '',
              SERVICE_COUNTER_TTL_MS,
              ledgerMax,
            ],
          ),
        ),
      );
    },

    refund(jobId, settlement) {
      return settle(jobId, 'refund', settlement, async ({ day, user, community }) =>
        integer(
          await run(
            redis,
            REFUND,
            [
              reservationKey(jobId),
              memberKey(day, community, user),
              communityKey(day, community),
              usedKey(day),
              inFlightKey(user),
              ledgerKey,
              resetKey(day, community, user),
            ],
            [jobId, day, user, community, now(), settlement.outcome, ledgerMax],
          ),
        ),
      );
    },

    async usage(user, community) {
      requireName('user', user);
      requireName('community', community);
      const at = now();
      const replies = await redis
        .multi()
        .get(memberKey(utcDay(at), community, user))
        .zcount(inFlightKey(user), at - STALE_IN_FLIGHT_MS, '+inf')
        .exec();
      const [used, inFlight] = (replies ?? []).map(([error, value]) => {
        if (error) throw error;
        return Number(value ?? 0);
      });
      return { used: used ?? 0, inFlight: inFlight ?? 0, resetsAt: nextUtcMidnight(at) };
    },

    async communityUsed(community) {
      requireName('community', community);
      return Number((await redis.get(communityKey(utcDay(now()), community))) ?? 0);
    },

    async spend(days) {
      if (!Number.isInteger(days) || days < 1 || days > MAX_SPEND_DAYS) {
        throw new RangeError(`credits: spend covers 1 to ${MAX_SPEND_DAYS} days (got ${days})`);
      }
      const at = now();
      const list = Array.from({ length: days }, (_, i) => utcDay(at - i * DAY_MS));
      const values = await redis.mget(...list.flatMap((day) => [usedKey(day), committedKey(day)]));
      return list.map((day, i) => ({
        day,
        used: Number(values[2 * i] ?? 0),
        committed: Number(values[2 * i + 1] ?? 0),
      }));
    },

    async cap() {
      const override = await redis.get(capKey);
      if (override === null) return { credits: envCap, source: 'env' };
      if (override === 'off') return { credits: undefined, source: 'operator' };
      const credits = Number(override);
      // A value that is not a number is ignored by RESERVE too (it keeps the environment's cap).
      return Number.isSafeInteger(credits) && credits >= 0
        ? { credits, source: 'operator' }
        : { credits: envCap, source: 'env' };
    },

    async setCap(value, by) {
      requireName('by', by);
      if (typeof value === 'number') requireCount('cap', value);
      else if (value !== 'off' && value !== 'env')
        throw new RangeError(`credits: cap must be a number, off or env`);
      const tx = redis.multi();
      if (value === 'env') tx.del(capKey);
      else tx.set(capKey, String(value));
      tx.xadd(
        ledgerKey,
        'MAXLEN',
        '~',
        ledgerMax,
        '*',
        'op',
        'admin',
        'at',
        String(now()),
        'what',
        'cap',
        'by',
        by,
        'detail',
        String(value),
      );
      const replies = await tx.exec();
      for (const [error] of replies ?? []) if (error) throw error;
    },

    async resetMember(user, community, by) {
      requireName('user', user);
      requireName('community', community);
      requireName('by', by);
      const at = now();
      return integer(
        await run(
          redis,
          RESET_MEMBER,
          [memberKey(utcDay(at), community, user), ledgerKey, resetKey(utcDay(at), community, user)],
          [at, user, community, by, ledgerMax, DAY_COUNTER_TTL_MS],
        ),
      );
    },

    async pending(user) {
      requireName('user', user);
      return redis.zrangebyscore(inFlightKey(user), now() - STALE_IN_FLIGHT_MS, '+inf');
    },

    async history(user, limit) {
      requireName('user', user);
      requireCount('history limit', limit);
      if (limit === 0) return [];
      const ids = await redis.lrange(historyKey(user), 0, limit - 1);
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(reservationKey(id));
      const replies = (await pipeline.exec()) ?? [];
      const entries: HistoryEntry[] = [];
      ids.forEach((jobId, i) => {
        const [error, value] = replies[i] ?? [null, {}];
        if (error) throw error;
        const h = value as Record<string, string>;
        if (!h.state) return; // expired
        const entry: HistoryEntry = {
          jobId,
          at: Number(h.at ?? 0),
          community: h.community ?? '',
          model: h.model ?? '',
          prompt: h.prompt ?? '',
          credits: Number(h.credits ?? 0),
          state: h.state as HistoryEntry['state'],
        };
        if (h.outcome !== undefined) entry.outcome = h.outcome;
        if (h.url !== undefined) entry.url = h.url;
        if (h.expiresAt !== undefined) entry.expiresAt = Number(h.expiresAt);
        entries.push(entry);
      });
      return entries;
    },

    async communityOf(jobId) {
      requireName('job id', jobId);
      return (await redis.hget(reservationKey(jobId), 'community')) ?? undefined;
    },

    async record(entry) {
      await xadd({
        op: 'admin',
        at: now(),
        user: entry.user,
        community: entry.community,
        credits: entry.credits,
        job: entry.job,
        model: entry.model,
        what: entry.what,
        by: entry.by,
        detail: entry.detail,
      });
    },

    async ledger(since) {
      if (!Number.isFinite(since)) throw new RangeError('credits: ledger needs a moment (epoch ms)');
      // Stream ids carry Redis's clock, `at` ours (tests inject theirs): read every page, filter on `at`.
      const entries: LedgerEntry[] = [];
      let start = '-';
      for (;;) {
        const page = await redis.xrange(ledgerKey, start, '+', 'COUNT', LEDGER_PAGE);
        for (const [id, flat] of page) {
          const entry = ledgerEntry(id, flat);
          if (entry.at >= since) entries.push(entry);
        }
        if (page.length < LEDGER_PAGE) return entries;
        start = `(${(page.at(-1) as [string, string[]])[0]}`;
      }
    },
  };
}
