import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type EditResult, StatusFollower, type StatusSurface } from '../../src/desk/follower.js';
import type { FinalOutcome, StatusView } from '../../src/desk/status.js';
import { type BotStatusStore, createStatusStore } from '../../src/desk/status-store.js';
import { createLogger } from '../../src/log.js';
import { cleanRedis, REDIS_URL } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

/** A message as the fake surface knows it: a chat and a message id. */
interface Ref {
  chat: string;
  msg: string;
}

/** One edit a follower made: which message, which body, and which follower made it. */
interface Edit {
  by: string;
  msg: string;
  body: string;
}

const prefix = `test-takeover-${process.pid}-${Date.now()}`;
const redis = new Redis(REDIS_URL);
const followers: StatusFollower<Ref, string>[] = [];
/** The desk's view of each job: the test moves it along. */
const views = new Map<string, StatusView>();

afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.stop()));
  views.clear();
  await cleanRedis(prefix);
});
afterAll(async () => {
  await redis.quit();
});

const view = (jobId: string, percent: number): StatusView => ({
  jobId,
  state: 'generating',
  model: 'm',
  duration: 5,
  prompt: 'p',
  credits: 1,
  requester: { platform: 'test', userId: 'u' } as StatusView['requester'],
  percent,
  elapsedMs: 0,
  paid: true,
  cancelling: false,
  at: 0,
});

/** A surface that records every edit; `showsFinal` as Telegram's (the bot shows outcomes). */
function surface(by: string, edits: Edit[]): StatusSurface<Ref, string> {
  return {
    intervalMs: 20,
    elapsedEveryMs: 20,
    showsFinal: true,
    recordOf: (ref) => ({ chatId: ref.chat, messageId: ref.msg }),
    handleOf: (ref) => ({ handle: `h:${ref.msg}` }),
    refOf: (record) =>
      record.handle === `h:${record.messageId}` ? { chat: record.chatId, msg: record.messageId } : undefined,
    editable: () => true,
    renderLive: (v) => `live ${v.percent}`,
    renderFinal: (outcome: FinalOutcome) => `final ${outcome.kind}`,
    async edit(ref, body): Promise<EditResult> {
      edits.push({ by, msg: ref.msg, body });
      return 'ok';
    },
  };
}

function follower(
  owner: string,
  edits: Edit[],
  extra: { maxFollowed?: number; store?: BotStatusStore } = {},
): StatusFollower<Ref, string> {
  const f = new StatusFollower<Ref, string>({
    surface: surface(owner, edits),
    status: async (jobId) => views.get(jobId),
    store: extra.store ?? createStatusStore(redis, prefix, 'tk'),
    logger: createLogger('silent'),
    owner,
    tickMs: 10,
    adoptEveryMs: 30,
    headline: (v) => String(v.percent),
    ...(extra.maxFollowed === undefined ? {} : { maxFollowed: extra.maxFollowed }),
  });
  followers.push(f);
  return f;
}

const workerStore = () => createStatusStore(redis, prefix, 'tk');
const instanceKey = (owner: string) => `${prefix}:tk:instance:${owner}`;

