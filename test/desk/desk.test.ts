import { afterEach, describe, expect, it } from 'vitest';
import type { MediaSource } from '../../src/core/ports.js';
import type { Requester } from '../../src/core/request.js';
import { AGAIN_TTL_S, createAgainStore } from '../../src/desk/again.js';
import type { Desk } from '../../src/desk/desk.js';
import type { Caller } from '../../src/desk/place.js';
import type { GenerateCommand } from '../../src/desk/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, type HarnessOptions, startHarness } from '../helpers/harness.js';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The front desk against the real intake, queues and workers, with no chat platform at all: what
 * every platform shows is decided here.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ann: Requester = { platform: 'chat', userId: 'ann' };
/** Someone in the chat group `g1`. */
const inGroup = (requester: Requester): Caller => ({
  requester,
  place: { platform: 'chat', community: 'g1' },
});

async function scene(options: HarnessOptions = {}, sources: Record<string, MediaSource> = {}) {
  h = await startHarness({ providers: ['runninghub'], ...options });
  const t = h;
  const desk: Desk = t.app.desk(sources);
  const ask = (extra: Partial<GenerateCommand> = {}): GenerateCommand => ({
    command: 'video',
    requester: ann,
    place: { platform: 'chat', community: 'g1' },
    target: fileTarget(t.out(`${Math.random()}.mp4`)),
    prompt: 'a lighthouse in a storm',
    settings: { model: 'kling-o1' },
    attachments: [],
    ...extra,
  });
  return { t, desk, ask };
}

describe('the status view, computed from the job', () => {
  it('the place in line moves up as the jobs ahead leave the line', async () => {
    const { t, desk, ask } = await scene({ workers: false, env: { QUOTA_DAILY_VIDEOS: '10' } });
    const ids: string[] = [];
    for (const userId of ['a', 'b', 'c']) {
      const accepted = await desk.submit(ask({ requester: { platform: 'chat', userId } }));
      if (!accepted.ok) throw new Error(accepted.error.id);
      expect(accepted.value.view).toMatchObject({ state: 'queued', position: ids.length + 1, paid: false });
      ids.push(accepted.value.jobId);
    }
    expect((await desk.status(ids[2]!))?.position).toBe(3);
    await (await t.app.queues.generate.getJob(ids[0]!))?.remove();
    expect((await desk.status(ids[1]!))?.position).toBe(1);
    expect((await desk.status(ids[2]!))?.position).toBe(2);
  });

  it('shows the phase, percent and ETA while generating, and that the provider now has it (paid)', async () => {
    const { desk, ask } = await scene({ pollsToComplete: 40, env: { POLL_INTERVAL_MS: '200' } });
    const accepted = await desk.submit(ask());
    if (!accepted.ok) throw new Error(accepted.error.id);
    const view = await waitFor(
      async () => {
        const v = await desk.status(accepted.value.jobId);
        return v?.state === 'generating' && v.percent !== undefined && v.percent > 0 ? v : undefined;
      },
      { what: 'the job to be generating with progress' },
    );
    expect(view.paid).toBe(true);
    expect(view.etaAt).toBeGreaterThan(view.at);
    expect(view.elapsedMs).toBeGreaterThan(0);
    expect(view.cancelling).toBe(false);
    expect(await desk.cancel(accepted.value.jobId, ann)).toBe('stopping');
    expect((await desk.status(accepted.value.jobId))?.cancelling).toBe(true);
  });
});

describe('/cancel', () => {
  it('nothing to stop; one job stopped at once; several offered as a choice; all of them', async () => {
    const { desk, ask } = await scene({ workers: false });
    expect(await desk.cancelMine(ann)).toEqual({ kind: 'none' });
    const one = await desk.submit(ask());
    if (!one.ok) throw new Error(one.error.id);
    const stopped = await desk.cancelMine(ann);
    expect(stopped).toMatchObject({ kind: 'stopped', results: [{ outcome: 'cancelling' }] });
    const [a, b] = [await desk.submit(ask()), await desk.submit(ask())];
    if (!a.ok || !b.ok) throw new Error('refused');
    const choice = await desk.cancelMine(ann);
    expect(choice.kind).toBe('choose');
    if (choice.kind !== 'choose') return;
    expect(choice.jobs.map((j) => j.jobId).sort()).toEqual([a.value.jobId, b.value.jobId].sort());
    expect(await desk.cancelAll(ann)).toMatchObject({ kind: 'stopped', results: [{}, {}] });
    expect(await desk.cancelMine({ platform: 'chat', userId: 'bob' })).toEqual({ kind: 'none' });
  });
});

