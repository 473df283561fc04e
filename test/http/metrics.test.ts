import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatDelivery } from '../../src/core/ports.js';
import type { Requester } from '../../src/core/request.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { makeClip, removeClips, testFfmpeg } from '../helpers/clips.js';
import { CLIP_CREDITS, type Harness, startHarness } from '../helpers/harness.js';

const alice: Requester = { platform: 'discord', userId: 'alice' };
let t: Harness;
let http: HttpServer;

beforeAll(async () => {
  t = await startHarness({ providers: ['runware'] });
  http = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    redis: t.app.redis,
    queues: t.app.queues,
    logger: t.logger,
    credits: t.app.credits,
  });
});
afterAll(async () => {
  await http.close();
  await t.close();
  await removeClips();
});

/** The value of one sample of `/metrics` (0 when absent). */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${http.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

async function run(prompt: string) {
  const accepted = await t.app.intake.submit(
    { model: 'kling-2.5-turbo-pro', prompt },
    alice,
    fileTarget(t.out(`${prompt.replaceAll(' ', '-')}.mp4`)),
  );
  if (!accepted.ok) throw new Error(accepted.error.id);
  return t.finished(accepted.value.jobId);
}

describe('/metrics after jobs ran through the workers', () => {
  it('shows time in queue, generation and delivery times, outcomes, settlements and spend', async () => {
    expect((await run('a clip')).state).toBe('completed');
    expect(await sample('reelay_jobs_total', { outcome: 'clip' })).toBe(1);
    expect(await sample('reelay_queue_wait_seconds_count', { queue: 'generate' })).toBe(1);
    expect(await sample('reelay_queue_wait_seconds_count', { queue: 'deliver' })).toBe(1);
    expect(
      await sample('reelay_generation_seconds_count', { model: 'kling-2.5-turbo-pro', provider: 'runware' }),
    ).toBe(1);
    expect(await sample('reelay_delivery_seconds_count', { platform: 'file', outcome: 'clip' })).toBe(1);
    expect(await sample('reelay_credit_settlements_total', { kind: 'committed' })).toBe(1);
    expect(await sample('reelay_jobs_in_flight', { provider: 'runware' })).toBe(0);
    expect(await sample('reelay_spend_today_credits', { kind: 'committed' })).toBe(CLIP_CREDITS);
    expect(await sample('reelay_queue_oldest_waiting_seconds', { queue: 'generate' })).toBe(0);
  });

  it('counts provider errors, failed outcomes and refunds', async () => {
    t.rw.server.inject('content-rejected', { on: 'submit', times: 1 });
    expect((await run('a refused clip')).state).toBe('failed');
    expect(
      await sample('reelay_provider_errors_total', { provider: 'runware', kind: 'content-rejected' }),
    ).toBe(1);
    expect(await sample('reelay_jobs_total', { outcome: 'content-rejected' })).toBe(1);
    expect(await sample('reelay_credit_settlements_total', { kind: 'refunded' })).toBe(1);
    expect(await sample('reelay_delivery_seconds_count', { platform: 'file', outcome: 'failure' })).toBe(1);
  });

  it('counts the transcodes of a clip compressed to fit', async () => {
    const ffmpeg = await testFfmpeg();
    const video = await readFile(
      await makeClip({ seconds: 3, width: 640, height: 360, audio: true, targetBytes: 1_500_000 }),
    );
    let posted = 0;
    const small: ChatDelivery = {
      uploadLimit: () => 1_000_000,
      async deliverClip(_ctx, clip) {
        posted = clip.size;
      },
      async deliverFailure() {},
    };
    const f = await startHarness({ providers: ['runware'], ffmpeg, video, deliveries: { file: small } });
    try {
      const accepted = await f.app.intake.submit(
        { model: 'kling-2.5-turbo-pro', prompt: 'a squeeze' },
        alice,
        fileTarget(f.out('squeezed.mp4')),
      );
      if (!accepted.ok) throw new Error(accepted.error.id);
      expect((await f.finished(accepted.value.jobId, 60_000)).state).toBe('completed');
      expect(posted).toBeGreaterThan(0);
      expect(posted).toBeLessThanOrEqual(1_000_000);
      expect(await sample('reelay_transcodes_total', { kind: 'fit', result: 'ok' })).toBe(1);
    } finally {
      await f.close();
    }
  }, 90_000);
});
