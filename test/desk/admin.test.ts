import { afterEach, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/core/request.js';
import type { AdminCommand } from '../../src/desk/admin.js';
import type { AdminReply } from '../../src/desk/admin-ops.js';
import { type CommunityStore, createCommunityStore } from '../../src/desk/community.js';
import type { Desk } from '../../src/desk/desk.js';
import { plainText } from '../../src/desk/docs.js';
import type { Caller, Place } from '../../src/desk/place.js';
import type { GenerateCommand } from '../../src/desk/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, type HarnessOptions, nothingQueued, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Safety in a community, decided on the desk for every platform: who may use the bot where, what
 * refuses a request before any charge, and what each `/admin` subcommand does. No chat platform is
 * involved; each bot's tests show its rendering of the same answers.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const person = (userId: string): Requester => ({ platform: 'discord', userId, displayName: userId });
const ann = person('101');
const bob = person('102');
const boss = person('900');
const op = person('999');
const g1: Place = { platform: 'discord', community: '1', channel: '11' };
const g2: Place = { platform: 'discord', community: '2', channel: '21' };
const dm: Place = { platform: 'discord' };

/** Whom the platform says is an admin: `boss` only. */
const caller = (requester: Requester, place: Place = g1, roles?: string[]): Caller => ({
  requester,
  place,
  ...(roles ? { roles } : {}),
  chatAdmin: async () => requester.userId === boss.userId,
});

interface Scene {
  t: Harness;
  desk: Desk;
  store: CommunityStore;
  ask(requester: Requester, extra?: Partial<GenerateCommand>): GenerateCommand;
  admin(
    who: Requester,
    sub: AdminCommand['sub'],
    args?: Record<string, string>,
    more?: Partial<AdminCommand>,
    place?: Place,
  ): Promise<AdminReply>;
  /** No job, no charge and no provider call since the scene began. */
  nothingCharged(): Promise<void>;
}

async function scene(options: HarnessOptions = {}, globalWords: string[] = []): Promise<Scene> {
  h = await startHarness({
    workers: false,
    providers: ['runninghub'],
    ...options,
    env: { REELAY_OPERATORS: `discord:${op.userId}`, QUOTA_DAILY_CREDITS: '1000', ...options.env },
  });
  const t = h;
  const desk = t.app.desk({}, { globalWords });
  const store = createCommunityStore(t.app.redis, t.prefix);
  return {
    t,
    desk,
    store,
    ask: (requester, extra = {}) => ({
      command: 'video',
      requester,
      place: g1,
      target: fileTarget(t.out(`${Math.random()}.mp4`)),
      prompt: 'a lighthouse in a storm',
      settings: { model: 'kling-2.5-turbo-pro' },
      attachments: [],
      ...extra,
    }),
    async admin(who, sub, args = {}, more = {}, place = g1) {
      const reply = await desk.admin(caller(who, place), { sub, args, ...more });
      if (reply === 'busy') throw new Error('busy');
      return reply;
    },
    nothingCharged: () => nothingQueued(t, ann),
  };
}

/** A reply's words, as plain text. */
const text = (reply: AdminReply): string =>
  [
    reply.doc.title,
    ...reply.doc.sections.flatMap((s) =>
      s.lines.map((l) =>
        plainText(l, (span) => ('ref' in span ? `<${span.ref}:${span.id}>` : JSON.stringify(span))),
      ),
    ),
  ].join('\n');

const refusal = async (desk: Desk, cmd: GenerateCommand) => {
  const r = await desk.submit(cmd);
  if (r.ok) throw new Error('accepted');
  return r.error;
};

describe('access: who the bot serves, where', () => {
  it('serves only the allowed servers, and private chats unless they are off; operators everywhere', async () => {
    const { desk, ask, nothingCharged } = await scene({
      env: { ALLOWED_DISCORD_GUILDS: '1', ALLOW_PRIVATE_CHATS: 'false' },
    });
    expect(await refusal(desk, ask(ann, { place: g2 }))).toEqual({ id: 'not-allowed-here' });
    expect(await refusal(desk, ask(ann, { place: dm }))).toEqual({ id: 'private-not-allowed' });
    await nothingCharged();
    expect((await desk.submit(ask(ann))).ok).toBe(true);
    expect((await desk.submit(ask(op, { place: g2 }))).ok).toBe(true);
    expect((await desk.submit(ask(op, { place: dm }))).ok).toBe(true);
  });

  it('tells a refused community once (`first`), and an allowed one nothing', async () => {
    const { desk } = await scene({ env: { ALLOWED_DISCORD_GUILDS: '1' } });
    expect(await desk.admission(caller(ann, g2))).toEqual({
      ok: false,
      error: { id: 'not-allowed-here' },
      first: true,
    });
    expect(await desk.admission(caller(bob, g2))).toMatchObject({ ok: false, first: false });
    expect(await desk.admission(caller(ann, g1))).toEqual({ ok: true });
  });
});

describe('the checks before any charge', () => {
  it('each refusal is specific and costs nothing: pauses, blocks, channels, models, words', async () => {
    const { desk, ask, admin, store, nothingCharged } = await scene({}, ['forbidden fruit']);
    await store.setServicePaused(true);
    expect(await refusal(desk, ask(ann))).toEqual({ id: 'service-paused' });
    await store.setServicePaused(false);
    await store.setBlockedEverywhere('discord:101', true);
    expect(await refusal(desk, ask(ann))).toEqual({ id: 'blocked-everywhere' });
    await store.setBlockedEverywhere('discord:101', false);

    expect((await admin(boss, 'pause')).ok).toBe(true);
    expect(await refusal(desk, ask(ann))).toEqual({ id: 'paused-here' });
    expect((await admin(boss, 'resume')).ok).toBe(true);

    expect((await admin(boss, 'block', {}, { user: ann })).ok).toBe(true);
    expect(await refusal(desk, ask(ann))).toEqual({ id: 'blocked-here' });
    expect((await admin(boss, 'unblock', {}, { user: ann })).ok).toBe(true);

    expect((await admin(boss, 'channels', { action: 'allow' }, { channel: { id: '12' } })).ok).toBe(true);
    expect(await refusal(desk, ask(ann))).toEqual({ id: 'channel-not-allowed' });
    expect((await admin(boss, 'channels', { action: 'deny' }, { channel: { id: '12' } })).ok).toBe(true);

    expect((await admin(boss, 'models', { action: 'deny', model: 'kling-2.5-turbo-pro' })).ok).toBe(true);
    expect(await refusal(desk, ask(ann))).toEqual({
      id: 'model-not-allowed',
      details: {
        model: 'kling-2.5-turbo-pro',
        models: [
          'kling-o1',
          'kling-o3-pro',
          'kling-o3-std',
          'kling-3.0-pro',
          'kling-3.0-std',
          'kling-2.6-pro',
          'kling-2.1-master',
          'sora-2',
          'sora-2-pro',
          'veo-3.1-pro',
          'veo-3.1-fast',
          'hailuo-2.3-pro',
          'hailuo-2.3',
          'hailuo-02-pro',
          'hailuo-02',
          'vidu-q3-pro',
          'vidu-q3-turbo',
          'wan-2.6',
          'seedance-1.5-pro',
        ],
      },
    });
    expect((await admin(boss, 'models', { action: 'allow', model: 'kling-2.5-turbo-pro' })).ok).toBe(true);

    expect((await admin(boss, 'words', { action: 'add', word: 'Gore' })).ok).toBe(true);
    expect(await refusal(desk, ask(ann, { prompt: 'a lot of GÖRE, everywhere' }))).toEqual({
      id: 'blocked-word',
      details: { word: 'Gore' },
    });
    // The operator's list applies on every server, in the negative prompt too.
    expect(
      await refusal(
        desk,
        ask(ann, { place: g2, prompt: 'a garden', settings: { negativePrompt: 'Forbidden  Fruit' } }),
      ),
    ).toEqual({
      id: 'blocked-word',
      details: { word: 'forbidden fruit' },
    });
    await nothingCharged();
    // A word inside another word is not a match.
    expect((await desk.submit(ask(ann, { prompt: 'a gorey gorge' }))).ok).toBe(true);
  });

  it('/quota says why there are no credits here: paused, blocked, not allowed', async () => {
    const { desk, admin } = await scene({ env: { ALLOWED_DISCORD_GUILDS: '1' } });
    expect((await admin(boss, 'pause')).ok).toBe(true);
    expect(await desk.quota(caller(ann))).toEqual({ kind: 'closed', reason: { id: 'paused-here' } });
    expect(await desk.quota(caller(ann, g2))).toEqual({ kind: 'closed', reason: { id: 'not-allowed-here' } });
    expect(await desk.quota(caller(op))).toMatchObject({ kind: 'open', limit: 1000 });
  });

  it('the ceilings: in flight, cooldown, member credits, server budget, service cap', async () => {
    const s = await scene({
      env: { USER_MAX_IN_FLIGHT: '2', USER_COOLDOWN_S: '30', SPEND_CAP_DAILY_CREDITS: '1000' },
    });
    const { desk, ask, admin } = s;
    expect((await desk.submit(ask(ann))).ok).toBe(true);
    expect(await refusal(desk, ask(ann))).toMatchObject({ id: 'cooldown' });
    expect((await desk.submit(ask(bob))).ok).toBe(true);
    // 175 + 175 spent; a server budget of 500 leaves 150: a 175 clip no longer fits.
    expect((await admin(boss, 'budget', { credits: '500' })).ok).toBe(true);
    expect(await refusal(desk, ask(boss))).toMatchObject({
      id: 'community-budget',
      details: { limit: 500, used: 350, credits: 175 },
    });
    // Elsewhere the service cap (1000) still has room for 560, then not for 175 more.
    expect(
      (
        await desk.submit(
          ask(boss, { place: g2, settings: { model: 'kling-o1', quality: 'pro', duration: 10 } }),
        )
      ).ok,
    ).toBe(true);
    expect(await refusal(desk, ask(op, { place: g2 }))).toMatchObject({ id: 'service-cap' });
    expect(s.t.rh.submitCount()).toBe(0);
  });
});

describe('races', () => {
  /** 500 members each send one request at once; how many the desk took, and how many jobs exist. */
  async function burst(
    s: Scene,
    place: Place,
  ): Promise<{ accepted: number; refusals: string[]; jobs: number }> {
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => s.desk.submit(s.ask(person(String(10_000 + i)), { place }))),
    );
    const counts = await s.t.app.queues.generate.getJobCounts('waiting', 'delayed', 'active');
    return {
      accepted: results.filter((r) => r.ok).length,
      refusals: [...new Set(results.flatMap((r) => (r.ok ? [] : [r.error.id])))],
      jobs: Object.values(counts).reduce((a, b) => a + b, 0),
    };
  }

  it('500 members at once against a service cap worth exactly 7 clips: exactly 7 are taken', async () => {
    const s = await scene({ env: { SPEND_CAP_DAILY_CREDITS: String(7 * 175) } });
    expect(await burst(s, g1)).toEqual({ accepted: 7, refusals: ['service-cap'], jobs: 7 });
    expect((await s.t.app.credits.spend(1))[0]?.used).toBe(7 * 175);
  });

  it('500 members at once against a server budget worth exactly 7 clips: exactly 7 are taken', async () => {
    const s = await scene();
    expect((await s.admin(boss, 'budget', { credits: String(7 * 175 + 174) })).ok).toBe(true);
    expect(await burst(s, g1)).toEqual({ accepted: 7, refusals: ['community-budget'], jobs: 7 });
    expect(await s.t.app.credits.communityUsed('discord:1')).toBe(7 * 175);
  });
});

