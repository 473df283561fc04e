import type { Redis } from 'ioredis';
import type { FinalOutcome } from './status.js';

/**
 * What the bots and the workers share about one job's status message, in Redis:
 * `${prefix}:${ns}:status:<jobId>` (hash: chat, msg, owner, final), a bot process's
 * heartbeat `${prefix}:${ns}:instance:<id>`, and once-only markers `${prefix}:${ns}:<name>:<jobId>`.
 * For the bots alone: the rest of a message's handle, `${prefix}:${ns}:handle:<jobId>` (it may hold a
 * secret, such as a Discord interaction token, so it lives no longer than that does), and the open
 * statuses, `${prefix}:${ns}:open` (a sorted set of job ids by attach time), where a bot replica
 * finds the statuses whose owner died and takes them over.
 * `ns` keeps the platforms apart (each uses its own). Ids are strings: some platforms' ids exceed 2^53.
 */
export interface StatusRecord {
  chatId?: string;
  messageId?: string;
  owner?: string;
  final?: FinalOutcome;
}

export interface StatusStore {
  /** The bot posted the status message: record where it is and which bot process edits it. */
  attach(jobId: string, fields: { chatId: string; messageId: string; owner: string }): Promise<void>;
  /** The worker's outcome, for the status message. */
  setFinal(jobId: string, outcome: FinalOutcome): Promise<void>;
  read(jobId: string): Promise<StatusRecord>;
  /** Marks a bot process alive for `ttlMs`. */
  heartbeat(owner: string, ttlMs: number): Promise<void>;
  isAlive(owner: string): Promise<boolean>;
  /** A once-only marker: true the first time for this job and name (`sent`: the outcome was posted). */
  markOnce(jobId: string, name: string): Promise<boolean>;
  isMarked(jobId: string, name: string): Promise<boolean>;
}

/** A status message as the bots record it: where it is, who edits it, and the rest of its handle. */
export interface AttachFields {
  chatId: string;
  messageId: string;
  /** The bot process that follows it; none when no process does (the worker shows the outcome). */
  owner?: string;
  /** What else a bot needs to edit the message (`StatusSurface.handleOf`); may be a secret. */
  handle?: string;
  /** When the handle stops working (epoch ms): it is kept in Redis until then, no longer. */
  handleExpiresAt?: number;
}

/** An open status whose owner is gone (or that has none): one a live bot replica may claim. */
export interface OrphanStatus {
  jobId: string;
  chatId: string;
  messageId: string;
  /** The owner it had (absent: none), which a claim must still find there. */
  owner?: string;
  handle?: string;
}

/**
 * The status store as the bots use it: besides what workers read, the index of open statuses, and
 * the takeover of those whose owner died, so any number of bot replicas behave as one.
 */
export interface BotStatusStore extends StatusStore {
  attach(jobId: string, fields: AttachFields): Promise<void>;
  /**
   * Up to `limit` open statuses whose owner's heartbeat lapsed (or that have none), from the next
   * page of the index; each call looks at the page after the last one's, around and around. Entries
   * whose job ended (an outcome recorded) or whose record expired are dropped from the index.
   */
  orphans(limit: number): Promise<OrphanStatus[]>;
  /**
   * Makes `to` the owner of a status, atomically, only if its owner is still `from` (absent: none),
   * that owner's heartbeat is gone, and no outcome is recorded: of replicas racing for one orphan,
   * exactly one wins. True when this call claimed it.
   */
  claim(jobId: string, from: string | undefined, to: string): Promise<boolean>;
  /** No bot follows this status any more (its outcome shown, its message gone): out of the index. */
  close(jobId: string): Promise<void>;
  /** A bot process stops: its heartbeat goes at once, so other replicas take its statuses over. */
  release(owner: string): Promise<void>;
}

/** Status records live as long as a job could still be delivered. */
const STATUS_TTL_MS = 3 * 24 * 3_600_000;
/** How many index entries one look for orphans reads (one pipelined round trip). */
const ORPHAN_PAGE = 500;

/**
 * Claims a status for a new owner: KEYS status hash, old owner's instance key, open index; ARGV old
 * owner ('' for none), new owner, job id. An ended or expired status leaves the index instead.
 */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'final') == 1 then
  redis.call('ZREM', KEYS[3], ARGV[3])
  return 0
