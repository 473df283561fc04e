import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Charge, type CreditsOptions, createCredits } from '../../src/jobs/credits.js';
import { keysOf as keysIn } from '../helpers/redis-keys.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const DAY = 86_400_000;
const user = 'discord:1234';
const guild = 'discord:g1';

let prefix: string;

const keysOf = (match: string) => keysIn(redis, match);

const credits = (options: Omit<CreditsOptions, 'prefix'> = {}) =>
  createCredits(redis, { prefix, ...options });

/** A 5 s Kling 2.5 clip (175 credits) by `user` in `guild`, under a large member limit. */
const charge = (over: Partial<Charge> = {}): Charge => ({
  user,
  community: guild,
  credits: 175,
  memberLimit: 1_000_000,
  model: 'kling-2.5-turbo-pro',
  prompt: 'a cat surfing a wave',
  ...over,
});

const ids = (n: number, tag = 'job') => Array.from({ length: n }, (_, i) => `${tag}-${i}`);

/** Today's service counter (reserved + committed). */
const serviceUsed = async (c: ReturnType<typeof credits>) => (await c.spend(1))[0]!.used;

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
});

afterEach(async () => {
  const keys = await keysOf(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('races', () => {
  it('500 concurrent members against a service cap worth exactly 7 clips: exactly 7 get through', async () => {
    const c = credits({ serviceCap: 7 * 175 });
    // Eight processes' worth of connections, each with its own ledger, as in a deployment.
    const connections = Array.from(
      { length: 8 },
      () => new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
    );
    const ledgers = connections.map((r) => createCredits(r, { prefix, serviceCap: 7 * 175 }));
    const results = await Promise.all(
      ids(500).map((id, i) =>
        ledgers[i % 8]!.reserve(id, charge({ user: `telegram:${i}`, community: `telegram:c${i % 13}` })),
      ),
    ).finally(() => Promise.all(connections.map((r) => r.quit())));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(493);
    for (const r of refused) {
      expect(r).toMatchObject({ ok: false, reason: 'service-cap', limit: 1225 });
    }
    expect(await serviceUsed(c)).toBe(7 * 175);
    // Refusals took nothing: only the 7 members that got through have anything.
    const used = await Promise.all(
      results.map((_, i) => c.usage(`telegram:${i}`, `telegram:c${i % 13}`).then((u) => u.used)),
    );
    expect(used.filter((u) => u === 175)).toHaveLength(7);
    expect(used.reduce((a, b) => a + b, 0)).toBe(7 * 175);
  });

  it('500 concurrent members against a community budget worth exactly 7 clips: exactly 7 get through', async () => {
    const c = credits();
    const results = await Promise.all(
      ids(500).map((id, i) => c.reserve(id, charge({ user: `discord:${i}`, communityBudget: 7 * 175 }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(7);
    for (const r of results.filter((r) => !r.ok)) {
      expect(r).toMatchObject({ ok: false, reason: 'community-budget', limit: 1225 });
    }
    expect(await c.communityUsed(guild)).toBe(7 * 175);
    expect(await serviceUsed(c)).toBe(7 * 175);
    // Another community is not touched by this one's budget.
    expect((await c.reserve('elsewhere', charge({ community: 'discord:g2', communityBudget: 175 }))).ok).toBe(
      true,
    );
  });

  it('one member with 50 concurrent requests and a limit of 5 clips: exactly 5', async () => {
    const c = credits();
    const results = await Promise.all(ids(50).map((id) => c.reserve(id, charge({ memberLimit: 5 * 175 }))));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.reason === 'member-limit')).toHaveLength(45);
    expect(await c.usage(user, guild)).toMatchObject({ used: 875, inFlight: 5 });
  });

  it('refunds exactly once under 50 concurrent refunds of one reservation', async () => {
    const c = credits();
    await c.reserve('job-a', charge());
    await c.reserve('job-b', charge());
    const results = await Promise.all(Array.from({ length: 50 }, () => c.refund('job-a', { outcome: 'x' })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await c.usage(user, guild)).toMatchObject({ used: 175, inFlight: 1 });
    expect(await c.communityUsed(guild)).toBe(175);
    expect(await serviceUsed(c)).toBe(175);
  });
});

describe('the member limit', () => {
  it('counts credits: a 1,350-credit clip is refused with 1,000 left, a 175 one passes', async () => {
    const c = credits();
    const limit = 1_175;
    const at = Date.now();
    expect(await c.reserve('first', charge({ memberLimit: limit }))).toMatchObject({
      ok: true,
      existing: false,
      used: 175,
      limit,
    });
    const refused = await c.reserve(
      'big',
      charge({ memberLimit: limit, credits: 1_350, model: 'kling-o3-pro' }),
    );
    expect(refused).toMatchObject({ ok: false, reason: 'member-limit', used: 175, limit });
    if (!refused.ok && refused.reason === 'member-limit') {
      expect(refused.clearsAt).toBe(Math.floor(at / DAY) * DAY + DAY);
    }
    expect(await c.reserve('small', charge({ memberLimit: limit }))).toMatchObject({ ok: true, used: 350 });
    // The refusal took nothing, anywhere.
    expect(await c.usage(user, guild)).toMatchObject({ used: 350, inFlight: 2 });
    expect(await c.communityUsed(guild)).toBe(350);
    expect(await serviceUsed(c)).toBe(350);
    expect(await c.pending(user)).toEqual(expect.arrayContaining(['first', 'small']));
  });

  it('refuses everything at a limit of 0, even a clip that costs nothing', async () => {
    const c = credits();
    expect(await c.reserve('a', charge({ memberLimit: 0 }))).toMatchObject({
      ok: false,
      reason: 'member-limit',
      used: 0,
      limit: 0,
    });
    expect(await c.reserve('b', charge({ memberLimit: 0, credits: 0 }))).toMatchObject({
      ok: false,
      reason: 'member-limit',
      limit: 0,
    });
    expect(await c.usage(user, guild)).toMatchObject({ used: 0, inFlight: 0 });
  });

  it('keeps members and communities apart', async () => {
    const c = credits();
    const one = { memberLimit: 175 };
    expect((await c.reserve('a', charge({ ...one, user: 'telegram:1' }))).ok).toBe(true);
    expect((await c.reserve('b', charge({ ...one, user: 'telegram:2' }))).ok).toBe(true);
    expect(await c.reserve('c', charge({ ...one, user: 'telegram:1' }))).toMatchObject({
      ok: false,
      reason: 'member-limit',
    });
    // The same member has a limit of their own in another community.
    expect(
      (await c.reserve('d', charge({ ...one, user: 'telegram:1', community: 'telegram:-100' }))).ok,
    ).toBe(true);
    expect((await c.usage('telegram:1', guild)).used).toBe(175);
    expect((await c.usage('telegram:1', 'telegram:-100')).used).toBe(175);
  });

  it('starts each UTC day with the full limit', async () => {
    let clock = Date.UTC(2030, 5, 10, 12);
    const c = credits({ now: () => clock });
    expect((await c.reserve('a', charge({ memberLimit: 175 }))).ok).toBe(true);
    expect((await c.reserve('b', charge({ memberLimit: 175 }))).ok).toBe(false);
    clock = Date.UTC(2030, 5, 11, 0, 0, 0, 1);
    expect(await c.reserve('b', charge({ memberLimit: 175 }))).toMatchObject({
      ok: true,
      used: 175,
      resetsAt: Date.UTC(2030, 5, 12),
    });
  });
});

describe('jobs in flight', () => {
  it('refuses a third concurrent reservation with maxInFlight 2, in any community, and allows one after a commit', async () => {
    const c = credits({ maxInFlight: 2 });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id, i) => c.reserve(id, charge({ community: `discord:g${i}` }))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.reason === 'in-flight')).toEqual([
      { ok: false, reason: 'in-flight', inFlight: 2, limit: 2 },
    ]);
    const admitted = ['a', 'b', 'c'].filter((_, i) => results[i]?.ok);
    expect(await c.pending(user)).toEqual(admitted);
    expect(await c.commit(admitted[0]!, { outcome: 'clip' })).toBe(true);
    expect((await c.reserve('d', charge())).ok).toBe(true);
    expect(await c.reserve('e', charge())).toMatchObject({ ok: false, reason: 'in-flight' });
    // Another member is not held up.
    expect((await c.reserve('f', charge({ user: 'discord:other' }))).ok).toBe(true);
  });

  it('stops counting a reservation as in flight after 3 days (a lost job)', async () => {
    let clock = Date.UTC(2030, 5, 10, 12);
    const c = credits({ maxInFlight: 1, now: () => clock });
    await c.reserve('lost', charge());
    expect(await c.reserve('next', charge())).toMatchObject({ ok: false, reason: 'in-flight' });
    clock += 3 * DAY + 1;
    expect((await c.usage(user, guild)).inFlight).toBe(0);
    expect(await c.pending(user)).toEqual([]);
    expect((await c.reserve('next', charge())).ok).toBe(true);
  });
});

describe('the cooldown', () => {
  it('refuses a member who asks again too soon, saying when, and takes nothing', async () => {
    let clock = Date.UTC(2030, 0, 1, 12);
    const start = clock;
    const c = credits({ cooldownMs: 30_000, now: () => clock });
    expect((await c.reserve('a', charge())).ok).toBe(true);
    clock += 10_000;
    expect(await c.reserve('b', charge())).toEqual({
      ok: false,
      reason: 'cooldown',
      clearsAt: start + 30_000,
    });
    // A refused request does not restart the wait.
    clock = start + 29_999;
    expect(await c.reserve('c', charge())).toMatchObject({ ok: false, reason: 'cooldown' });
    expect((await c.reserve('x', charge({ user: 'discord:other' }))).ok).toBe(true);
    clock = start + 30_000;
    expect((await c.reserve('d', charge())).ok).toBe(true);
    expect(await c.usage(user, guild)).toMatchObject({ used: 350, inFlight: 2 });
  });

  it('is off at 0', async () => {
    const c = credits({ cooldownMs: 0 });
    expect((await c.reserve('a', charge())).ok).toBe(true);
    expect((await c.reserve('b', charge())).ok).toBe(true);
    expect(await keysOf(`${prefix}*cooldown*`)).toEqual([]);
  });

  it('is checked after the member limit and jobs in flight, before the budgets', async () => {
    let clock = Date.UTC(2030, 0, 1, 12);
    const c = credits({ cooldownMs: 60_000, maxInFlight: 1, serviceCap: 175, now: () => clock });
    expect((await c.reserve('a', charge({ memberLimit: 175 }))).ok).toBe(true);
    clock += 1_000;
    expect(await c.reserve('b', charge({ memberLimit: 175 }))).toMatchObject({ reason: 'member-limit' });
    expect(await c.reserve('c', charge())).toMatchObject({ reason: 'in-flight' });
    await c.commit('a', { outcome: 'clip' });
    expect(await c.reserve('d', charge())).toMatchObject({ reason: 'cooldown' });
    clock += 60_000;
    expect(await c.reserve('e', charge())).toMatchObject({ reason: 'service-cap', used: 175, limit: 175 });
  });
});

describe('commit and refund', () => {
  it('a refund gives back exactly the credits of the reservation to the member, community and service', async () => {
    const c = credits();
    await c.reserve('small', charge());
    await c.reserve('big', charge({ user: 'discord:9', credits: 1_350, model: 'kling-o3-pro' }));
    await c.reserve('other', charge({ user: 'discord:9', community: 'discord:g2', credits: 210 }));
    expect(await c.communityUsed(guild)).toBe(1_525);
    expect(await serviceUsed(c)).toBe(1_735);

    expect(await c.refund('big', { outcome: 'generation-failed' })).toBe(true);
    expect(await c.usage('discord:9', guild)).toMatchObject({ used: 0, inFlight: 1 });
    expect((await c.usage('discord:9', 'discord:g2')).used).toBe(210);
    expect((await c.usage(user, guild)).used).toBe(175);
    expect(await c.communityUsed(guild)).toBe(175);
    expect(await c.communityUsed('discord:g2')).toBe(210);
    expect(await c.spend(1)).toEqual([expect.objectContaining({ used: 385, committed: 0 })]);
  });

  it('never refunds a commit, never commits a refund, and every repeat is a no-op', async () => {
    const c = credits();
    await c.reserve('kept', charge());
    await c.reserve('back', charge());
    expect(await c.commit('kept', { outcome: 'clip' })).toBe(true);
    expect(await c.commit('kept', { outcome: 'clip' })).toBe(false);
    expect(await c.refund('kept', { outcome: 'cancelled' })).toBe(false);
    expect(await c.refund('back', { outcome: 'cancelled' })).toBe(true);
    expect(await c.refund('back', { outcome: 'cancelled' })).toBe(false);
    expect(await c.commit('back', { outcome: 'clip' })).toBe(false);
    expect(await c.commit('nope', { outcome: 'clip' })).toBe(false);
    expect(await c.refund('nope', { outcome: 'x' })).toBe(false);
    expect(await c.usage(user, guild)).toMatchObject({ used: 175, inFlight: 0 });
    expect(await c.communityUsed(guild)).toBe(175);
    expect(await c.spend(1)).toEqual([expect.objectContaining({ used: 175, committed: 175 })]);
  });

  it('takes nothing for a known reservation id, whatever its state, and says so', async () => {
    const c = credits();
    expect(await c.reserve('job-a', charge())).toMatchObject({ ok: true, existing: false, used: 175 });
    expect(await c.reserve('job-a', charge())).toMatchObject({ ok: true, existing: true, used: 175 });
    await c.refund('job-a', { outcome: 'x' });
    expect(await c.reserve('job-a', charge())).toMatchObject({ ok: true, existing: true, used: 0 });
    expect(await c.usage(user, guild)).toMatchObject({ used: 0, inFlight: 0 });
    expect(await serviceUsed(c)).toBe(0);
  });

  it('gives credits refunded after midnight back to the day they were reserved in', async () => {
    let clock = Date.UTC(2030, 0, 1, 23, 59);
    const c = credits({ now: () => clock });
    expect(await c.reserve('late', charge())).toMatchObject({
      ok: true,
      used: 175,
      resetsAt: Date.UTC(2030, 0, 2),
    });
    clock = Date.UTC(2030, 0, 2, 0, 0, 30);
    expect(await c.reserve('early', charge({ credits: 210 }))).toMatchObject({
      ok: true,
      used: 210,
      resetsAt: Date.UTC(2030, 0, 3),
    });

    clock = Date.UTC(2030, 0, 2, 0, 1);
    expect(await c.refund('late', { outcome: 'timeout' })).toBe(true);
    expect(await c.usage(user, guild)).toMatchObject({
      used: 210,
      inFlight: 1,
      resetsAt: Date.UTC(2030, 0, 3),
    });
    expect(await c.communityUsed(guild)).toBe(210);
    expect(await c.spend(2)).toEqual([
      { day: '2030-01-02', used: 210, committed: 0 },
      { day: '2030-01-01', used: 0, committed: 0 },
    ]);
    clock = Date.UTC(2030, 0, 1, 23, 59, 30);
    expect((await c.usage(user, guild)).used).toBe(0);
    expect(await c.communityUsed(guild)).toBe(0);
  });

  it('commits to the service committed counter of the reservation day', async () => {
    let clock = Date.UTC(2030, 0, 1, 23, 59);
    const c = credits({ now: () => clock });
    await c.reserve('late', charge());
    clock = Date.UTC(2030, 0, 2, 0, 5);
    expect(await c.commit('late', { outcome: 'clip' })).toBe(true);
    expect(await c.spend(2)).toEqual([
      { day: '2030-01-02', used: 0, committed: 0 },
      { day: '2030-01-01', used: 175, committed: 175 },
    ]);
  });

  it('keeps the reservation with its final state for 30 days', async () => {
    const c = credits();
    await c.reserve('job-a', charge());
    await c.commit('job-a', { outcome: 'clip', url: 'https://cdn.example/v.mp4', expiresAt: 123 });
    const key = (await keysOf(`${prefix}*:res:job-a`))[0]!;
    expect(await redis.hgetall(key)).toMatchObject({
      state: 'committed',
      outcome: 'clip',
      url: 'https://cdn.example/v.mp4',
      expiresAt: '123',
      credits: '175',
      user,
      community: guild,
    });
    expect(await redis.pttl(key)).toBeGreaterThan(29 * DAY);
  });
});

describe('the service cap', () => {
  it('the environment cap, an operator cap over it, off, and back to the environment', async () => {
    const c = credits({ serviceCap: 175 });
    expect(await c.cap()).toEqual({ credits: 175, source: 'env' });
    expect((await c.reserve('a', charge({ user: 'u:1' }))).ok).toBe(true);
    expect(await c.reserve('b', charge({ user: 'u:2' }))).toMatchObject({
      ok: false,
      reason: 'service-cap',
      used: 175,
      limit: 175,
    });

    await c.setCap(350, 'operator');
    expect(await c.cap()).toEqual({ credits: 350, source: 'operator' });
    expect((await c.reserve('b', charge({ user: 'u:2' }))).ok).toBe(true);
    expect(await c.reserve('c', charge({ user: 'u:3' }))).toMatchObject({
      reason: 'service-cap',
      limit: 350,
    });

    await c.setCap('off', 'operator');
    expect(await c.cap()).toEqual({ credits: undefined, source: 'operator' });
    expect((await c.reserve('c', charge({ user: 'u:3' }))).ok).toBe(true);

    await c.setCap('env', 'operator');
    expect(await c.cap()).toEqual({ credits: 175, source: 'env' });
    expect(await c.reserve('d', charge({ user: 'u:4' }))).toMatchObject({ reason: 'service-cap', used: 525 });

    // A cap of 0 stops everything; it lives in Redis, so every process sees it.
    await c.setCap(0, 'operator');
    const other = credits();
    expect(await other.reserve('e', charge({ user: 'u:5', credits: 0 }))).toMatchObject({
      reason: 'service-cap',
    });
    expect(await other.cap()).toEqual({ credits: 0, source: 'operator' });

    const caps = (await c.ledger(0)).filter((e) => e.what === 'cap');
    expect(caps.map((e) => [e.op, e.by, e.detail])).toEqual([
      ['admin', 'operator', '350'],
      ['admin', 'operator', 'off'],
      ['admin', 'operator', 'env'],
      ['admin', 'operator', '0'],
    ]);
  });

  it('no cap at all when neither the environment nor an operator sets one', async () => {
    const c = credits();
    expect(await c.cap()).toEqual({ credits: undefined, source: 'env' });
    const results = await Promise.all(ids(20).map((id, i) => c.reserve(id, charge({ user: `u:${i}` }))));
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

describe('admin', () => {
  it('resetMember gives a member back today’s credits; the budget and the cap keep the spend', async () => {
    let clock = Date.UTC(2030, 5, 10, 12);
    const c = credits({ serviceCap: 1_000, now: () => clock++ });
    await c.reserve('a', charge({ memberLimit: 350 }));
    await c.reserve('b', charge({ memberLimit: 350 }));
    expect(await c.reserve('c', charge({ memberLimit: 350 }))).toMatchObject({ reason: 'member-limit' });
    expect(await c.resetMember(user, guild, 'discord:admin')).toBe(350);
    expect(await c.usage(user, guild)).toMatchObject({ used: 0, inFlight: 2 });
    expect(await c.communityUsed(guild)).toBe(350);
    expect(await serviceUsed(c)).toBe(350);
    expect((await c.reserve('c', charge({ memberLimit: 350 }))).ok).toBe(true);
    // The reset already gave the member back what a and b took: refunding them gives it to the
    // server and the service only, and c's charge stays on the member.
    await c.refund('a', { outcome: 'cancelled' });
    await c.refund('b', { outcome: 'cancelled' });
    expect((await c.usage(user, guild)).used).toBe(175);
    expect(await c.communityUsed(guild)).toBe(175);
    expect(await serviceUsed(c)).toBe(175);
    await c.refund('c', { outcome: 'cancelled' });
    expect((await c.usage(user, guild)).used).toBe(0);
    expect(await c.communityUsed(guild)).toBe(0);
    expect(await c.resetMember('discord:nobody', guild, 'discord:admin')).toBe(0);
    const resets = (await c.ledger(0)).filter((e) => e.what === 'reset');
    expect(resets).toEqual([
      expect.objectContaining({ op: 'admin', user, community: guild, credits: 350, by: 'discord:admin' }),
      expect.objectContaining({ op: 'admin', user: 'discord:nobody', credits: 0 }),
    ]);
  });

  it('communityOf names where a charged job was made', async () => {
    const c = credits();
    await c.reserve('job-a', charge({ community: 'telegram:-1001' }));
    expect(await c.communityOf('job-a')).toBe('telegram:-1001');
    expect(await c.communityOf('nope')).toBeUndefined();
  });
});

describe('history', () => {
  it('the member’s last jobs, newest first, with what they cost and how they ended', async () => {
    let clock = Date.UTC(2030, 0, 1, 12);
    const c = credits({ now: () => clock });
    const long = `${'é'.repeat(99)}🎬 and more`;
    await c.reserve('one', charge({ prompt: long }));
    clock += 1_000;
    await c.reserve('two', charge({ credits: 560, model: 'kling-o1', community: 'discord:g2' }));
    clock += 1_000;
    await c.reserve('three', charge());
    await c.reserve('not-mine', charge({ user: 'discord:other' }));
    await c.commit('one', { outcome: 'clip', url: 'https://cdn.example/1.mp4', expiresAt: clock + DAY });
    await c.refund('two', { outcome: 'content-rejected' });

    const history = await c.history(user, 10);
    expect(history).toEqual([
      {
        jobId: 'three',
        at: Date.UTC(2030, 0, 1, 12, 0, 2),
        community: guild,
        model: 'kling-2.5-turbo-pro',
        prompt: 'a cat surfing a wave',
        credits: 175,
        state: 'reserved',
      },
      {
        jobId: 'two',
        at: Date.UTC(2030, 0, 1, 12, 0, 1),
        community: 'discord:g2',
        model: 'kling-o1',
        prompt: 'a cat surfing a wave',
        credits: 560,
        state: 'refunded',
        outcome: 'content-rejected',
      },
      {
        jobId: 'one',
        at: Date.UTC(2030, 0, 1, 12),
        community: guild,
        model: 'kling-2.5-turbo-pro',
        prompt: `${'é'.repeat(99)}🎬`,
        credits: 175,
        state: 'committed',
        outcome: 'clip',
        url: 'https://cdn.example/1.mp4',
        expiresAt: clock + DAY,
      },
    ]);
    expect((await c.history(user, 2)).map((h) => h.jobId)).toEqual(['three', 'two']);
    expect(await c.history('discord:nobody', 10)).toEqual([]);
  });

  it('keeps the last 20, and skips jobs whose record expired', async () => {
    const c = credits();
    for (const id of ids(25)) {
      await c.reserve(id, charge());
      await c.commit(id, { outcome: 'clip' });
    }
    const all = await c.history(user, 100);
    expect(all.map((h) => h.jobId)).toEqual(ids(25).slice(5).reverse());
    await redis.del((await keysOf(`${prefix}*:res:job-23`))[0]!);
    expect((await c.history(user, 3)).map((h) => h.jobId)).toEqual(['job-24', 'job-22']);
  });
});

describe('the ledger', () => {
  it('records every reserve, commit, refund and admin action, and reads them since a moment', async () => {
    let clock = Date.UTC(2030, 0, 1, 12);
    const c = credits({ now: () => clock });
    await c.reserve('a', charge());
    await c.reserve('b', charge({ credits: 210, model: 'kling-o1' }));
    await c.reserve('refused', charge({ memberLimit: 100 }));
    clock += 1_000;
    await c.commit('a', { outcome: 'clip' });
    await c.refund('b', { outcome: 'provider-account' });
    await c.commit('a', { outcome: 'clip' });
    clock += 1_000;
    await c.record({ what: 'block', by: 'discord:admin', user: 'discord:9', community: guild });
    await c.record({ what: 'limit', by: 'discord:admin', community: guild, detail: '500' });

    const entries = await c.ledger(0);
    expect(entries.map(({ id: _, ...e }) => e)).toEqual([
      {
        op: 'reserve',
        at: Date.UTC(2030, 0, 1, 12),
        user,
        community: guild,
        credits: 175,
        job: 'a',
        model: 'kling-2.5-turbo-pro',
      },
      {
        op: 'reserve',
        at: Date.UTC(2030, 0, 1, 12),
        user,
        community: guild,
        credits: 210,
        job: 'b',
        model: 'kling-o1',
      },
      {
        op: 'commit',
        at: Date.UTC(2030, 0, 1, 12, 0, 1),
        user,
        community: guild,
        credits: 175,
        job: 'a',
        model: 'kling-2.5-turbo-pro',
        what: 'clip',
      },
      {
        op: 'refund',
        at: Date.UTC(2030, 0, 1, 12, 0, 1),
        user,
        community: guild,
        credits: 210,
        job: 'b',
        model: 'kling-o1',
        what: 'provider-account',
      },
      {
        op: 'admin',
        at: Date.UTC(2030, 0, 1, 12, 0, 2),
        user: 'discord:9',
        community: guild,
        what: 'block',
        by: 'discord:admin',
      },
      {
        op: 'admin',
        at: Date.UTC(2030, 0, 1, 12, 0, 2),
        community: guild,
        what: 'limit',
        by: 'discord:admin',
        detail: '500',
      },
    ]);
    for (const e of entries) expect(e.id).toMatch(/^\d+-\d+$/);
    expect((await c.ledger(Date.UTC(2030, 0, 1, 12, 0, 1))).map((e) => e.op)).toEqual([
      'commit',
      'refund',
      'admin',
      'admin',
    ]);
    expect(await c.ledger(Date.UTC(2030, 0, 2))).toEqual([]);
  });

  it('reads past one page, and stays capped near its maximum length', async () => {
    const c = credits({ ledgerMaxLength: 1_000 });
    const pipeline = [];
    for (let i = 0; i < 2_500; i++) pipeline.push(c.record({ what: 'note', detail: String(i) }));
    await Promise.all(pipeline);
    const entries = await c.ledger(0);
    // MAXLEN ~ trims whole nodes: a little over the maximum, never the whole history.
    expect(entries.length).toBeGreaterThanOrEqual(1_000);
    expect(entries.length).toBeLessThan(2_500);
    expect(entries.at(-1)?.detail).toBe('2499');
    const details = entries.map((e) => Number(e.detail));
    expect(details).toEqual([...details].sort((a, b) => a - b));
  });
});

describe('spend', () => {
  it('today first, for as many days as asked', async () => {
    let clock = Date.UTC(2030, 0, 3, 9);
    const c = credits({ now: () => clock });
    clock = Date.UTC(2030, 0, 1, 9);
    await c.reserve('d1', charge());
    await c.commit('d1', { outcome: 'clip' });
    clock = Date.UTC(2030, 0, 3, 9);
    await c.reserve('d3', charge({ credits: 560 }));
    expect(await c.spend(3)).toEqual([
      { day: '2030-01-03', used: 560, committed: 0 },
      { day: '2030-01-02', used: 0, committed: 0 },
      { day: '2030-01-01', used: 175, committed: 175 },
    ]);
    await expect(c.spend(0)).rejects.toThrow(RangeError);
    await expect(c.spend(91)).rejects.toThrow(RangeError);
    await expect(c.spend(1.5)).rejects.toThrow(RangeError);
  });
});

describe('keys', () => {
  it('share one cluster slot: every key is tagged {ledger}, and all but the cap and the ledger expire', async () => {
    const c = credits({ maxInFlight: 5, cooldownMs: 60_000, serviceCap: 10_000 });
    await c.reserve('a', charge());
    await c.reserve('b', charge({ user: 'telegram:7', community: 'telegram:-1' }));
    await c.commit('a', { outcome: 'clip' });
    await c.refund('b', { outcome: 'cancelled' });
    await c.setCap(5_000, 'operator');
    await c.resetMember(user, guild, 'op');
    const keys = await keysOf(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(10);
    for (const key of keys) {
      expect(key.startsWith(`${prefix}:credits:{ledger}:`)).toBe(true);
      // The first {…} of the key is its hash tag: the same for all.
      expect(key.match(/\{([^}]*)\}/)?.[1]).toBe('ledger');
      const ttl = await redis.pttl(key);
      if (key.endsWith(':cap') || key.endsWith(':ledger')) expect(ttl).toBe(-1);
      else expect(ttl).toBeGreaterThan(0);
    }
    const service = keys.find((k) => k.includes(':used:'))!;
    expect(await redis.pttl(service)).toBeGreaterThan(89 * DAY);
    const member = keys.find((k) => k.includes(':member:'))!;
    expect(await redis.pttl(member)).toBeLessThanOrEqual(2 * DAY);
  });

  it('use the prefix’s own hash tag when it has one', async () => {
    prefix = `test-{${randomUUID()}}`;
    const c = credits();
    await c.reserve('a', charge());
    const keys = await keysOf(`${prefix.replace(/[{}]/g, '?')}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.startsWith(`${prefix}:credits:`)).toBe(true);
      expect(key).not.toContain('{ledger}');
    }
    await redis.del(...keys);
  });
});

describe('validation', () => {
  it('rejects empty names and amounts that are not whole numbers ≥ 0', async () => {
    const c = credits();
    await expect(c.reserve('', charge())).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ user: '' }))).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ community: '' }))).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ credits: -1 }))).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ credits: 1.5 }))).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ memberLimit: -5 }))).rejects.toThrow(RangeError);
    await expect(c.reserve('a', charge({ communityBudget: Number.NaN }))).rejects.toThrow(RangeError);
    await expect(c.commit('', { outcome: 'clip' })).rejects.toThrow(RangeError);
    await expect(c.refund('a', { outcome: '' })).rejects.toThrow(RangeError);
    await expect(c.setCap(-1, 'op')).rejects.toThrow(RangeError);
    await expect(c.usage('', guild)).rejects.toThrow(RangeError);
    await expect(c.history(user, -1)).rejects.toThrow(RangeError);
    expect(() => credits({ serviceCap: -1 })).toThrow(RangeError);
    expect(() => credits({ maxInFlight: 1.5 })).toThrow(RangeError);
    expect(() => credits({ cooldownMs: -1 })).toThrow(RangeError);
    expect(() => credits({ ledgerMaxLength: 0 })).toThrow(RangeError);
    // Nothing was written.
    expect(await keysOf(`${prefix}*`)).toEqual([]);
  });

  it('loads its scripts again after a SCRIPT FLUSH', async () => {
    const c = credits();
    await c.reserve('a', charge());
    await redis.script('FLUSH');
    expect(await c.commit('a', { outcome: 'clip' })).toBe(true);
    expect((await c.reserve('b', charge())).ok).toBe(true);
  });
});