describe('Again', () => {
  it('keeps the request three days, apart from the job, and makes the clip again from it', async () => {
    const { t, desk, ask } = await scene({ providers: ['runninghub'] });
    const image = t.files.put('a.png', makePng(640, 480, 5), 'image/png');
    const first = await desk.submit(
      ask({
        attachments: [
          { ref: { source: { kind: 'url', id: image }, contentType: 'image/png' }, kind: 'image' },
        ],
      }),
    );
    if (!first.ok) throw new Error(first.error.id);
    expect((await t.finished(first.value.jobId)).state).toBe('completed');
    const ttl = await createAgainStore(t.app.redis, t.prefix).ttl(first.value.jobId);
    expect(ttl).toBeGreaterThan(AGAIN_TTL_S - 60);
    expect(ttl).toBeGreaterThan(24 * 3600);
    // The queue may drop a finished job early under load: Again does not need it.
    await (await t.app.queues.generate.getJob(first.value.jobId))?.remove();
    const bob: Requester = { platform: 'chat', userId: 'bob' };
    const again = await desk.again(first.value.jobId, inGroup(bob), fileTarget(t.out('again.mp4')));
    if (!again.ok) throw new Error(again.error.id);
    expect((await t.finished(again.value.jobId)).state).toBe('completed');
    const [one, two] = t.rh.submitted();
    const { firstImageUrl: _a, ...settings } = one ?? {};
    const { firstImageUrl: _b, ...again2 } = two ?? {};
    // The same settings, and the same image bytes uploaded again.
    expect(again2).toEqual(settings);
    const [x, y] = t.rh.tasks().map((task) => t.rh.inputsOf(task.taskId).firstImageUrl?.[0]?.bytes);
    expect(y).toEqual(x);
    expect(y).toBeDefined();
    // Under the quota of whoever pressed it.
    expect(await t.app.credits.usage('chat:bob', 'chat:g1')).toMatchObject({ used: 210 });
  });

  it('asks the inputs’ source first: a fresh link is used, and gone inputs are said so, with nothing charged', async () => {
    let gone = false;
    const source: MediaSource = {
      fetch: () => Promise.reject(new Error('not used')),
      refresh: async (refs) => refs.map((r) => (gone ? undefined : { kind: 'chat', id: `${r.id}?fresh` })),
    };
    const { t, desk, ask } = await scene({ workers: false }, { chat: source });
    const first = await desk.submit(
      ask({
        attachments: [
          { ref: { source: { kind: 'chat', id: 'photo' }, contentType: 'image/png' }, kind: 'image' },
        ],
      }),
    );
    if (!first.ok) throw new Error(first.error.id);
    const again = await desk.again(first.value.jobId, inGroup(ann), fileTarget(t.out('x.mp4')));
    expect(again.ok && again.value.request.images.first?.source).toEqual({ kind: 'chat', id: 'photo?fresh' });
    gone = true;
    const before = (await t.app.credits.usage('chat:ann', 'chat:g1')).used;
    expect(await desk.again(first.value.jobId, inGroup(ann), fileTarget(t.out('y.mp4')))).toEqual({
      ok: false,
      error: { id: 'inputs-gone' },
    });
    expect((await t.app.credits.usage('chat:ann', 'chat:g1')).used).toBe(before);
    expect(await desk.again('no-such-job-1', inGroup(ann), fileTarget(t.out('z.mp4')))).toEqual({
      ok: false,
      error: { id: 'again-expired' },
    });
    // A forged button elsewhere: another server, another platform, a private chat.
    gone = false;
    for (const place of [
      { platform: 'chat', community: 'g2' },
      { platform: 'other', community: 'g1' },
      { platform: 'chat' },
    ]) {
      expect(
        await desk.again(first.value.jobId, { requester: ann, place }, fileTarget(t.out('w.mp4'))),
      ).toEqual({
        ok: false,
        error: { id: 'again-elsewhere' },
      });
    }
    expect((await t.app.credits.usage('chat:ann', 'chat:g1')).used).toBe(before);
  });
});

describe('/quota', () => {
  it('with a daily limit of 0 it is closed, and /video is refused in the same words', async () => {
    const { desk, ask } = await scene({ workers: false, env: { QUOTA_DAILY_VIDEOS: '0' } });
    expect(await desk.quota(inGroup(ann))).toEqual({ kind: 'closed' });
    expect(await desk.submit(ask())).toEqual({ ok: false, error: { id: 'quota-closed' } });
  });
});
