import type { Redis } from 'ioredis';
import { normalize } from './moderation.js';

/**
 * The settings of each community (a server, a group, or a platform's private chats), kept in Redis
 * and changed from the chat by its admins; and the service's own switches, changed by operators.
 *
 * Keys (no TTL: settings persist until an admin changes them), `community` being a `communityKey`:
 * - `${prefix}:community:<community>`                hash `memberCredits`, `budget`, `paused` ('1'),
 *                                                    `defaultModel` (a model id)
 * - `${prefix}:community:<community>:tiers`          hash role id → credits per day
 * - `${prefix}:community:<community>:denied-models`  set of model ids
 * - `${prefix}:community:<community>:words`          hash normalised word → the word as typed
 * - `${prefix}:community:<community>:channels`       set of channel ids (empty: every channel)
 * - `${prefix}:community:<community>:blocked`        set of `userKey`s
 * - `${prefix}:community:<community>:refused`        '1' once the group was told it is not served
 * - `${prefix}:service:paused`                       '1' while the operator's kill switch is on
 * - `${prefix}:service:blocked`                      set of `userKey`s blocked everywhere
 *
 * Every change is one command, or a MULTI on one key, so it is atomic and touches one Redis Cluster
 * slot. The keys carry no hash tag, so `settings` reads them in a pipeline, not a transaction: each
 * key is read whole, and a change racing the read shows on its next read.
 */

export interface CommunitySettings {
  /** Credits each member gets per UTC day; undefined: the service default. */
  memberCredits?: number;
  /** The community's daily budget in credits; undefined: none. */
  budget?: number;
  /**
   * Role id → credits per day. A member gets the highest of their roles' tiers, and never less than
   * `memberCredits` (else the default).
   */
  tiers: Readonly<Record<string, number>>;
  /** Models denied here (every other catalog model is allowed). */
  deniedModels: readonly string[];
  /**
   * The model members get when they name none, where it does the request's mode; undefined: the
   * command's own default. Ignored while it is denied here.
   */
  defaultModel?: string;
  /** Blocked words, as the admins typed them. */
  blockedWords: readonly string[];
  paused: boolean;
  /** Channels where requests are taken; empty: every channel. */
  channels: readonly string[];
}

export const DEFAULT_SETTINGS: CommunitySettings = {
  tiers: {},
  deniedModels: [],
  blockedWords: [],
  paused: false,
  channels: [],
};

/** A change an admin makes; each is one atomic write. */
export type SettingsChange =
  | { kind: 'member-credits'; credits: number | undefined }
  | { kind: 'budget'; credits: number | undefined }
  | { kind: 'tier'; role: string; credits: number | undefined }
  | { kind: 'model'; model: string; allowed: boolean }
  | { kind: 'default-model'; model: string | undefined }
  | { kind: 'word'; word: string; blocked: boolean }
  | { kind: 'paused'; paused: boolean }
  | { kind: 'channel'; channel: string; allowed: boolean };

export interface CommunityStore {
  /** A community's settings (defaults when none were set). `community` is a `communityKey`. */
  settings(community: string): Promise<CommunitySettings>;
  /** Applies a change; answers false when it changed nothing (a word already blocked…). */
  change(community: string, change: SettingsChange): Promise<boolean>;
  /** Members blocked in a community (`userKey`s). */
  isBlocked(community: string, user: string): Promise<boolean>;
  setBlocked(community: string, user: string, blocked: boolean): Promise<boolean>;
  /** Service-wide, by operators. */
  isBlockedEverywhere(user: string): Promise<boolean>;
  setBlockedEverywhere(user: string, blocked: boolean): Promise<boolean>;
  /** The service-wide kill switch. */
  servicePaused(): Promise<boolean>;
  setServicePaused(paused: boolean): Promise<boolean>;
  /** Records that a group was told it is not allowed (true the first time only). */
  firstRefusal(community: string): Promise<boolean>;
}

/** The largest credit value a setting takes (the same ceiling as the environment's credit settings). */
export const MAX_SETTING_CREDITS = 1_000_000_000;

/**
 * The daily credits of a member: the highest tier among their roles, never less than the
 * community's `memberCredits`, else `fallback` (the service default). Pure.
 */
export function resolveMemberLimit(
  settings: CommunitySettings,
  roles: readonly string[] | undefined,
  fallback: number,
): number {
  let limit = settings.memberCredits ?? fallback;
  for (const role of roles ?? []) {
    if (!Object.hasOwn(settings.tiers, role)) continue;
    const tier = settings.tiers[role] as number;
    if (tier > limit) limit = tier;
  }
  return limit;
}

function requireName(what: string, value: string): void {
  if (value === '') throw new RangeError(`community ${what} must not be empty`);
}

function requireCredits(credits: number | undefined): void {
  if (credits === undefined) return;
  if (!Number.isInteger(credits) || credits < 0 || credits > MAX_SETTING_CREDITS) {
    throw new RangeError(`credits must be a whole number from 0 to ${MAX_SETTING_CREDITS}`);
  }
}