describe('status takeover between bot replicas', () => {
  it('a status whose owner died is claimed by a live replica, which edits it on and shows the outcome once', async () => {
    const edits: Edit[] = [];
    const a = follower('a', edits);
    const b = follower('b', edits);
    views.set('j1', view('j1', 10));
    a.start();
    b.start();
    await a.follow('j1', { chat: 'c', msg: '7' }, 'queued');
    views.set('j1', view('j1', 20));
    await waitFor(() => edits.some((e) => e.by === 'a' && e.body === 'live 20'));
    expect(b.follows('j1')).toBe(false);

    // Replica A dies: its timers stop and its heartbeat lapses (here: is gone at once).
    await a.stop();
    expect(await redis.exists(instanceKey('a'))).toBe(0);
    await waitFor(() => b.follows('j1'), { what: 'replica B to take the status over' });
    expect((await workerStore().read('j1')).owner).toBe('b');
    const from = edits.length;
    views.set('j1', view('j1', 60));
    await waitFor(() => edits.slice(from).some((e) => e.by === 'b' && e.msg === '7' && e.body === 'live 60'));

    // The worker records the outcome; it finds B alive, so it leaves the message to B.
    const store = workerStore();
    await store.setFinal('j1', { kind: 'clip' });
    const record = await store.read('j1');
    expect(record.owner).toBe('b');
    expect(await store.isAlive('b')).toBe(true);
    await waitFor(() => !b.follows('j1'));
    expect(edits.filter((e) => e.body === 'final clip')).toEqual([{ by: 'b', msg: '7', body: 'final clip' }]);
    // Ended: nothing is left open, nor its handle.
    expect(await redis.zcard(`${prefix}:tk:open`)).toBe(0);
    expect(await redis.exists(`${prefix}:tk:handle:j1`)).toBe(0);
  });

  it('a heartbeat that lapses (no stop, no cleanup) is enough for a takeover', async () => {
    const edits: Edit[] = [];
    const a = follower('a', edits);
    views.set('j2', view('j2', 10));
    // A never starts its timers: it records the status, beats once with a short life, and goes silent.
    await a.follow('j2', { chat: 'c', msg: '8' }, 'queued');
    await workerStore().heartbeat('a', 300);
    const b = follower('b', edits);
    b.start();
    expect(await redis.exists(instanceKey('a'))).toBe(1);
    await waitFor(() => b.follows('j2'), { what: 'replica B to take the status over' });
    expect(await redis.exists(instanceKey('a'))).toBe(0);
    await waitFor(() => edits.some((e) => e.by === 'b' && e.msg === '8' && e.body === 'live 10'));
  });

  it('a replica whose status was taken over meanwhile (its heartbeat lapsed a while) stops editing it', async () => {
    const edits: Edit[] = [];
    const a = follower('a', edits);
    views.set('j6', view('j6', 10));
    a.start();
    await a.follow('j6', { chat: 'c', msg: '12' }, 'queued');
    await waitFor(() => edits.some((e) => e.body === 'live 10'));
    // Replica B, alive, took it over while A's heartbeat had lapsed.
    await workerStore().heartbeat('b', 60_000);
    await redis.hset(`${prefix}:tk:status:j6`, 'owner', 'b');
    await waitFor(() => !a.follows('j6'), { what: 'replica A to let the status go' });
    const from = edits.length;
    views.set('j6', view('j6', 50));
    await a.tick();
    expect(edits.slice(from)).toEqual([]);
    // It stays open, for its new owner.
    expect(await redis.zscore(`${prefix}:tk:open`, 'j6')).not.toBeNull();
  });

  it('two live replicas racing for one orphan: exactly one claims it', async () => {
    const store = workerStore();
    await store.attach('j3', { chatId: 'c', messageId: '9', owner: 'dead', handle: 'h:9' });
    const claims = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((r) => createStatusStore(redis, prefix, 'tk').claim('j3', 'dead', r)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['r1', 'r2', 'r3', 'r4'][claims.indexOf(true)];
    expect((await store.read('j3')).owner).toBe(winner);

    // The same through the followers' own looks, many times over: one follows each orphan.
    const edits: Edit[] = [];
    const racers = [follower('x', edits), follower('y', edits)];
    for (const r of ['x', 'y']) await store.heartbeat(r, 60_000);
    for (let i = 0; i < 20; i++)
      await store.attach(`r${i}`, { chatId: 'c', messageId: String(i), owner: 'dead', handle: `h:${i}` });
    await Promise.all(racers.map((f) => f.adopt()));
    await Promise.all(racers.map((f) => f.adopt()));
    for (let i = 0; i < 20; i++) {
      expect(racers.filter((f) => f.follows(`r${i}`))).toHaveLength(1);
      expect(['x', 'y']).toContain((await store.read(`r${i}`)).owner);
    }
  });

  it('a status with an outcome already recorded is not claimed (the worker showed it)', async () => {
    const store = workerStore();
    await store.attach('j4', { chatId: 'c', messageId: '10', owner: 'dead', handle: 'h:10' });
    await store.setFinal('j4', { kind: 'clip' });
    expect(await store.claim('j4', 'dead', 'b')).toBe(false);
    expect(await store.orphans(10)).toEqual([]);
  });

  it('an owner that is alive keeps its statuses', async () => {
    const store = workerStore();
    await store.heartbeat('alive', 60_000);
    await store.attach('j5', { chatId: 'c', messageId: '11', owner: 'alive', handle: 'h:11' });
    expect(await store.orphans(10)).toEqual([]);
    expect(await store.claim('j5', 'alive', 'b')).toBe(false);
    expect((await store.read('j5')).owner).toBe('alive');
  });
});

describe('the follower’s bound', () => {
  it('past its maximum, a status is recorded (without an owner) but not followed here, and another replica takes it', async () => {
    const edits: Edit[] = [];
    const a = follower('a', edits, { maxFollowed: 2 });
    for (const id of ['k1', 'k2', 'k3', 'k4']) {
      views.set(id, view(id, 5));
      await a.follow(id, { chat: 'c', msg: id }, 'queued');
    }
    expect(a.size).toBe(2);
    expect(a.follows('k1') && a.follows('k2')).toBe(true);
    const store = workerStore();
    for (const id of ['k3', 'k4']) {
      expect(a.follows(id)).toBe(false);
      const record = await store.read(id);
      expect(record).toEqual({ chatId: 'c', messageId: id });
    }
    // A full follower takes nothing over; one with room takes what A could not follow, and only that
    // (A is alive).
    await store.heartbeat('a', 60_000);
    await a.adopt();
    expect(a.size).toBe(2);
    const b = follower('b', edits);
    await b.adopt();
    expect(b.follows('k3') && b.follows('k4')).toBe(true);
    expect(b.follows('k1') || b.follows('k2')).toBe(false);
  });
});
