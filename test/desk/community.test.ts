import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommunitySettings,
  type CommunityStore,
  createCommunityStore,
  DEFAULT_SETTINGS,
  resolveMemberLimit,
} from '../../src/desk/community.js';
import { blockedWordIn } from '../../src/desk/moderation.js';
import { keysOf as keysIn } from '../helpers/redis-keys.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const server = 'discord:123';
const other = 'discord:456';
const group = 'telegram:-1001';

let prefix: string;
let store: CommunityStore;

const keysOf = (match: string) => keysIn(redis, match);

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  store = createCommunityStore(redis, prefix);
});

afterEach(async () => {
  const keys = await keysOf(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('community settings', () => {
  it('are the defaults when nothing was set', async () => {
    expect(await store.settings(server)).toEqual(DEFAULT_SETTINGS);
    expect(await keysOf(`${prefix}:*`)).toEqual([]);
  });

  it('read back every change, lists sorted', async () => {
    await store.change(server, { kind: 'member-credits', credits: 700 });
    await store.change(server, { kind: 'budget', credits: 20_000 });
    await store.change(server, { kind: 'tier', role: 'r-vip', credits: 3_000 });
    await store.change(server, { kind: 'tier', role: 'r-booster', credits: 1_400 });
    await store.change(server, { kind: 'model', model: 'kling-o3-pro', allowed: false });
    await store.change(server, { kind: 'model', model: 'kling-2.5', allowed: false });
    await store.change(server, { kind: 'word', word: 'Nasty', blocked: true });
    await store.change(server, { kind: 'word', word: 'hot dog', blocked: true });
    await store.change(server, { kind: 'paused', paused: true });
    await store.change(server, { kind: 'channel', channel: 'c2', allowed: true });
    await store.change(server, { kind: 'channel', channel: 'c1', allowed: true });
    const settings = await store.settings(server);
    expect(settings).toEqual({
      memberCredits: 700,
      budget: 20_000,
      tiers: { 'r-booster': 1_400, 'r-vip': 3_000 },
      deniedModels: ['kling-2.5', 'kling-o3-pro'],
      blockedWords: ['Nasty', 'hot dog'],
      paused: true,
      channels: ['c1', 'c2'],
    } satisfies CommunitySettings);
    expect(Object.keys(settings.tiers)).toEqual(['r-booster', 'r-vip']);
  });

  it('keep each community apart', async () => {
    await store.change(server, { kind: 'member-credits', credits: 700 });
    await store.change(server, { kind: 'word', word: 'nasty', blocked: true });
    await store.change(server, { kind: 'paused', paused: true });
    expect(await store.change(other, { kind: 'member-credits', credits: 700 })).toBe(true);
    expect(await store.settings(group)).toEqual(DEFAULT_SETTINGS);
    expect(await store.settings(other)).toEqual({ ...DEFAULT_SETTINGS, memberCredits: 700 });
  });

  it('use the documented keys, with no TTL', async () => {
    await store.change(server, { kind: 'member-credits', credits: 1 });
    await store.change(server, { kind: 'tier', role: 'r', credits: 2 });
    await store.change(server, { kind: 'model', model: 'm', allowed: false });
    await store.change(server, { kind: 'word', word: 'Wörd', blocked: true });
    await store.change(server, { kind: 'channel', channel: 'c', allowed: true });
    await store.setBlocked(server, 'discord:9', true);
    await store.setBlockedEverywhere('discord:9', true);
    await store.setServicePaused(true);
    await store.firstRefusal(group);
    const base = `${prefix}:community:${server}`;
    expect((await keysOf(`${prefix}:*`)).sort()).toEqual(
      [
        base,
        `${base}:tiers`,
        `${base}:denied-models`,
        `${base}:words`,
        `${base}:channels`,
        `${base}:blocked`,
        `${prefix}:community:${group}:refused`,
        `${prefix}:service:paused`,
        `${prefix}:service:blocked`,
      ].sort(),
    );
    for (const key of await keysOf(`${prefix}:*`)) expect(await redis.pttl(key), key).toBe(-1);
    expect(await redis.hgetall(`${base}:words`)).toEqual({ word: 'Wörd' });
    expect(await redis.hgetall(base)).toEqual({ memberCredits: '1' });
  });
});

describe('community changes', () => {
  it.each(['member-credits', 'budget'] as const)('%s: answers whether the number changed', async (kind) => {
    expect(await store.change(server, { kind, credits: 500 })).toBe(true);
    expect(await store.change(server, { kind, credits: 500 })).toBe(false);
    expect(await store.change(server, { kind, credits: 0 })).toBe(true);
    expect(await store.change(server, { kind, credits: undefined })).toBe(true);
    expect(await store.change(server, { kind, credits: undefined })).toBe(false);
    expect(await store.settings(server)).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps a limit of 0 (nobody may spend), apart from unset', async () => {
    await store.change(server, { kind: 'member-credits', credits: 0 });
    await store.change(server, { kind: 'budget', credits: 0 });
    expect(await store.settings(server)).toMatchObject({ memberCredits: 0, budget: 0 });
  });

  it('tier: sets, changes and removes one role at a time', async () => {
    expect(await store.change(server, { kind: 'tier', role: 'r1', credits: 1000 })).toBe(true);
    expect(await store.change(server, { kind: 'tier', role: 'r2', credits: 2000 })).toBe(true);
    expect(await store.change(server, { kind: 'tier', role: 'r1', credits: 1000 })).toBe(false);
    expect(await store.change(server, { kind: 'tier', role: 'r1', credits: 1500 })).toBe(true);
    expect((await store.settings(server)).tiers).toEqual({ r1: 1500, r2: 2000 });
    expect(await store.change(server, { kind: 'tier', role: 'r1', credits: undefined })).toBe(true);
    expect(await store.change(server, { kind: 'tier', role: 'r1', credits: undefined })).toBe(false);
    expect((await store.settings(server)).tiers).toEqual({ r2: 2000 });
  });

  it('model: denies and allows again, answering whether anything changed', async () => {
    expect(await store.change(server, { kind: 'model', model: 'm1', allowed: true })).toBe(false);
    expect(await store.change(server, { kind: 'model', model: 'm1', allowed: false })).toBe(true);
    expect(await store.change(server, { kind: 'model', model: 'm1', allowed: false })).toBe(false);
    expect((await store.settings(server)).deniedModels).toEqual(['m1']);
    expect(await store.change(server, { kind: 'model', model: 'm1', allowed: true })).toBe(true);
    expect((await store.settings(server)).deniedModels).toEqual([]);
  });

  it('word: one entry per normalised word, the first spelling kept, any spelling removes it', async () => {
    expect(await store.change(server, { kind: 'word', word: ' Násty ', blocked: true })).toBe(true);
    expect(await store.change(server, { kind: 'word', word: 'NASTY', blocked: true })).toBe(false);
    expect(await store.change(server, { kind: 'word', word: 'ｎａｓｔｙ', blocked: true })).toBe(false);
    expect((await store.settings(server)).blockedWords).toEqual(['Násty']);
    expect(await store.change(server, { kind: 'word', word: 'nasty', blocked: false })).toBe(true);
    expect(await store.change(server, { kind: 'word', word: 'nasty', blocked: false })).toBe(false);
    expect((await store.settings(server)).blockedWords).toEqual([]);
  });

  it('word: the stored list works with the matcher', async () => {
    await store.change(server, { kind: 'word', word: 'Hot Dog', blocked: true });
    await store.change(server, { kind: 'word', word: 'дурак', blocked: true });
    const { blockedWords } = await store.settings(server);
    expect(blockedWordIn('a HOT-DOG stand', blockedWords)).toBe('Hot Dog');
    expect(blockedWordIn('Ты ДУРАК', blockedWords)).toBe('дурак');
    expect(blockedWordIn('a hotdog', blockedWords)).toBeUndefined();
  });

  it('paused: answers whether the switch moved', async () => {
    expect(await store.change(server, { kind: 'paused', paused: false })).toBe(false);
    expect(await store.change(server, { kind: 'paused', paused: true })).toBe(true);
    expect(await store.change(server, { kind: 'paused', paused: true })).toBe(false);
    expect((await store.settings(server)).paused).toBe(true);
    expect(await store.change(server, { kind: 'paused', paused: false })).toBe(true);
    expect((await store.settings(server)).paused).toBe(false);
  });

  it('channel: allows and removes channels', async () => {
    expect(await store.change(server, { kind: 'channel', channel: 'c1', allowed: true })).toBe(true);
    expect(await store.change(server, { kind: 'channel', channel: 'c1', allowed: true })).toBe(false);
    expect(await store.change(server, { kind: 'channel', channel: 'c1', allowed: false })).toBe(true);
    expect(await store.change(server, { kind: 'channel', channel: 'c1', allowed: false })).toBe(false);
    expect((await store.settings(server)).channels).toEqual([]);
  });

  it('refuses bad values before touching Redis', async () => {
    const bad = [
      () => store.change(server, { kind: 'member-credits', credits: -1 }),
      () => store.change(server, { kind: 'budget', credits: 1.5 }),
      () => store.change(server, { kind: 'budget', credits: Number.NaN }),
      () => store.change(server, { kind: 'budget', credits: 1_000_000_001 }),
      () => store.change(server, { kind: 'tier', role: 'r', credits: -5 }),
      () => store.change(server, { kind: 'tier', role: '', credits: 5 }),
      () => store.change(server, { kind: 'model', model: '', allowed: false }),
      () => store.change(server, { kind: 'word', word: '   ', blocked: true }),
      () => store.change(server, { kind: 'channel', channel: '', allowed: true }),
      () => store.change('', { kind: 'paused', paused: true }),
      () => store.setBlocked(server, '', true),
      () => store.setBlockedEverywhere('', true),
    ];
    for (const call of bad) await expect(call()).rejects.toBeInstanceOf(RangeError);
    expect(await keysOf(`${prefix}:*`)).toEqual([]);
  });

  it('counts one change of many concurrent identical ones', async () => {
    const words = await Promise.all(
      Array.from({ length: 20 }, () => store.change(server, { kind: 'word', word: 'nasty', blocked: true })),
    );
    expect(words.filter(Boolean)).toHaveLength(1);
    const limits = await Promise.all(
      Array.from({ length: 20 }, () => store.change(server, { kind: 'budget', credits: 900 })),
    );
    expect(limits.filter(Boolean)).toHaveLength(1);
    const pauses = await Promise.all(Array.from({ length: 20 }, () => store.setServicePaused(true)));
    expect(pauses.filter(Boolean)).toHaveLength(1);
  });
});

describe('blocked members', () => {
  it('are blocked in one community only', async () => {
    expect(await store.isBlocked(server, 'discord:9')).toBe(false);
    expect(await store.setBlocked(server, 'discord:9', true)).toBe(true);
    expect(await store.setBlocked(server, 'discord:9', true)).toBe(false);
    expect(await store.isBlocked(server, 'discord:9')).toBe(true);
    expect(await store.isBlocked(other, 'discord:9')).toBe(false);
    expect(await store.isBlockedEverywhere('discord:9')).toBe(false);
    expect(await store.setBlocked(server, 'discord:9', false)).toBe(true);
    expect(await store.setBlocked(server, 'discord:9', false)).toBe(false);
    expect(await store.isBlocked(server, 'discord:9')).toBe(false);
  });

  it('can be blocked everywhere by an operator, apart from any community block', async () => {
    expect(await store.setBlockedEverywhere('telegram:5', true)).toBe(true);
    expect(await store.setBlockedEverywhere('telegram:5', true)).toBe(false);
    expect(await store.isBlockedEverywhere('telegram:5')).toBe(true);
    expect(await store.isBlockedEverywhere('discord:5')).toBe(false);
    expect(await store.isBlocked(group, 'telegram:5')).toBe(false);
    expect(await store.setBlockedEverywhere('telegram:5', false)).toBe(true);
    expect(await store.isBlockedEverywhere('telegram:5')).toBe(false);
  });
});

describe('service switches', () => {
  it('pauses and resumes the whole service, answering whether it moved', async () => {
    expect(await store.servicePaused()).toBe(false);
    expect(await store.setServicePaused(false)).toBe(false);
    expect(await store.setServicePaused(true)).toBe(true);
    expect(await store.setServicePaused(true)).toBe(false);
    expect(await store.servicePaused()).toBe(true);
    // Another process (the command line) sees it at once.
    expect(await createCommunityStore(redis, prefix).servicePaused()).toBe(true);
    expect(await store.settings(server)).toEqual(DEFAULT_SETTINGS);
    expect(await store.setServicePaused(false)).toBe(true);
    expect(await store.servicePaused()).toBe(false);
  });

  it('answers firstRefusal true once per community, even under concurrency', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => store.firstRefusal(group)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await store.firstRefusal(group)).toBe(false);
    expect(await store.firstRefusal('telegram:-1002')).toBe(true);
  });

  it('keeps prefixes apart', async () => {
    await store.setServicePaused(true);
    await store.change(server, { kind: 'budget', credits: 5 });
    const elsewhere = createCommunityStore(redis, `${prefix}-other`);
    expect(await elsewhere.servicePaused()).toBe(false);
    expect(await elsewhere.settings(server)).toEqual(DEFAULT_SETTINGS);
  });
});

describe('resolveMemberLimit', () => {
  const settings = (over: Partial<CommunitySettings>): CommunitySettings => ({
    ...DEFAULT_SETTINGS,
    ...over,
  });

  it('is the fallback when the community set nothing', () => {
    expect(resolveMemberLimit(DEFAULT_SETTINGS, [], 500)).toBe(500);
    expect(resolveMemberLimit(DEFAULT_SETTINGS, undefined, 500)).toBe(500);
    expect(resolveMemberLimit(DEFAULT_SETTINGS, ['r1'], 500)).toBe(500);
  });

  it('is the community setting over the fallback, even when lower (0 included)', () => {
    expect(resolveMemberLimit(settings({ memberCredits: 300 }), [], 500)).toBe(300);
    expect(resolveMemberLimit(settings({ memberCredits: 0 }), [], 500)).toBe(0);
  });

  it('is the highest tier among the member roles', () => {
    const s = settings({ memberCredits: 300, tiers: { low: 400, high: 2000, mid: 1000 } });
    expect(resolveMemberLimit(s, ['low'], 500)).toBe(400);
    expect(resolveMemberLimit(s, ['low', 'high', 'mid'], 500)).toBe(2000);
    expect(resolveMemberLimit(s, ['none', 'mid'], 500)).toBe(1000);
  });

  it('is never less than the member setting, else the fallback', () => {
    expect(resolveMemberLimit(settings({ memberCredits: 800, tiers: { low: 100 } }), ['low'], 500)).toBe(800);
    expect(resolveMemberLimit(settings({ tiers: { low: 100 } }), ['low'], 500)).toBe(500);
    expect(resolveMemberLimit(settings({ tiers: { zero: 0 } }), ['zero'], 500)).toBe(500);
  });

  it('ignores role names that are properties of every object', () => {
    expect(resolveMemberLimit(DEFAULT_SETTINGS, ['constructor', 'toString', '__proto__'], 500)).toBe(500);
  });

  it('reads tiers as stored', async () => {
    await store.change(server, { kind: 'member-credits', credits: 200 });
    await store.change(server, { kind: 'tier', role: 'vip', credits: 1500 });
    const stored = await store.settings(server);
    expect(resolveMemberLimit(stored, ['vip'], 500)).toBe(1500);
    expect(resolveMemberLimit(stored, ['other'], 500)).toBe(200);
  });
});
