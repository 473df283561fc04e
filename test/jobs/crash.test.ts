import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, type HarnessOptions, memberUsage, startHarness } from '../helpers/harness.js';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';

const alice: Requester = { platform: 'telegram', userId: '42' };
const WORKER = new URL('../helpers/worker-process.ts', import.meta.url).pathname;

let h: Harness | undefined;

async function harness(options: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.close();
  h = undefined;
});

/** Starts a worker process on the harness's Redis prefix and fakes; resolves once it is ready. */
async function spawnWorker(t: Harness): Promise<ChildProcess> {
  const child = fork(WORKER, [], {
    env: { ...process.env, ...t.env, LOG_LEVEL: 'silent' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** The one-clip, one-submit, one-charge, one-delivery outcome every crash must still reach. */
async function expectOneOfEverything(
  t: Harness,
  jobId: string,
  out: string,
  fake: Harness['rh'] | Harness['rw'],
) {
  const done = await t.finished(jobId, 30_000);
  expect(done.state).toBe('completed');
  expect(fake.submitCount()).toBe(1);
  expect(await memberUsage(t.app, 'telegram:42')).toEqual({
    used: done.job.data.request.credits,
    inFlight: 0,
  });
  expect(await t.app.credits.spend(1)).toEqual([
    expect.objectContaining({
      used: done.job.data.request.credits,
      committed: done.job.data.request.credits,
    }),
  ]);
  expect(await readFile(out)).toEqual(fake.video);
  expect(
    await t.app.queues.deliver.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'),
  ).toMatchObject({
    completed: 1,
    failed: 0,
    waiting: 0,
    active: 0,
    delayed: 0,
  });
  expect(fake.server.requestsOf('download')).toHaveLength(1);
}

describe('a worker killed with SIGKILL mid-job leaves the job to another, which finishes it', () => {
  it('killed while a RunningHub poll is in flight', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const out = t.out('clip.mp4');
    t.rh.server.hold('query');
    const first = await spawnWorker(t);
    const accepted = await t.app.intake.submit(
      {
        model: 'kling-2.5-turbo-pro',
        prompt: 'survive the crash',
        firstFrame: { source: { kind: 'url', id: t.files.put('a.png', makePng(400, 400, 7)) } },
      },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const held = await t.rh.server.nextHeld();
    expect(held.request.kind).toBe('query');
    await kill(first);
    held.release();
    await spawnWorker(t);
    await expectOneOfEverything(t, accepted.value.jobId, out, t.rh);
  });

  it('killed between two steps (while the job waits between polls)', async () => {
    const t = await harness({
      providers: ['runninghub'],
      workers: false,
      pollsToComplete: 4,
      env: { POLL_INTERVAL_MS: '1500' },
    });
    const out = t.out('clip.mp4');
    const first = await spawnWorker(t);
    const accepted = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'between steps' },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const { jobId } = accepted.value;
    await waitFor(
      async () =>
        t.rh.server.requestsOf('query').length >= 1 &&
        (await (await t.app.queues.generate.getJob(jobId))?.getState()) === 'delayed',
    );
    await kill(first);
    await spawnWorker(t);
    await expectOneOfEverything(t, jobId, out, t.rh);
  });

  it('killed while uploading an input (mid-prepare): the next worker prepares again and submits once', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const out = t.out('clip.mp4');
    t.rh.server.hold('upload');
    const first = await spawnWorker(t);
    const bytes = makePng(400, 400, 9);
    const accepted = await t.app.intake.submit(
      {
        model: 'kling-2.5-turbo-pro',
        prompt: 'mid upload',
        firstFrame: { source: { kind: 'url', id: t.files.put('b.png', bytes) } },
      },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const held = await t.rh.server.nextHeld();
    await kill(first);
    held.release();
    await spawnWorker(t);
    await expectOneOfEverything(t, accepted.value.jobId, out, t.rh);
    const submitted = t.rh.submitted()[0]!;
    const used = t.rh.media().find((m) => m.handle === submitted.firstImageUrl);
    expect(used?.bytes).toEqual(bytes);
  });

  it('Runware: killed during submit, the resumed job asks for its own taskUUID instead of submitting again', async () => {
    const t = await harness({ providers: ['runware'], workers: false });
    const out = t.out('clip.mp4');
    t.rw.server.hold('submit');
    const first = await spawnWorker(t);
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'resume by uuid' },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const held = await t.rw.server.nextHeld();
    const job = await t.app.queues.generate.getJob(accepted.value.jobId);
    const saved = job?.data.state.step === 'submit' ? job.data.state.clientTaskId : undefined;
    // Our taskUUID was saved before the submit left.
    expect(saved).toBe((held.request.json as { taskUUID: string }[])[0]!.taskUUID);
    await kill(first);
    held.release();
    await spawnWorker(t);
    await expectOneOfEverything(t, accepted.value.jobId, out, t.rw);
    const queries = t.rw.server.requestsOf('query');
    expect((queries[0]!.json as { taskUUID: string }[])[0]!.taskUUID).toBe(saved);
  });
});

describe('a job BullMQ gives up on (stalled too often) is settled by the money rule', () => {
  it('after the provider took the task, the unit stays charged and the user is told', async () => {
    // Stalling once is too often here, so the in-process worker fails the job the killed one held.
    const t = await harness({
      providers: ['runninghub'],
      workers: false,
      workerOptions: { maxStalledCount: 0 },
    });
    t.rh.server.hold('query');
    const first = await spawnWorker(t);
    const accepted = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'lost worker' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    await t.rh.server.nextHeld();
    await kill(first);
    t.app.startWorkers();
    const done = await t.finished(accepted.value.jobId, 30_000);
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toMatch(/stalled/);
    expect(t.rh.submitCount()).toBe(1);
    // The provider has the task and charges for it: nothing is given back.
    await waitFor(async () => (await memberUsage(t.app, 'telegram:42')).inFlight === 0, {
      what: 'the credits to be settled',
    });
    expect(await memberUsage(t.app, 'telegram:42')).toEqual({
      used: done.job.data.request.credits,
      inFlight: 0,
    });
    const notice = await waitFor(() => t.app.queues.deliver.getJob(`deliver-${accepted.value.jobId}`));
    expect(notice.data.outcome).toEqual({ kind: 'failure', error: { id: 'internal' }, refunded: false });
  });
});
