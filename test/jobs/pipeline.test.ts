import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatDelivery } from '../../src/core/ports.js';
import type { GenerationRequest, MediaRef, Requester } from '../../src/core/request.js';
import { hintPath } from '../../src/http/hints.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import type { GeneratePayload } from '../../src/jobs/payloads.js';
import {
  CHAT_TOKENS,
  CLIP_CREDITS,
  everythingSent,
  type Harness,
  type HarnessOptions,
  memberUsage,
  startHarness,
} from '../helpers/harness.js';
import { makePng, photoJpeg } from '../helpers/media.js';

const alice: Requester = { platform: 'discord', userId: 'alice' };
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

/** Puts `count` distinct images on the file host; returns their refs and bytes. */
function images(host: Harness, count: number, first = 1): { refs: MediaRef[]; bytes: Buffer[] } {
  const bytes = Array.from({ length: count }, (_, i) =>
    i === 0 && first === 0 ? photoJpeg() : makePng(320 + i, 400, first + i),
  );
  const refs = bytes.map((b, i) => {
    const jpeg = b[0] === 0xff;
    const name = `img${i + 1}.${jpeg ? 'jpg' : 'png'}`;
    return {
      source: { kind: 'url', id: host.files.put(name, b, jpeg ? 'image/jpeg' : 'image/png') },
      filename: name,
      contentType: jpeg ? 'image/jpeg' : 'image/png',
      size: b.length,
    };
  });
  return { refs, bytes };
}

interface ClipCase {
  name: string;
  provider: 'runninghub' | 'runware';
  request: GenerationRequest;
  frames: 'none' | 'first' | 'first-last' | 'references';
  imageCount: number;
  /** RunningHub endpoint path, or Runware model. */
  expect: string;
}

const CASES: ClipCase[] = [
  {
    name: 'kling-2.5 text on RunningHub',
    provider: 'runninghub',
    frames: 'none',
    imageCount: 0,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'a cat surfing a wave', aspectRatio: '9:16' },
    expect: 'kling-v2.5-turbo-pro/text-to-video',
  },
  {
    name: 'kling-2.5 first frame on RunningHub',
    provider: 'runninghub',
    frames: 'first',
    imageCount: 1,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'the photo comes alive', duration: 10 },
    expect: 'kling-v2.5-turbo-pro/image-to-video',
  },
  {
    name: 'kling-2.5 first + last on RunningHub',
    provider: 'runninghub',
    frames: 'first-last',
    imageCount: 2,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'morph from one to the other' },
    expect: 'kling-v2.5-turbo-pro/image-to-video',
  },
  {
    name: 'kling-2.5 text on Runware',
    provider: 'runware',
    frames: 'none',
    imageCount: 0,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'a city at night, neon rain', negativePrompt: 'blurry' },
    expect: 'klingai:6@1',
  },
  {
    name: 'kling-2.5 first frame on Runware',
    provider: 'runware',
    frames: 'first',
    imageCount: 1,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'slow push in' },
    expect: 'klingai:6@1',
  },
  {
    name: 'kling-2.5 first + last on Runware',
    provider: 'runware',
    frames: 'first-last',
    imageCount: 2,
    request: { model: 'kling-2.5-turbo-pro', prompt: 'winter turns to spring', duration: 10, cfgScale: 0.7 },
    expect: 'klingai:6@1',
  },
  {
    name: 'kling-o1 text on RunningHub',
    provider: 'runninghub',
    frames: 'none',
    imageCount: 0,
    request: { model: 'kling-o1', prompt: 'a paper boat in a storm', quality: 'pro' },
    expect: 'kling-video-o1/text-to-video',
  },
  {
    name: 'kling-o1 first frame on RunningHub',
    provider: 'runninghub',
    frames: 'first',
    imageCount: 1,
    request: { model: 'kling-o1', prompt: 'hair moves in the wind', aspectRatio: '1:1' },
    expect: 'kling-video-o1/image-to-video',
  },
  {
    name: 'kling-o1 first + last on RunningHub',
    provider: 'runninghub',
    frames: 'first-last',
    imageCount: 2,
    request: { model: 'kling-o1', prompt: 'a book becomes a phoenix', quality: 'pro', duration: 10 },
    expect: 'kling-video-o1/start-to-end',
  },
  {
    name: 'kling-o3-pro reference with 7 images',
    provider: 'runninghub',
    frames: 'references',
    imageCount: 7,
    request: {
      model: 'kling-o3-pro',
      prompt: 'the samurai from the references spins',
      duration: 8,
      sound: true,
    },
    expect: 'kling-video-o3-pro/reference-to-video',
  },
];