/** A stored credit value, or undefined when absent or not a whole number (never written by us). */
function credits(value: string | null | undefined): number | undefined {
  return value !== null && value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

const sorted = (list: string[]): string[] => list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The reply of one command of a pipeline or MULTI, throwing its error. */
function replyOf(results: [Error | null, unknown][] | null, index: number): unknown {
  const entry = results?.[index];
  if (!entry) throw new Error('community store: a Redis transaction was aborted');
  if (entry[0]) throw entry[0];
  return entry[1];
}

/**
 * Builds the store on an injected ioredis connection (no module state). `change` and the setters
 * throw `RangeError` for an empty name or a credit value that is not a whole number from 0 to
 * {@link MAX_SETTING_CREDITS}; a word is stored under its normalised form, so `Nasty` and `NASTY`
 * are one entry (the first spelling is kept) and either removes it.
 */
export function createCommunityStore(redis: Redis, prefix: string): CommunityStore {
  const base = (community: string): string => {
    requireName('id', community);
    return `${prefix}:community:${community}`;
  };
  const servicePausedKey = `${prefix}:service:paused`;
  const serviceBlockedKey = `${prefix}:service:blocked`;

  /** Sets (or with undefined, clears) a number field of a hash; true when the value changed. */
  async function setNumber(key: string, field: string, value: number | undefined): Promise<boolean> {
    requireCredits(value);
    if (value === undefined) return (await redis.hdel(key, field)) === 1;
    const results = await redis.multi().hget(key, field).hset(key, field, String(value)).exec();
    return credits(replyOf(results, 0) as string | null) !== value;
  }

  const added = async (reply: Promise<number>): Promise<boolean> => (await reply) === 1;

  return {
    async settings(community) {
      const key = base(community);
      const results = await redis
        .pipeline()
        .hgetall(key)
        .hgetall(`${key}:tiers`)
        .smembers(`${key}:denied-models`)
        .hvals(`${key}:words`)
        .smembers(`${key}:channels`)
        .exec();
      const main = replyOf(results, 0) as Record<string, string>;
      const tierFields = replyOf(results, 1) as Record<string, string>;
      const tiers = Object.fromEntries(
        sorted(Object.keys(tierFields)).flatMap((role) => {
          const value = credits(tierFields[role]);
          return value === undefined ? [] : [[role, value] as const];
        }),
      );
      const settings: CommunitySettings = {
        tiers,
        deniedModels: sorted(replyOf(results, 2) as string[]),
        blockedWords: sorted(replyOf(results, 3) as string[]),
        paused: main.paused === '1',
        channels: sorted(replyOf(results, 4) as string[]),
      };
      const memberCredits = credits(main.memberCredits);
      const budget = credits(main.budget);
      if (memberCredits !== undefined) settings.memberCredits = memberCredits;
      if (budget !== undefined) settings.budget = budget;
      if (main.defaultModel) settings.defaultModel = main.defaultModel;
      return settings;
    },

    async change(community, change) {
      const key = base(community);
      switch (change.kind) {
        case 'member-credits':
          return setNumber(key, 'memberCredits', change.credits);
        case 'budget':
          return setNumber(key, 'budget', change.credits);
        case 'tier':
          requireName('role', change.role);
          return setNumber(`${key}:tiers`, change.role, change.credits);
        case 'model':
          requireName('model', change.model);
          return added(
            change.allowed
              ? redis.srem(`${key}:denied-models`, change.model)
              : redis.sadd(`${key}:denied-models`, change.model),
          );
        case 'default-model': {
          if (change.model === undefined) return (await redis.hdel(key, 'defaultModel')) === 1;
          requireName('model', change.model);
          const results = await redis
            .multi()
            .hget(key, 'defaultModel')
            .hset(key, 'defaultModel', change.model)
            .exec();
          return replyOf(results, 0) !== change.model;
        }
        case 'word': {
          const normal = normalize(change.word);
          if (normal === '') throw new RangeError('a blocked word must have a letter or sign in it');
          return added(
            change.blocked
              ? redis.hsetnx(`${key}:words`, normal, change.word.trim())
              : redis.hdel(`${key}:words`, normal),
          );
        }
        case 'paused':
          return added(change.paused ? redis.hsetnx(key, 'paused', '1') : redis.hdel(key, 'paused'));
        case 'channel':
          requireName('channel', change.channel);
          return added(
            change.allowed
              ? redis.sadd(`${key}:channels`, change.channel)
              : redis.srem(`${key}:channels`, change.channel),
          );
      }
    },

    async isBlocked(community, user) {
      requireName('user', user);
      return (await redis.sismember(`${base(community)}:blocked`, user)) === 1;
    },

    async setBlocked(community, user, blocked) {
      requireName('user', user);
      const key = `${base(community)}:blocked`;
      return added(blocked ? redis.sadd(key, user) : redis.srem(key, user));
    },

    async isBlockedEverywhere(user) {
      requireName('user', user);
      return (await redis.sismember(serviceBlockedKey, user)) === 1;
    },

    async setBlockedEverywhere(user, blocked) {
      requireName('user', user);
      return added(blocked ? redis.sadd(serviceBlockedKey, user) : redis.srem(serviceBlockedKey, user));
    },

    async servicePaused() {
      return (await redis.get(servicePausedKey)) === '1';
    },

    async setServicePaused(paused) {
      if (paused) return (await redis.set(servicePausedKey, '1', 'NX')) === 'OK';
      return (await redis.del(servicePausedKey)) === 1;
    },

    async firstRefusal(community) {
      return (await redis.set(`${base(community)}:refused`, '1', 'NX')) === 'OK';
    },
  };
}
