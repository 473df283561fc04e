import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Requester } from '../../src/core/request.js';
import { HINT_QUIET_MS, hintedKey, hintPath, hintSignature, polledKey } from '../../src/http/hints.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'test-webhook-secret-0123456789';
const alice: Requester = { platform: 'discord', userId: 'alice' };
let t: Harness;
let http: HttpServer;

beforeAll(async () => {
  // The task never ends by polls and the next poll is ten minutes away: only a hint wakes the job.
  t = await startHarness({
    providers: ['runware'],
    pollsToComplete: 1000,
    env: { PUBLIC_URL: 'https://reelay.example.org', WEBHOOK_SECRET: SECRET, POLL_INTERVAL_MS: '600000' },
  });
  http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    redis: t.app.redis,
    queues: t.app.queues,
    logger: t.logger,
    webhookSecret: SECRET,
  });
});
afterAll(async () => {
  await http.close();
  await t.close();
});

const queries = () => t.rw.server.requestsOf('query').length;
const post = async (path: string) =>
  (await fetch(`${http.url}${path}`, { method: 'POST', body: '{}' })).status;

/** Submits a job and waits until it waits in its poll step, with no recent poll to hold hints back. */
async function pollingJob(): Promise<string> {
  const accepted = await t.app.intake.submit(
    { model: 'kling-2.5-turbo-pro', prompt: 'wake me' },
    alice,
    fileTarget(t.out(`${randomBytes(4).toString('hex')}.mp4`)),
  );
  if (!accepted.ok) throw new Error(accepted.error.id);
  const jobId = accepted.value.jobId;
  await waitFor(
    async () => {
      const job = await t.app.queues.generate.getJob(jobId);
      return (await job?.getState()) === 'delayed' && (job?.data.state.step ?? '') === 'poll';
    },
    { what: 'the job to wait in its poll step' },
  );
  await waitFor(async () => (await t.app.redis.exists(polledKey(t.prefix, jobId))) === 0, {
    what: 'the last poll to be a few seconds old',
    intervalMs: 100,
  });
  return jobId;
}

async function waitDelayed(jobId: string): Promise<void> {
  await waitFor(async () => (await (await t.app.queues.generate.getJob(jobId))?.getState()) === 'delayed', {
    what: 'the job to wait again',
  });
}

describe('provider completion hints', () => {
  it('the hint URL given to the provider carries the job HMAC', async () => {
    const jobId = await pollingJob();
    const url = t.rw.submitted().at(-1)?.webhookURL;
    expect(url).toBe(`https://reelay.example.org${hintPath(SECRET, 'runware', jobId)}`);
    expect(url).toMatch(new RegExp(`/webhooks/runware/${jobId}/[A-Za-z0-9_-]{43}$`));
    // While it waits at the provider, the job counts as in flight there.
    const metrics = await (await fetch(`${http.url}/metrics`)).text();
    expect(metrics).toMatch(/reelay_jobs_in_flight\{provider="runware"\} 1\n/);
  });

  it('200 forged hints make no provider query and wake nothing', async () => {
    const jobId = await pollingJob();
    const before = queries();
    const other = 'a1b2c3d4-0000-4000-8000-000000000000';
    const forged = [
      `/webhooks/runware/${jobId}`,
      `/webhooks/runware/${jobId}/`,
      `/webhooks/runware/${jobId}/${hintSignature('another-secret-of-some-length', 'runware', jobId)}`,
      `/webhooks/runware/${jobId}/${hintSignature(SECRET, 'runware', other)}`,
      `/webhooks/runware/${jobId}/${hintSignature(SECRET, 'runninghub', jobId)}`,
    ];
    for (let i = forged.length; i < 200; i++) {
      forged.push(`/webhooks/runware/${jobId}/${randomBytes(32).toString('base64url')}`);
    }
    const statuses = await Promise.all(forged.map(post));
    expect(statuses.filter((s) => s === 401)).toHaveLength(forged.length - 1);
    // A path ending in a slash is another route: not found.
    expect(statuses.filter((s) => s !== 401)).toEqual([404]);
    expect(await (await t.app.queues.generate.getJob(jobId))?.getState()).toBe('delayed');
    expect(queries()).toBe(before);
  });

  it('50 valid hints in a burst cost at most one extra query per quiet window', async () => {
    const jobId = await pollingJob();
    const before = queries();
    const path = hintPath(SECRET, 'runware', jobId);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => post(path)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 202)).toHaveLength(49);
    // The woken job polls once and waits again.
    await waitFor(() => queries() >= before + 1, { what: 'the poll the hint asked for' });
    // Hints that came while that poll was running may have reported what its query did not see:
    // they owe one more wake, when the quiet window ends. Once no hint is owed, no window is open
    // and the job waits again, the burst is answered.
    await waitFor(
      async () =>
        (await t.app.redis.exists(hintedKey(t.prefix, jobId), polledKey(t.prefix, jobId))) === 0 &&
        (await (await t.app.queues.generate.getJob(jobId))?.getState()) === 'delayed',
      { what: 'the burst to be answered', intervalMs: 100, timeoutMs: 3 * HINT_QUIET_MS + 5_000 },
    );
    expect(queries() - before).toBeGreaterThanOrEqual(1);
    expect(queries() - before).toBeLessThanOrEqual(2);
  });

  it('a hint right after a poll wakes the job once when the quiet window ends', async () => {
    const jobId = await pollingJob();
    const before = queries();
    const path = hintPath(SECRET, 'runware', jobId);
    expect(await post(path)).toBe(200);
    await waitFor(() => queries() === before + 1, { what: 'the poll the first hint asked for' });
    await waitDelayed(jobId);
    // The clip is ready just after that poll; its provider says so at once, 20 times over.
    const polledAt = Date.now();
    t.rw.pollsToComplete = 1;
    try {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => post(path)));
      expect(statuses.every((s) => s === 202)).toBe(true);
      // Found when the quiet window ends, not at the next poll ten minutes away.
      await waitFor(
        async () => (await (await t.app.queues.generate.getJob(jobId))?.getState()) === 'completed',
        {
          what: 'the job to see its clip',
          timeoutMs: HINT_QUIET_MS + 2_000,
        },
      );
    } finally {
      t.rw.pollsToComplete = 1000;
    }
    expect(Date.now() - polledAt).toBeLessThan(HINT_QUIET_MS + 2_000);
    expect(queries()).toBe(before + 2);
  });

  it('a hint for a job that is not polling is accepted and does nothing', async () => {
    const unknown = 'ffffffff-0000-4000-8000-000000000000';
    const before = queries();
    expect(await post(hintPath(SECRET, 'runware', unknown))).toBe(202);
    expect(queries()).toBe(before);
  });
});