describe('a clip goes from intake to a file', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const t = await harness({ providers: [c.provider] });
      const fake = c.provider === 'runninghub' ? t.rh : t.rw;
      // The first image of each case is a real JPEG; the rest distinct PNGs.
      const { refs, bytes } = images(t, c.imageCount, 0);
      const request: GenerationRequest = { ...c.request };
      if (c.frames === 'first' || c.frames === 'first-last') request.firstFrame = refs[0]!;
      if (c.frames === 'first-last') request.lastFrame = refs[1]!;
      if (c.frames === 'references') request.references = refs;
      const out = t.out('clip.mp4');

      const accepted = await t.app.intake.submit(request, alice, fileTarget(out));
      if (!accepted.ok) throw new Error(`refused: ${accepted.error.id}`);
      const done = await t.finished(accepted.value.jobId);

      expect(done.state).toBe('completed');
      expect(await readFile(out)).toEqual(fake.video);
      expect(fake.submitCount()).toBe(1);
      const submitted = fake.submitted()[0]!;
      if (c.provider === 'runninghub') {
        expect(fake.server.requestsOf('submit')[0]!.path).toBe(`/openapi/v2/${c.expect}`);
      } else {
        expect(submitted.model).toBe(c.expect);
      }
      // The provider received exactly the images' bytes, in order.
      expect(fake.media().map((m) => m.bytes)).toEqual(bytes);
      if (c.frames === 'references') {
        expect(submitted.imageUrls).toHaveLength(7);
        expect(submitted.imageUrls).toEqual(fake.media().map((m) => m.handle));
      }
      // The clip's credits charged and committed.
      const credits = accepted.value.request.credits;
      expect(credits).toBeGreaterThan(0);
      expect(await memberUsage(t.app, alice)).toEqual({ used: credits, inFlight: 0 });
      expect(await t.app.credits.spend(1)).toEqual([
        expect.objectContaining({ used: credits, committed: credits }),
      ]);
      // One clip delivered.
      expect(fake.server.requestsOf('download')).toHaveLength(1);
      expect((await t.app.queues.deliver.getJobCounts('completed')).completed).toBe(1);
      // No chat-platform token reached the provider, and no token or key is in a log line.
      expect(t.logs.join('\n')).not.toContain(fake.apiKey);
      for (const token of Object.values(CHAT_TOKENS)) {
        expect(everythingSent(fake)).not.toContain(token);
        expect(t.logs.join('\n')).not.toContain(token);
      }
    });
  }
});

