import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationRequest, Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import type { ChargeTerms } from '../../src/jobs/intake.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The refund test of issue 9, through the real pipeline (intake, queues, workers, both provider
 * fakes): after a mixed run of clips made, clips the provider failed, clips cancelled before the
 * provider took them and clips stopped after, every counter — member, community, service — holds
 * exactly the credits of the clips actually charged.
 */

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alice: Requester = { platform: 'discord', userId: 'alice' };
const bob: Requester = { platform: 'discord', userId: 'bob' };
const carol: Requester = { platform: 'telegram', userId: '3003' };

const guild: ChargeTerms = { community: 'discord:g1', memberLimit: 100_000, communityBudget: 100_000 };
const group: ChargeTerms = { community: 'telegram:-1001', memberLimit: 100_000 };

interface Run {
  jobId: string;
  requester: Requester;
  /** The community charged (the private one of the platform when no terms were given). */
  community: string;
  credits: number;
  /** Whether the money rule keeps the credits. */
  charged: boolean;
  outcome: string;
}

describe('credits through the pipeline', () => {
  it('after clips made, failed, cancelled and stopped, every counter holds the credits actually charged', async () => {
    const t = await startHarness({ pollsToComplete: 2 });
    h = t;
    const runs: Run[] = [];
    let n = 0;

    async function submit(
      requester: Requester,
      request: GenerationRequest,
      terms?: ChargeTerms,
    ): Promise<{ jobId: string; credits: number; community: string }> {
      n += 1;
      const accepted = await t.app.intake.submit(
        request,
        requester,
        fileTarget(t.out(`clip-${n}.mp4`)),
        terms ? { charge: terms } : {},
      );
      if (!accepted.ok) throw new Error(`refused: ${accepted.error.id}`);
      return {
        jobId: accepted.value.jobId,
        credits: accepted.value.request.credits,
        community: terms?.community ?? `${requester.platform}:private`,
      };
    }
    const record = (
      requester: Requester,
      job: { jobId: string; credits: number; community: string },
      charged: boolean,
      outcome: string,
    ) => runs.push({ ...job, requester, charged, outcome });

    // 1. Clips made, at once, by three members in three places: all charged.
    const made = await Promise.all([
      submit(alice, { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' }, guild),
      submit(bob, { model: 'kling-o1', prompt: 'a paper boat', quality: 'pro', duration: 10 }, guild),
      submit(carol, { model: 'kling-2.5-turbo-pro', prompt: 'neon rain', duration: 10 }, group),
      submit(alice, { model: 'kling-o1', prompt: 'in a private chat' }),
    ]);
    for (const job of made) expect((await t.finished(job.jobId)).state).toBe('completed');
    made.forEach((job, i) => void record([alice, bob, carol, alice][i]!, job, true, 'clip'));
    expect(made.map((j) => j.credits)).toEqual([175, 560, 350, 210]);

    // 2. Failures the provider reports: refunded.
    t.rh.server.inject('content-rejected', { on: 'submit' });
    const rejected = await submit(alice, { model: 'kling-o1', prompt: 'forbidden', quality: 'pro' }, guild);
    let done = await t.finished(rejected.jobId);
    expect(done.job.failedReason).toBe('content-rejected');
    expect(done.deliver?.data.outcome).toMatchObject({ refunded: true });
    record(alice, rejected, false, 'content-rejected');

    // RunningHub refuses our account, the job moves to Runware, whose task then fails.
    t.rh.server.inject('bad-key', { on: 'submit' });
    t.rw.server.inject('task-failed', { on: 'query' });
    const failed = await submit(carol, { model: 'kling-2.5-turbo-pro', prompt: 'two providers' }, group);
    done = await t.finished(failed.jobId);
    expect(done.job.failedReason).toBe('generation-failed');
    expect(done.deliver?.data.outcome).toMatchObject({ refunded: true });
    expect(t.rw.submitCount()).toBe(1);
    record(carol, failed, false, 'generation-failed');

    // 3. Cancelled before the provider took the task (its image upload held): refunded. The
    // second is cancelled by an admin, who may stop anyone's job.
    const image = (seed: number) => ({
      source: { kind: 'url', id: t.files.put(`f${seed}.png`, makePng(320, 400, seed), 'image/png') },
      contentType: 'image/png',
    });
    for (const [who, canceller, asAdmin] of [
      [bob, bob, false],
      [carol, { platform: 'telegram', userId: '9999' }, true],
    ] as const) {
      t.rh.server.hold('upload');
      const terms = who === bob ? guild : group;
      const job = await submit(
        who,
        { model: 'kling-2.5-turbo-pro', prompt: 'never mind', duration: 10, firstFrame: image(n) },
        terms,
      );
      const held = await t.rh.server.nextHeld();
      expect(await t.app.intake.cancel(job.jobId, canceller, { asAdmin })).toBe('cancelling');
      held.release();
      done = await t.finished(job.jobId);
      expect(done.job.failedReason).toBe('cancelled');
      expect(done.deliver?.data.outcome).toMatchObject({ refunded: true });
      record(who, job, false, 'cancelled');
    }
    // Without the right, someone else's job is not theirs to stop.
    t.rh.server.hold('upload');
    const notYours = await submit(
      bob,
      { model: 'kling-2.5-turbo-pro', prompt: 'mine', firstFrame: image(n) },
      guild,
    );
    const heldAgain = await t.rh.server.nextHeld();
    expect(await t.app.intake.cancel(notYours.jobId, alice)).toBe('not-yours');
    heldAgain.release();
    expect((await t.finished(notYours.jobId)).state).toBe('completed');
    record(bob, notYours, true, 'clip');

    // 4. Stopped after the provider took the task: the credits stay spent.
    t.rh.pollsToComplete = 10_000;
    const stopped = await Promise.all([
      submit(alice, { model: 'kling-2.5-turbo-pro', prompt: 'stop me', duration: 10 }, guild),
      submit(carol, { model: 'kling-o1', prompt: 'stop me too' }),
    ]);
    for (const [i, job] of stopped.entries()) {
      const who = [alice, carol][i]!;
      await waitFor(async () => (await t.app.queues.generate.getJob(job.jobId))?.data.state.step === 'poll', {
        what: 'the provider to have the task',
      });
      expect(await t.app.intake.cancel(job.jobId, who)).toBe('stopping');
      done = await t.finished(job.jobId);
      expect(done.job.failedReason).toBe('cancelled');
      expect(done.deliver?.data.outcome).toMatchObject({ refunded: false });
      record(who, job, true, 'cancelled');
    }
    t.rh.pollsToComplete = 2;

    // Every counter equals the credits of the clips actually charged.
    const sum = (filter: (r: Run) => boolean) =>
      runs.filter((r) => r.charged && filter(r)).reduce((total, r) => total + r.credits, 0);
    const key = (r: Requester) => `${r.platform}:${r.userId}`;
    const members = new Set(runs.map((r) => `${key(r.requester)}|${r.community}`));
    expect(members.size).toBe(5);
    for (const member of members) {
      const [user, community] = member.split('|') as [string, string];
      const usage = await t.app.credits.usage(user, community);
      expect({ member, ...usage }).toMatchObject({
        member,
        used: sum((r) => key(r.requester) === user && r.community === community),
        inFlight: 0,
      });
    }
    for (const community of new Set(runs.map((r) => r.community))) {
      expect({ community, used: await t.app.credits.communityUsed(community) }).toEqual({
        community,
        used: sum((r) => r.community === community),
      });
    }
    const total = sum(() => true);
    expect(total).toBe(175 + 560 + 350 + 210 + 175 + 350 + 210);
    expect(await t.app.credits.spend(1)).toEqual([
      expect.objectContaining({ used: total, committed: total }),
    ]);

    // The ledger tells the same story: a reserve per job, a commit per charge, a refund per refund.
    const ledger = await t.app.credits.ledger(0);
    expect(ledger.filter((e) => e.op === 'reserve')).toHaveLength(runs.length);
    const settled = (op: 'commit' | 'refund') =>
      ledger
        .filter((e) => e.op === op)
        .map((e) => `${e.job} ${e.what} ${e.credits}`)
        .sort();
    const expected = (charged: boolean) =>
      runs
        .filter((r) => r.charged === charged)
        .map((r) => `${r.jobId} ${r.outcome} ${r.credits}`)
        .sort();
    expect(settled('commit')).toEqual(expected(true));
    expect(settled('refund')).toEqual(expected(false));

    // And each member's history: the made clip keeps its link for /history.
    const history = await t.app.credits.history(key(alice), 10);
    const alices = runs.filter((r) => key(r.requester) === key(alice)).map((r) => r.jobId);
    expect(history.map((e) => e.jobId).sort()).toEqual([...alices].sort());
    // Newest first: the one stopped last leads.
    expect(history[0]?.jobId).toBe(stopped[0]!.jobId);
    const clip = history.find((e) => e.jobId === made[0]!.jobId)!;
    expect(clip).toMatchObject({
      state: 'committed',
      outcome: 'clip',
      credits: 175,
      community: 'discord:g1',
    });
    expect(clip.url).toMatch(/^http/);
    expect(clip.expiresAt).toBeGreaterThan(Date.now());
    expect(await t.app.credits.communityOf(made[0]!.jobId)).toBe('discord:g1');
  });
});

describe('intake refusals', () => {
  const fox: GenerationRequest = { model: 'kling-2.5-turbo-pro', prompt: 'a fox in the snow' };
  const midnight = () => Math.floor(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;

  it('each ceiling is a specific error with what its message needs, and takes nothing', async () => {
    const t = await startHarness({
      workers: false,
      env: { USER_MAX_IN_FLIGHT: '1', SPEND_CAP_DAILY_CREDITS: '400' },
    });
    h = t;
    const submit = (who: Requester, terms?: ChargeTerms | false, request = fox) =>
      t.app.intake.submit(
        request,
        who,
        fileTarget(t.out('x.mp4')),
        terms === undefined ? {} : { charge: terms },
      );

    expect(await submit(alice, { community: 'discord:g1', memberLimit: 0 })).toEqual({
      ok: false,
      error: { id: 'quota-closed' },
    });
    expect(await submit(alice, { community: 'discord:g1', memberLimit: 100 })).toEqual({
      ok: false,
      error: { id: 'quota-exhausted', details: { limit: 100, used: 0, credits: 175, resetsAt: midnight() } },
    });
    expect(
      await submit(alice, { community: 'discord:g1', memberLimit: 1_000, communityBudget: 100 }),
    ).toEqual({
      ok: false,
      error: { id: 'community-budget', details: { limit: 100, used: 0, credits: 175, resetsAt: midnight() } },
    });
    // The default terms: the platform's private chats, under the default member limit (5 clips).
    expect((await submit(alice)).ok).toBe(true);
    expect(await t.app.credits.usage('discord:alice', 'discord:private')).toMatchObject({
      used: 175,
      inFlight: 1,
    });
    expect(await submit(alice)).toEqual({
      ok: false,
      error: { id: 'too-many-in-flight', details: { limit: 1 } },
    });
    expect((await submit(bob, guild)).ok).toBe(true);
    // 350 of the service's 400 are taken: a third clip does not fit.
    expect(await submit(carol, group)).toEqual({
      ok: false,
      error: { id: 'service-cap', details: { resetsAt: midnight() } },
    });
    // The operator's command line is never charged, nor capped.
    expect((await submit(carol, false)).ok).toBe(true);
    expect(await t.app.credits.spend(1)).toEqual([expect.objectContaining({ used: 350 })]);
    expect(await t.app.queues.generate.count()).toBe(3);
  });

  it('a cooldown says when it clears', async () => {
    const t = await startHarness({ workers: false, env: { USER_COOLDOWN_S: '60' } });
    h = t;
    const before = Date.now();
    expect((await t.app.intake.submit(fox, alice, fileTarget(t.out('a.mp4')))).ok).toBe(true);
    const refused = await t.app.intake.submit(fox, alice, fileTarget(t.out('b.mp4')));
    expect(refused.ok === false && refused.error.id).toBe('cooldown');
    const clearsAt = refused.ok ? 0 : Number(refused.error.details?.clearsAt);
    expect(clearsAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(clearsAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await t.app.intake.submit(fox, bob, fileTarget(t.out('c.mp4')))).ok).toBe(true);
  });
});