end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
if owner ~= ARGV[1] then return 0 end
if owner ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
return 1
`;

export function createStatusStore(
  redis: Redis,
  prefix: string,
  ns: string,
  now: () => number = Date.now,
): BotStatusStore {
  const base = `${prefix}:${ns}`;
  const key = (jobId: string) => `${base}:status:${jobId}`;
  const instanceKey = (owner: string) => `${base}:instance:${owner}`;
  const markKey = (jobId: string, name: string) => `${base}:${name}:${jobId}`;
  const handleKey = (jobId: string) => `${base}:handle:${jobId}`;
  const openKey = `${base}:open`;
  /** Where the next look for orphans starts in the index (a rank; back to 0 at its end). */
  let cursor = 0;
  return {
    async attach(jobId, f) {
      const at = now();
      const tx = redis
        .multi()
        .hset(key(jobId), 'chat', f.chatId, 'msg', f.messageId)
        .pexpire(key(jobId), STATUS_TTL_MS)
        .zadd(openKey, at, jobId);
      if (f.owner) tx.hset(key(jobId), 'owner', f.owner);
      else tx.hdel(key(jobId), 'owner');
      const expiresAt = f.handleExpiresAt ?? at + STATUS_TTL_MS;
      if (f.handle !== undefined && expiresAt > at) tx.set(handleKey(jobId), f.handle, 'PXAT', expiresAt);
      await tx.exec();
    },
    async setFinal(jobId, outcome) {
      await redis
        .multi()
        .hset(key(jobId), 'final', JSON.stringify(outcome))
        .pexpire(key(jobId), STATUS_TTL_MS)
        .zrem(openKey, jobId)
        .del(handleKey(jobId))
        .exec();
    },
    async read(jobId) {
      const h = await redis.hgetall(key(jobId));
      const record: StatusRecord = {};
      if (h.chat) record.chatId = h.chat;
      if (h.msg) record.messageId = h.msg;
      if (h.owner) record.owner = h.owner;
      if (h.final) record.final = readFinal(h.final);
      return record;
    },
    async heartbeat(owner, ttlMs) {
      await redis.set(instanceKey(owner), '1', 'PX', ttlMs);
    },
    async isAlive(owner) {
      return (await redis.exists(instanceKey(owner))) === 1;
    },
    async markOnce(jobId, name) {
      return (await redis.set(markKey(jobId, name), '1', 'PX', STATUS_TTL_MS, 'NX')) === 'OK';
    },
    async isMarked(jobId, name) {
      return (await redis.exists(markKey(jobId, name))) === 1;
    },
    async orphans(limit) {
      // Entries older than any record are dropped first: the index cannot outgrow the records.
      await redis.zremrangebyscore(openKey, '-inf', now() - STATUS_TTL_MS);
      const ids = await redis.zrange(openKey, cursor, cursor + ORPHAN_PAGE - 1);
      cursor = ids.length < ORPHAN_PAGE ? 0 : cursor + ids.length;
      if (ids.length === 0) return [];
      const read = redis.pipeline();
      for (const id of ids) read.hmget(key(id), 'chat', 'msg', 'owner', 'final').get(handleKey(id));
      const replies = (await read.exec()) ?? [];
      const found: OrphanStatus[] = [];
      const ended: string[] = [];
      for (const [i, jobId] of ids.entries()) {
        const [chat, msg, owner, final] = (replies[i * 2]?.[1] ?? []) as (string | null)[];
        const handle = replies[i * 2 + 1]?.[1] as string | null | undefined;
        if (!chat || !msg || final) {
          ended.push(jobId);
          continue;
        }
        found.push({
          jobId,
          chatId: chat,
          messageId: msg,
          ...(owner ? { owner } : {}),
          ...(handle ? { handle } : {}),
        });
      }
      if (ended.length > 0) await redis.zrem(openKey, ...ended);
      // Which owners are alive: asked once each (a page holds few distinct owners).
      const owners = [...new Set(found.flatMap((o) => (o.owner ? [o.owner] : [])))];
      const alive = new Set<string>();
      if (owners.length > 0) {
        const check = redis.pipeline();
        for (const owner of owners) check.exists(instanceKey(owner));
        const answers = (await check.exec()) ?? [];
        for (const [i, owner] of owners.entries()) if (answers[i]?.[1] === 1) alive.add(owner);
      }
      return found.filter((o) => !o.owner || !alive.has(o.owner)).slice(0, limit);
    },
    async claim(jobId, from, to) {
      const won = await redis.eval(
        CLAIM,
        3,
        key(jobId),
        instanceKey(from ?? ''),
        openKey,
        from ?? '',
        to,
        jobId,
      );
      return won === 1;
    },
    async close(jobId) {
      await redis.multi().zrem(openKey, jobId).del(handleKey(jobId)).exec();
    },
    async release(owner) {
      await redis.del(instanceKey(owner));
    },
  };
}

/** A recorded outcome; one written before failures said whether they were refunded reads as before. */
function readFinal(json: string): FinalOutcome {
  const outcome = JSON.parse(json) as FinalOutcome;
  if (outcome.kind === 'failure' && typeof outcome.refunded !== 'boolean') {
    return { ...outcome, refunded: outcome.error.id !== 'delivery-failed' };
  }
  return outcome;
}