describe('a reference video', () => {
  it('reaches kling-o3-pro as an uploaded MP4 beside the reference images', async () => {
    const t = await harness({ providers: ['runninghub'] });
    const { refs, bytes } = images(t, 2);
    const { clipMp4 } = await import('../helpers/media.js');
    const video = clipMp4();
    const out = t.out('clip.mp4');
    const accepted = await t.app.intake.submit(
      {
        model: 'kling-o3-pro',
        prompt: 'the two of them dance like in the video',
        references: refs,
        referenceVideo: {
          source: { kind: 'url', id: t.files.put('moves.mp4', video, 'video/mp4') },
          contentType: 'video/mp4',
        },
      },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    expect((await t.finished(accepted.value.jobId)).state).toBe('completed');
    expect(await readFile(out)).toEqual(t.rh.video);
    const submitted = t.rh.submitted()[0]!;
    const byHandle = new Map(t.rh.media().map((m) => [m.handle, m.bytes]));
    expect((submitted.imageUrls as string[]).map((u) => byHandle.get(u))).toEqual(bytes);
    expect(byHandle.get(submitted.videoUrl as string)).toEqual(video);
    expect(submitted).toMatchObject({ keepOriginalSound: true, sound: false, duration: 5 });
  });
});

describe('failures and retries', () => {
  it('retries 429s, 5xx, dropped connections and timeouts, and the job succeeds', async () => {
    const t = await harness({ providers: ['runninghub'], providerTimeoutMs: 400 });
    const { refs } = images(t, 1);
    t.rh.server.slowMs = 1_500;
    t.rh.server.inject('slow', { on: 'query' });
    t.rh.server.inject('drop', { on: 'upload' });
    t.rh.server.inject('rate-limit', { on: 'submit', retryAfterSeconds: 1 });
    t.rh.server.inject('server-error', { on: 'submit' });
    t.rh.server.inject('server-error', { on: 'query', times: 2 });
    const out = t.out('clip.mp4');
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'retry me', firstFrame: refs[0]! },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const done = await t.finished(accepted.value.jobId, 30_000);
    expect(done.state).toBe('completed');
    expect(await readFile(out)).toEqual(t.rh.video);
    // Two refused submits (429, 500) and the accepted one; a task was created once.
    expect(t.rh.submitted()).toHaveLength(1);
    expect(t.rh.server.requestsOf('submit')).toHaveLength(3);
    // Four failed attempts (drop, 500, time-out, 500, 500 → five; the 429 is not one) and the one that completed.
    expect(done.job.attemptsMade).toBe(6);
    expect(await memberUsage(t.app, alice)).toEqual({ used: CLIP_CREDITS, inFlight: 0 });
  });

  it('a rate limit delays the job by Retry-After without counting as a failure', async () => {
    const t = await harness({ providers: ['runware'] });
    t.rw.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 1, times: 2 });
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'patience' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const started = Date.now();
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('completed');
    // BullMQ counts the run that completed; the two rate-limited waits added none.
    expect(done.job.attemptsMade).toBe(1);
    const queries = t.rw.server.requestsOf('query');
    // The second query came at least the Retry-After (1 s) after the first, rate-limited one.
    expect(queries[1]!.at - queries[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  const permanent = [
    { fault: 'content-rejected' as const, on: 'submit', id: 'content-rejected' },
    { fault: 'content-rejected' as const, on: 'query', id: 'content-rejected' },
    { fault: 'bad-key' as const, on: 'submit', id: 'provider-account' },
    { fault: 'no-balance' as const, on: 'submit', id: 'provider-account' },
    { fault: 'task-failed' as const, on: 'query', id: 'generation-failed' },
  ];
  for (const provider of ['runninghub', 'runware'] as const) {
    for (const p of permanent) {
      it(`${provider}: ${p.fault} at ${p.on} fails at once as ${p.id} and refunds`, async () => {
        const t = await harness({ providers: [provider] });
        const fake = provider === 'runninghub' ? t.rh : t.rw;
        fake.server.inject(p.fault, { on: p.on });
        const accepted = await t.app.intake.submit(
          { model: 'kling-2.5-turbo-pro', prompt: 'forbidden thing' },
          alice,
          fileTarget(t.out('clip.mp4')),
        );
        if (!accepted.ok) throw new Error(accepted.error.id);
        const done = await t.finished(accepted.value.jobId);
        expect(done.state).toBe('failed');
        expect(done.job.failedReason).toBe(p.id);
        expect(done.job.attemptsMade).toBe(1);
        expect(fake.submitCount()).toBe(1);
        expect(await memberUsage(t.app, alice)).toEqual({ used: 0, inFlight: 0 });
        // The failure is handed to delivery, once, so the user is told, and told it was refunded:
        // the provider refused the task or reported it failed, so it did not charge us.
        expect(done.deliver?.data.outcome).toEqual({ kind: 'failure', error: { id: p.id }, refunded: true });
      });
    }
  }

  for (const on of ['upload', 'submit', 'query'] as const) {
    it(`no 4xx is retried: an HTTP 400 at ${on} fails the job after one try`, async () => {
      const t = await harness({ providers: ['runninghub'] });
      const { refs } = images(t, 1);
      t.rh.server.inject('client-error', { on });
      const accepted = await t.app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'four hundred', firstFrame: refs[0]! },
        alice,
        fileTarget(t.out('clip.mp4')),
      );
      if (!accepted.ok) throw new Error(accepted.error.id);
      const done = await t.finished(accepted.value.jobId);
      expect(done.state).toBe('failed');
      expect(done.job.failedReason).toBe('provider-rejected-request');
      expect(done.job.attemptsMade).toBe(1);
      expect(t.rh.server.requestsOf(on)).toHaveLength(1);
      // Refunded unless the provider had already taken the task (a failed query is ours, not its).
      const used = on === 'query' ? CLIP_CREDITS : 0;
      expect(await memberUsage(t.app, alice)).toEqual({ used, inFlight: 0 });
    });
  }

  it('a provider that refuses our account hands the job to the next configured route', async () => {
    const t = await harness({ providers: ['runninghub', 'runware'] });
    const { refs, bytes } = images(t, 1);
    t.rh.server.inject('bad-key', { on: 'upload' });
    const out = t.out('clip.mp4');
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'fall over', firstFrame: refs[0]! },
      alice,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('completed');
    expect(t.rh.submitCount()).toBe(0);
    expect(t.rw.submitCount()).toBe(1);
    expect(t.rw.media().map((m) => m.bytes)).toEqual(bytes);
    expect(await readFile(out)).toEqual(t.rw.video);
    expect(t.logs.some((l) => l.includes('provider refused our account') && l.includes('"level":50'))).toBe(
      true,
    );
  });

  it('with PUBLIC_URL set, Runware is told where to send its completion hint', async () => {
    const t = await harness({
      providers: ['runware'],
      env: { PUBLIC_URL: 'https://reelay.example.org/', WEBHOOK_SECRET: 'pipeline-webhook-secret' },
    });
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'hint me' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    expect((await t.finished(accepted.value.jobId)).state).toBe('completed');
    expect(t.rw.submitted()[0]?.webhookURL).toBe(
      `https://reelay.example.org${hintPath('pipeline-webhook-secret', 'runware', accepted.value.jobId)}`,
    );
  });

  it('a clip that cannot be posted still gets the user an answer', async () => {
    const told: { clip: number; failures: string[] } = { clip: 0, failures: [] };
    const recording: ChatDelivery = {
      async deliverClip() {
        told.clip += 1;
      },
      async deliverFailure(_ctx, failure) {
        told.failures.push(`${failure.error.id}${failure.refunded ? ' (refunded)' : ''}`);
      },
    };
    const t = await harness({ providers: ['runware'], deliveries: { file: recording } });
    // The result link answers 403 (expired): final, not retried.
    t.rw.server.inject('client-error', { on: 'download', times: 100 });
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'lost link' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('completed');
    expect(await done.deliver?.getState()).toBe('failed');
    const { waitFor } = await import('../helpers/wait.js');
    await waitFor(() => told.failures.length > 0, { what: 'the failure notice' });
    // The provider charged for the clip: no refund.
    expect(told).toEqual({ clip: 0, failures: ['delivery-failed'] });
    expect(t.rw.server.requestsOf('download')).toHaveLength(1);
  });

  it('a job past its deadline after the provider took it fails as timeout and stays charged', async () => {
    const t = await harness({
      providers: ['runninghub'],
      env: { JOB_DEADLINE_MS: '1500' },
      pollsToComplete: 10_000,
    });
    const accepted = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'never finishes' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toBe('timeout');
    expect(t.rh.submitCount()).toBe(1);
    // The provider charges for the task it accepted: the credits stay spent, and the user is told so.
    expect(await memberUsage(t.app, alice)).toEqual({ used: accepted.value.request.credits, inFlight: 0 });
    expect(done.deliver?.data.outcome).toEqual({
      kind: 'failure',
      error: { id: 'timeout' },
      refunded: false,
    });
  });

  it('a job past its deadline before the provider took it fails as timeout and refunds', async () => {
    const t = await harness({ providers: ['runninghub'], env: { JOB_DEADLINE_MS: '1500' } });
    const { refs } = images(t, 1);
    t.rh.server.hold('upload');
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'slow upload', firstFrame: refs[0]! },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const held = await t.rh.server.nextHeld();
    const { waitFor } = await import('../helpers/wait.js');
    const job = (await t.app.queues.generate.getJob(accepted.value.jobId))!;
    await waitFor(() => Date.now() > job.data.deadlineAt + 50, { what: 'the deadline to pass' });
    held.release();
    const done = await t.finished(accepted.value.jobId);
    expect(done.job.failedReason).toBe('timeout');
    // Checked again before the submit: nothing reached the provider, so nothing is charged.
    expect(t.rh.submitCount()).toBe(0);
    expect(await memberUsage(t.app, alice)).toEqual({ used: 0, inFlight: 0 });
    expect(done.deliver?.data.outcome).toEqual({ kind: 'failure', error: { id: 'timeout' }, refunded: true });
  });

  it('a cancel after the provider took the task stops polling and delivery, and the charge stays', async () => {
    const t = await harness({
      providers: ['runninghub'],
      pollsToComplete: 10_000,
      env: { POLL_INTERVAL_MS: '60000' },
    });
    const accepted = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'stop me' },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const { jobId } = accepted.value;
    const { waitFor } = await import('../helpers/wait.js');
    // Waiting a whole minute between polls: cancel must wake it, not wait.
    await waitFor(async () => (await (await t.app.queues.generate.getJob(jobId))?.getState()) === 'delayed');
    expect(await t.app.intake.cancel(jobId, { platform: 'discord', userId: 'mallory' })).toBe('not-yours');
    expect(await t.app.intake.cancel(jobId, alice)).toBe('stopping');
    const done = await t.finished(jobId);
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toBe('cancelled');
    expect(t.rh.submitCount()).toBe(1);
    expect(await memberUsage(t.app, alice)).toEqual({ used: accepted.value.request.credits, inFlight: 0 });
    expect(done.deliver?.data.outcome).toEqual({
      kind: 'failure',
      error: { id: 'cancelled' },
      refunded: false,
    });
    expect(await t.app.intake.cancel(jobId, alice)).toBe('finished');
  });

  it('a cancel before the provider took the task stops the job before the submit and refunds', async () => {
    const t = await harness({ providers: ['runninghub'] });
    const { refs } = images(t, 1);
    t.rh.server.hold('upload');
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: 'never mind', firstFrame: refs[0]! },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const held = await t.rh.server.nextHeld();
    expect(await t.app.intake.cancel(accepted.value.jobId, alice)).toBe('cancelling');
    held.release();
    const done = await t.finished(accepted.value.jobId);
    expect(done.job.failedReason).toBe('cancelled');
    expect(t.rh.submitCount()).toBe(0);
    expect(await memberUsage(t.app, alice)).toEqual({ used: 0, inFlight: 0 });
    expect(done.deliver?.data.outcome).toEqual({
      kind: 'failure',
      error: { id: 'cancelled' },
      refunded: true,
    });
  });

  it('an image that is really a PDF fails with a specific error, nothing submitted, refunded', async () => {
    const t = await harness({ providers: ['runninghub'] });
    const { documentPdf } = await import('../helpers/media.js');
    const url = t.files.put('cat.png', documentPdf(), 'image/png');
    const accepted = await t.app.intake.submit(
      {
        model: 'kling-2.5-turbo-pro',
        prompt: 'animate',
        firstFrame: { source: { kind: 'url', id: url }, filename: 'cat.png' },
      },
      alice,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toBe('image-type-unsupported');
    expect(t.rh.submitCount()).toBe(0);
    expect(t.rh.media()).toHaveLength(0);
    expect(await memberUsage(t.app, alice)).toEqual({ used: 0, inFlight: 0 });
  });
});

