import { afterEach, describe, expect, it } from 'vitest';
import type { ChatDelivery } from '../../src/core/ports.js';
import type { Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { providerDown } from '../../src/jobs/generate/processor.js';
import { DELIVER_JOB_OPTIONS, GENERATE_JOB_OPTIONS, KEEP_FAILED } from '../../src/jobs/queues.js';
import { CircuitOpenError, DEFAULT_BREAKER } from '../../src/providers/breaker.js';
import { ProviderError } from '../../src/providers/errors.js';
import {
  CLIP_CREDITS,
  type Harness,
  type HarnessOptions,
  memberUsage,
  startHarness,
} from '../helpers/harness.js';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';

/** Provider storms and outages as a job lives them: the wait floor, the breaker, failover. */

const bob: Requester = { platform: 'discord', userId: 'bob' };
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(options: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

async function submit(t: Harness, extra: Record<string, unknown> = {}): Promise<string> {
  const accepted = await t.app.intake.submit(
    { model: 'kling-2.5-turbo-pro', prompt: 'a storm at sea', ...extra },
    bob,
    fileTarget(t.out(`${Math.random()}.mp4`)),
  );
  if (!accepted.ok) throw new Error(accepted.error.id);
  return accepted.value.jobId;
}

/** When a delayed job wakes next (ms since the epoch), from BullMQ's delayed set. */
async function wakesAt(t: Harness, jobId: string): Promise<number | undefined> {
  const key = t.app.queues.generate.keys.delayed;
  if (!key) return undefined;
  const score = await t.app.redis.zscore(key, jobId);
  return score === null ? undefined : Math.floor(Number(score) / 0x1000);
}

describe('a 429 storm with Retry-After: 0', () => {
  it('jobs wait at least a second between queries, and the open circuit stops them all', async () => {
    const t = await harness({ providers: ['runware'] });
    // Every query from now on answers 429 with Retry-After: 0 (617 queries in 8 s for one job before).
    t.rw.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 0, times: 100_000 });
    const jobs = await Promise.all([submit(t), submit(t), submit(t)]);
    // Each job ends up waiting out the breaker's cool-down, far longer than any Retry-After floor.
    await waitFor(
      async () => {
        const at = await Promise.all(jobs.map((id) => wakesAt(t, id)));
        return at.every((w) => w !== undefined && w > Date.now() + DEFAULT_BREAKER.coolDownMs / 2);
      },
      { what: 'every job to wait out the open circuit', timeoutMs: 15_000 },
    );
    const queries = t.rw.server.requestsOf('query');
    // The threshold of consecutive failures, plus at most the calls already in flight when it opened.
    expect(queries.length).toBeGreaterThanOrEqual(DEFAULT_BREAKER.threshold);
    expect(queries.length).toBeLessThanOrEqual(DEFAULT_BREAKER.threshold + jobs.length - 1);
    // No job asked twice within the floor (a second).
    const byTask = new Map<string, number[]>();
    for (const q of queries) {
      const task = JSON.stringify(q.json);
      byTask.set(task, [...(byTask.get(task) ?? []), q.at]);
    }
    for (const times of byTask.values()) {
      for (let i = 1; i < times.length; i++) {
        expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(950);
      }
    }
  });
});

