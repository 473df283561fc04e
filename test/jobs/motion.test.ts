import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationRequest, MediaRef, Requester } from '../../src/core/request.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, memberUsage, startHarness } from '../helpers/harness.js';
import { clipMp4, mp4Lasting, photoJpeg } from '../helpers/media.js';

/**
 * Motion control, from intake to a file, against the RunningHub fake: each model's motion-control
 * endpoint gets the character image and the driving video, and exactly the body the vendor's table
 * describes (the fake checks it against that table too).
 */

const bob: Requester = { platform: 'telegram', userId: 'bob' };
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(): Promise<Harness> {
  h = await startHarness({ providers: ['runninghub'], env: { QUOTA_DAILY_CREDITS: '10000' } });
  return h;
}

/** The character image and the driving video, on the harness's file host. */
function inputs(t: Harness, video = clipMp4()): { image: MediaRef; video: MediaRef } {
  return {
    image: {
      source: { kind: 'url', id: t.files.put('dancer.jpg', photoJpeg(), 'image/jpeg') },
      filename: 'dancer.jpg',
      contentType: 'image/jpeg',
    },
    video: {
      source: { kind: 'url', id: t.files.put('moves.mp4', video, 'video/mp4') },
      filename: 'moves.mp4',
      contentType: 'video/mp4',
    },
  };
}

const motion = (t: Harness, request: Omit<GenerationRequest, 'mode'>, video?: Buffer): GenerationRequest => {
  const { image, video: driving } = inputs(t, video);
  return { ...request, mode: 'motion', firstFrame: image, referenceVideo: driving };
};

interface MotionCase {
  model: string;
  request: Partial<GenerationRequest>;
  endpoint: string;
  /** What the body adds to the prompt, the two inputs and the fixed orientation. */
  extra: Record<string, unknown>;
  credits: number;
}

const CASES: MotionCase[] = [
  // Charged as a 10 s clip without generated sound.
  {
    model: 'kling-2.6-pro',
    request: {},
    endpoint: 'kling-v2.6-pro/motion-control',
    extra: { keepOriginalSound: 'yes' },
    credits: 350,
  },
  {
    model: 'kling-2.6-std',
    request: {},
    endpoint: 'kling-v2.6-std/motion-control',
    extra: { keepOriginalSound: 'yes' },
    credits: 210,
  },
  {
    model: 'kling-3.0-pro',
    request: { negativePrompt: 'blurry' },
    endpoint: 'kling-v3.0-pro/motion-control',
    extra: { negativePrompt: 'blurry', keepOriginalSound: true },
    credits: 10 * 72,
  },
  {
    model: 'kling-3.0-std',
    request: {},
    endpoint: 'kling-v3.0-std/motion-control',
    extra: { keepOriginalSound: true },
    credits: 10 * 54,
  },
];

describe('motion control end to end, one clip per model', () => {
  it.each(CASES.map((c) => [c.model, c] as const))('%s', async (_, c) => {
    const t = await harness();
    const out = t.out('clip.mp4');
    const request = motion(t, { model: c.model, prompt: 'she dances on the roof', ...c.request });
    const accepted = await t.app.intake.submit(request, bob, fileTarget(out));
    if (!accepted.ok) throw new Error(`refused: ${JSON.stringify(accepted.error)}`);
    expect(accepted.value.request).toMatchObject({ mode: 'motion', duration: 10, credits: c.credits });
    expect(accepted.value.request.sound).toBeUndefined();
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('completed');
    expect(await readFile(out)).toEqual(t.rh.video);

    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([`/openapi/v2/${c.endpoint}`]);
    const [task] = t.rh.tasks();
    const inputs = t.rh.inputsOf(task?.taskId as string);
    expect(inputs.imageUrl?.[0]?.bytes).toEqual(photoJpeg());
    expect(inputs.videoUrl?.[0]?.bytes).toEqual(clipMp4());
    const [image, video] = t.rh.media().map((m) => m.handle);
    expect(t.rh.submitted()).toEqual([
      {
        prompt: 'she dances on the roof',
        imageUrl: image,
        videoUrl: video,
        characterOrientation: 'video',
        ...c.extra,
      },
    ]);
  });
});

describe('motion control refusals', () => {
  it('a driving video longer than 10 s fails before the provider, naming it, at no charge', async () => {
    const t = await harness();
    const request = motion(t, { model: 'kling-2.6-pro', prompt: 'a long dance' }, mp4Lasting(12));
    const accepted = await t.app.intake.submit(request, bob, fileTarget(t.out('clip.mp4')));
    if (!accepted.ok) throw new Error(`refused: ${JSON.stringify(accepted.error)}`);
    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('failed');
    expect(done.deliver?.data.outcome).toMatchObject({
      kind: 'failure',
      error: { id: 'video-too-long', details: { input: 'driving-video', seconds: 12, max: 10 } },
      refunded: true,
    });
    expect(t.rh.submitCount()).toBe(0);
    expect((await memberUsage(t.app, bob)).used).toBe(0);
  });

  it('a request without its video, or with a model that has no motion control, is refused at once', async () => {
    const t = await harness();
    const { image } = inputs(t);
    const target = fileTarget(t.out('clip.mp4'));
    const noVideo = await t.app.intake.submit(
      { model: 'kling-2.6-pro', prompt: 'dance', mode: 'motion', firstFrame: image },
      bob,
      target,
    );
    expect(noVideo).toEqual({ ok: false, error: { id: 'motion-inputs', details: { images: 1, videos: 0 } } });
    const o1 = await t.app.intake.submit(motion(t, { model: 'kling-o1', prompt: 'dance' }), bob, target);
    expect(o1).toMatchObject({
      ok: false,
      error: {
        id: 'mode-unsupported',
        details: {
          mode: 'motion',
          models: ['kling-3.0-pro', 'kling-3.0-std', 'kling-2.6-pro', 'kling-2.6-std'],
        },
      },
    });
    expect(t.rh.submitCount()).toBe(0);
  });
});