describe('intake', () => {
  it('50 concurrent submits by one user with a limit of 5 clips: exactly 5 accepted', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.intake.submit(
          { model: 'kling-2.5-turbo-pro', prompt: `clip number ${i}` },
          alice,
          fileTarget(t.out(`${i}.mp4`)),
        ),
      ),
    );
    const accepted = results.filter((r) => r.ok);
    expect(accepted).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.error.id === 'quota-exhausted')).toHaveLength(45);
    expect(await t.app.queues.generate.getWaitingCount()).toBe(5);
    expect(await memberUsage(t.app, alice)).toEqual({ used: 5 * CLIP_CREDITS, inFlight: 5 });
    const refused = results.find((r) => !r.ok);
    expect(refused?.ok === false && refused.error.details).toMatchObject({
      limit: 5 * CLIP_CREDITS,
      used: 5 * CLIP_CREDITS,
      credits: CLIP_CREDITS,
    });
  });

  it('answers with the place in line', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const positions = [];
    for (const user of ['a', 'b', 'c']) {
      const r = await t.app.intake.submit(
        { model: 'kling-o1', prompt: 'in line' },
        { platform: 'telegram', userId: user },
        fileTarget(t.out(`${user}.mp4`)),
      );
      if (!r.ok) throw new Error(r.error.id);
      positions.push(r.value.position);
    }
    expect(positions).toEqual([1, 2, 3]);
  });

  it('a malformed payload fails at once, without a retry', async () => {
    const t = await harness({ providers: ['runninghub'] });
    await t.app.queues.generate.add('generate', { v: 2, what: 'is this' } as unknown as GeneratePayload, {
      jobId: 'malformed-1',
      attempts: 5,
    });
    const { waitFor } = await import('../helpers/wait.js');
    await waitFor(async () => (await t.app.queues.generate.getJobState('malformed-1')) === 'failed');
    const job = (await t.app.queues.generate.getJob('malformed-1'))!;
    expect(job.failedReason).toBe('malformed generate payload');
    expect(job.attemptsMade).toBe(1);
  });

  it('bad input is refused before anything is queued or charged', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const bad: GenerationRequest[] = [
      { model: 'kling-9000', prompt: 'x x' },
      { model: 'kling-o1' },
      { model: 'kling-o1', prompt: 'x'.repeat(10_000) },
      { model: 'kling-o1', prompt: 'hello', duration: 7 },
      {
        model: 'kling-2.5-turbo-pro',
        prompt: 'hello',
        firstFrame: {
          source: { kind: 'url', id: 'http://127.0.0.1:9/a.pdf' },
          contentType: 'application/pdf',
        },
      },
      {
        model: 'kling-2.5-turbo-pro',
        prompt: 'hello',
        firstFrame: {
          source: { kind: 'url', id: 'http://127.0.0.1:9/a.png' },
          contentType: 'image/png',
          size: 40 * 1024 * 1024,
        },
      },
    ];
    const ids = [];
    for (const request of bad) {
      const r = await t.app.intake.submit(request, alice, fileTarget(t.out('x.mp4')));
      expect(r.ok).toBe(false);
      if (!r.ok) ids.push(r.error.id);
    }
    expect(ids).toEqual([
      'unknown-model',
      'prompt-missing',
      'prompt-too-long',
      'duration-unsupported',
      'image-type-unsupported',
      'image-too-large',
    ]);
    expect(await t.app.queues.generate.count()).toBe(0);
    expect((await memberUsage(t.app, alice)).used).toBe(0);
  });

  it('a model no configured provider serves is refused at intake', async () => {
    const t = await harness({ providers: ['runware'], workers: false });
    const r = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'hello' },
      alice,
      fileTarget(t.out('x.mp4')),
    );
    expect(r).toEqual({ ok: false, error: { id: 'no-provider', details: { model: 'kling-o1' } } });
    expect((await memberUsage(t.app, alice)).used).toBe(0);
  });
});
