import type { Redis } from 'ioredis';
import type { FinalOutcome } from './status.js';

/**
 * What the bots and the workers share about one job's status message, in Redis:
 * `${prefix}:${ns}:status:<jobId>` (hash: chat, msg, owner, final), a bot process's
 * heartbeat `${prefix}:${ns}:instance:<id>`, and once-only markers `${prefix}:${ns}:<name>:<jobId>`.
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

/** Status records live as long as a job could still be delivered. */
const STATUS_TTL_MS = 3 * 24 * 3_600_000;

export function createStatusStore(redis: Redis, prefix: string, ns: string): StatusStore {
  const base = `${prefix}:${ns}`;
  const key = (jobId: string) => `${base}:status:${jobId}`;
  const instanceKey = (owner: string) => `${base}:instance:${owner}`;
  const markKey = (jobId: string, name: string) => `${base}:${name}:${jobId}`;
  return {
    async attach(jobId, f) {
      await redis
        .multi()
        .hset(key(jobId), 'chat', f.chatId, 'msg', f.messageId, 'owner', f.owner)
        .pexpire(key(jobId), STATUS_TTL_MS)
        .exec();
    },
    async setFinal(jobId, outcome) {
      await redis
        .multi()
        .hset(key(jobId), 'final', JSON.stringify(outcome))
        .pexpire(key(jobId), STATUS_TTL_MS)
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
