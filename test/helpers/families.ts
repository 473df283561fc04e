import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { GenerationRequest, MediaRef, Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, startHarness } from './harness.js';
import { makePng, photoJpeg } from './media.js';

/**
 * One clip of a model in one mode, from intake to a file, against the provider fakes: the exact body
 * its endpoint received and what it cost. The RunningHub fake also checks each body against the
 * vendor's parameter table, and the Runware fake against the model's rules.
 */
export interface FamilyCase {
  name: string;
  provider: 'runninghub' | 'runware';
  request: GenerationRequest;
  frames: 'none' | 'first' | 'first-last' | 'references';
  images: number;
  /** RunningHub endpoint path; Runware AIR id. */
  endpoint: string;
  /** The exact body, given the handles of the staged images in order. */
  body: (handles: string[]) => Record<string, unknown>;
  credits: number;
}

const bob: Requester = { platform: 'telegram', userId: 'bob' };

/** `count` distinct images on the harness's file host: a real JPEG first, then PNGs. */
function images(t: Harness, count: number): MediaRef[] {
  return Array.from({ length: count }, (_, i) => {
    const jpeg = i === 0;
    const bytes = jpeg ? photoJpeg() : makePng(640, 400, i + 1);
    const name = `img${i + 1}.${jpeg ? 'jpg' : 'png'}`;
    const type = jpeg ? 'image/jpeg' : 'image/png';
    return { source: { kind: 'url', id: t.files.put(name, bytes, type) }, filename: name, contentType: type };
  });
}

/**
 * Runs one case on a harness of its own (closed by `track`'s owner after the test): submits, waits
 * for the clip, and checks the endpoint, the exact body and the credits.
 */
export async function runFamilyCase(c: FamilyCase, track: (h: Harness) => void): Promise<void> {
  // Long or 4k clips cost more than five default clips, the default daily quota.
  const t = await startHarness({ providers: [c.provider], env: { QUOTA_DAILY_CREDITS: '10000' } });
  track(t);
  const fake = c.provider === 'runninghub' ? t.rh : t.rw;
  const refs = images(t, c.images);
  const request: GenerationRequest = { ...c.request };
  if (c.frames === 'first' || c.frames === 'first-last') request.firstFrame = refs[0]!;
  if (c.frames === 'first-last') request.lastFrame = refs[1]!;
  if (c.frames === 'references') request.references = refs;
  const out = t.out('clip.mp4');

  const accepted = await t.app.intake.submit(request, bob, fileTarget(out));
  if (!accepted.ok) throw new Error(`refused: ${JSON.stringify(accepted.error)}`);
  expect(accepted.value.request.credits).toBe(c.credits);
  const done = await t.finished(accepted.value.jobId);
  expect(done.state).toBe('completed');
  expect(await readFile(out)).toEqual(fake.video);

  const handles = fake.media().map((m) => m.handle);
  expect(handles).toHaveLength(c.images);
  const [body] = fake.submitted();
  if (c.provider === 'runninghub') {
    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([`/openapi/v2/${c.endpoint}`]);
    expect(body).toEqual(c.body(handles));
  } else {
    expect(body).toEqual({ ...c.body(handles), taskUUID: expect.any(String) });
  }
}