describe('/admin', () => {
  it('refuses members, and in private chats everyone but operators; operators may do it anywhere', async () => {
    const { admin } = await scene();
    expect(await admin(ann, 'settings')).toMatchObject({ ok: false });
    expect(text(await admin(ann, 'limit', { credits: '5' }))).toContain(
      'Only admins of this server or group can do that.',
    );
    expect(await admin(boss, 'settings', {}, {}, dm)).toMatchObject({ ok: false });
    expect(await admin(boss, 'settings')).toMatchObject({ ok: true });
    expect(await admin(op, 'settings', {}, {}, dm)).toMatchObject({ ok: true });
    expect(await admin(op, 'limit', { credits: '500' }, {}, g2)).toMatchObject({ ok: true });
  });

  it('limit and tiers set the member credits /quota shows; another server is untouched', async () => {
    const { desk, admin } = await scene();
    expect(text(await admin(boss, 'limit', { credits: '1,750' }))).toContain(
      'Each member now gets 1,750 credits per day.',
    );
    expect(
      text(await admin(boss, 'tier', { credits: '3500' }, { role: { id: '77', name: 'Patrons' } })),
    ).toContain('3,500 credits');
    const quota = async (c: Caller) => {
      const q = await desk.quota(c);
      if (q === 'busy' || q.kind === 'closed') throw new Error('no quota');
      return q;
    };
    expect(await quota(caller(ann))).toMatchObject({ limit: 1750, left: 1750, clip: { credits: 175 } });
    expect(await quota(caller(ann, g1, ['5', '77']))).toMatchObject({ limit: 3500 });
    expect(await quota(caller(ann, g2, ['77']))).toMatchObject({ limit: 1000 });
    expect(text(await admin(boss, 'limit', { credits: 'off' }))).toContain('default 1,000 credits');
    expect(await quota(caller(ann))).toMatchObject({ limit: 1000 });
    expect(text(await admin(boss, 'settings'))).toMatch(/Role tiers: <role:77> 3,500/);
  });

  it('bad arguments get a specific reply and change nothing', async () => {
    const { admin, store } = await scene();
    expect(text(await admin(boss, 'limit', { credits: 'lots' }))).toContain(
      'Usage: /admin limit <credits|off>',
    );
    expect(text(await admin(boss, 'models', { action: 'deny', model: 'kling-9' }))).toContain(
      'There is no model called "kling-9".',
    );
    expect(text(await admin(boss, 'words', { action: 'add' }))).toContain('Usage: /admin words');
    expect(text(await admin(boss, 'cancel', { job: 'nope-nope-nope' }))).toContain("I can't find a job");
    expect(await store.settings('discord:1')).toMatchObject({ deniedModels: [], blockedWords: [] });
    expect((await store.settings('discord:1')).memberCredits).toBeUndefined();
  });

  it('reset gives a member back today’s credits; cancel stops anyone’s job here, not elsewhere; stats and the ledger see it all', async () => {
    const { t, desk, ask, admin } = await scene({ env: { USER_MAX_IN_FLIGHT: '10' } });
    const a = await desk.submit(ask(ann));
    const b = await desk.submit(ask(bob, { place: g2 }));
    if (!a.ok || !b.ok) throw new Error('refused');
    expect((await t.app.credits.usage('discord:101', 'discord:1')).used).toBe(175);
    expect(text(await admin(boss, 'reset', {}, { user: ann }))).toContain('has 175 credits back for today');
    expect((await t.app.credits.usage('discord:101', 'discord:1')).used).toBe(0);
    // The spend stays in the server's budget: it was spent.
    expect(await t.app.credits.communityUsed('discord:1')).toBe(175);

    expect(text(await admin(boss, 'cancel', { job: b.value.jobId }))).toContain('was not made here');
    expect(text(await admin(boss, 'cancel', { job: a.value.jobId }))).toContain(
      `Cancelling job ${a.value.jobId}`,
    );
    t.app.startWorkers();
    await waitFor(
      async () => ((await t.app.queues.generate.getJobState(a.value.jobId)) === 'failed' ? true : undefined),
      {
        what: 'the cancelled job to end',
      },
    );
    const stats = text(await admin(boss, 'stats'));
    expect(stats).toContain('Clips made: 0');
    expect(stats).toMatch(/cancelled: 1/);
    const ledger = await t.app.credits.ledger(0);
    expect(ledger.filter((e) => e.op === 'admin').map((e) => [e.what, e.by, e.community])).toEqual([
      ['reset', 'discord:900', 'discord:1'],
      ['cancel', 'discord:900', 'discord:1'],
    ]);
    expect(ledger.find((e) => e.op === 'refund' && e.job === a.value.jobId)).toMatchObject({
      what: 'cancelled',
      credits: 175,
    });
  });

  it('words: list, add, remove; settings show them; the list is per server', async () => {
    const { admin } = await scene();
    expect(text(await admin(boss, 'words'))).toContain('None.');
    expect(text(await admin(boss, 'words', { action: 'add', word: 'hot dog' }))).toContain(
      '"hot dog" is blocked here.',
    );
    expect(text(await admin(boss, 'words', { action: 'add', word: 'HOT DOG' }))).toContain('already blocked');
    expect(text(await admin(boss, 'words'))).toContain('hot dog');
    expect(text(await admin(op, 'words', {}, {}, g2))).toContain('None.');
    expect(text(await admin(boss, 'words', { action: 'remove', word: 'hot dog' }))).toContain(
      'no longer blocked',
    );
  });
});
