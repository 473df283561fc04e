import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaRef, Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';

const alice: Requester = { platform: 'discord', userId: 'alice' };
const MB = 1024 * 1024;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** An image on the file host whose platform declared `declared` bytes (what the budget counts). */
function image(t: Harness, seed: number, declared: number): MediaRef {
  const name = `frame-${seed}.png`;
  return {
    source: { kind: 'url', id: t.files.put(name, makePng(320, 400, seed), 'image/png') },
    filename: name,
    contentType: 'image/png',
    size: declared,
  };
}

/** Two first-frame jobs whose inputs each declare 12 MB, submitted at once. */
async function twoJobs(t: Harness): Promise<string[]> {
  const ids: string[] = [];
  for (const seed of [1, 2]) {
    const accepted = await t.app.intake.submit(
      { model: 'kling-2.5-turbo-pro', prompt: `frame ${seed}`, firstFrame: image(t, seed, 12 * MB) },
      alice,
      fileTarget(t.out(`clip-${seed}.mp4`)),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    ids.push(accepted.value.jobId);
  }
  return ids;
}

const downloads = (t: Harness) => t.files.server.requestsOf('file').length;

describe('prepare within the worker’s byte budget', () => {
  it('with a 16 MB budget, two jobs’ 12 MB inputs are downloaded one after the other, never together', async () => {
    const t = await startHarness({ providers: ['runninghub'], env: { WORKER_MEMORY_BUDGET_MB: '16' } });
    h = t;
    t.files.server.hold('file', 2);
    const ids = await twoJobs(t);

    const first = await t.files.server.nextHeld();
    // Both jobs are in prepare, but the second waits for room: no second download while one is held.
    await waitFor(async () => (await t.app.queues.generate.getActiveCount()) === 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(downloads(t)).toBe(1);
    expect(t.rh.media()).toHaveLength(0);

    first.release();
    const second = await t.files.server.nextHeld();
    // The room came back only once the first input was staged at the provider.
    expect(t.rh.media()).toHaveLength(1);
    expect(downloads(t)).toBe(2);
    second.release();

    for (const id of ids) expect((await t.finished(id)).state).toBe('completed');
    expect(await readFile(t.out('clip-1.mp4'))).toEqual(t.rh.video);
    expect(t.rh.media().map((m) => m.bytes)).toEqual(
      expect.arrayContaining([makePng(320, 400, 1), makePng(320, 400, 2)]),
    );
  });

  it('with the default budget (512 MB) the same two downloads run at once', async () => {
    const t = await startHarness({ providers: ['runninghub'] });
    h = t;
    t.files.server.hold('file', 2);
    const ids = await twoJobs(t);
    const held = [await t.files.server.nextHeld(), await t.files.server.nextHeld()];
    expect(downloads(t)).toBe(2);
    for (const r of held) r.release();
    for (const id of ids) expect((await t.finished(id)).state).toBe('completed');
  });
});