describe('failover when a provider is down', () => {
  it('RunningHub answering 5xx to the submit: the job is made on Runware, charged once', async () => {
    const t = await harness({});
    t.rh.server.inject('server-error', { on: 'submit', times: 100 });
    const jobId = await submit(t);
    const done = await t.finished(jobId);
    expect(done.state).toBe('completed');
    expect(done.job.returnvalue).toMatchObject({ provider: 'runware' });
    expect(t.rh.server.requestsOf('submit')).toHaveLength(1);
    expect(t.rh.submitted()).toHaveLength(0);
    expect(t.rw.submitted()).toHaveLength(1);
    expect(await memberUsage(t.app, bob)).toEqual({ used: CLIP_CREDITS, inFlight: 0 });
    expect(t.logs.some((l) => l.includes('provider down, trying the next route'))).toBe(true);
  });

  it('RunningHub failing the upload of the first frame: staged and made on Runware instead', async () => {
    const t = await harness({});
    const png = makePng(640, 360, 7);
    const ref = {
      source: { kind: 'url', id: t.files.put('first.png', png, 'image/png') },
      filename: 'first.png',
      contentType: 'image/png',
      size: png.length,
    };
    t.rh.server.inject('server-error', { on: 'upload', times: 100 });
    const jobId = await submit(t, { firstFrame: ref });
    const done = await t.finished(jobId);
    expect(done.state).toBe('completed');
    expect(done.job.returnvalue).toMatchObject({ provider: 'runware' });
    expect(t.rh.server.requestsOf('submit')).toHaveLength(0);
    expect(t.rw.submitted()).toHaveLength(1);
    expect(await memberUsage(t.app, bob)).toEqual({ used: CLIP_CREDITS, inFlight: 0 });
  });

  it('only what cannot have started a task counts as down', () => {
    const prepare = { step: 'prepare' as const, excluded: [] };
    const submitting = {
      step: 'submit' as const,
      excluded: [],
      provider: 'runninghub',
      staged: {},
      submitStarted: false,
    };
    const answered = new ProviderError('transient', 'HTTP 503', { provider: 'runninghub', status: 503 });
    const timedOut = new ProviderError('transient', 'timed out', { provider: 'runninghub' });
    const open = new CircuitOpenError('runninghub', 5_000);
    const limited = new ProviderError('rate-limited', '429', { provider: 'runninghub', status: 429 });
    expect(providerDown(answered, prepare)).toBe(true);
    expect(providerDown(timedOut, prepare)).toBe(true);
    expect(providerDown(open, prepare)).toBe(true);
    expect(providerDown(limited, prepare)).toBe(false);
    expect(providerDown(answered, submitting)).toBe(true);
    expect(providerDown(open, submitting)).toBe(true);
    // The submit may have reached the provider: stay, and ask for the task before anything else.
    expect(providerDown(timedOut, submitting)).toBe(false);
    const withOwnId = { ...submitting, provider: 'runware', clientTaskId: 'x', submitStarted: true };
    expect(providerDown(answered, withOwnId)).toBe(false);
    expect(providerDown(open, withOwnId)).toBe(false);
    const polling = {
      step: 'poll' as const,
      excluded: [],
      provider: 'runninghub',
      taskId: 't',
      submittedAt: 0,
    };
    expect(providerDown(answered, polling)).toBe(false);
    expect(providerDown(open, polling)).toBe(false);
  });

  it('with no other route, a 5xx is still retried on the same provider', async () => {
    const t = await harness({ providers: ['runninghub'] });
    t.rh.server.inject('server-error', { on: 'submit' });
    const done = await t.finished(await submit(t));
    expect(done.state).toBe('completed');
    expect(t.rh.server.requestsOf('submit')).toHaveLength(2);
    expect(t.rh.submitted()).toHaveLength(1);
  });
});

describe('failed jobs are bounded', () => {
  it('both queues keep at most 5,000 failed jobs, none older than 7 days', async () => {
    expect(KEEP_FAILED).toEqual({ age: 7 * 24 * 3600, count: 5_000 });
    expect(GENERATE_JOB_OPTIONS.removeOnFail).toEqual(KEEP_FAILED);
    expect(DELIVER_JOB_OPTIONS.removeOnFail).toEqual(KEEP_FAILED);
    // As the jobs are stored, whatever else a caller overrides.
    const t = await harness({ providers: ['runware'] });
    const done = await t.finished(await submit(t));
    expect(done.job.opts.removeOnFail).toEqual(KEEP_FAILED);
    expect(done.deliver?.opts.removeOnFail).toEqual(KEEP_FAILED);
  });
});

describe('a clip that cannot be posted', () => {
  it('the failure notice says an admin finds it in the logs: a log line carries its link', async () => {
    const told: string[] = [];
    const recording: ChatDelivery = {
      async deliverClip() {},
      async deliverFailure(_ctx, failure) {
        told.push(failure.error.id);
      },
    };
    const t = await harness({ providers: ['runware'], deliveries: { file: recording } });
    t.rw.server.inject('client-error', { on: 'download', times: 100 });
    const jobId = await submit(t);
    const done = await t.finished(jobId);
    expect(await done.deliver?.getState()).toBe('failed');
    await waitFor(() => told.length > 0, { what: 'the failure notice' });
    expect(told).toEqual(['delivery-failed']);
    const videoUrl = (done.job.returnvalue as { videoUrl: string }).videoUrl;
    const line = t.logs.find((l) => l.includes('clip delivery failed for good'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ jobId, provider: 'runware', videoUrl });
  });
});
