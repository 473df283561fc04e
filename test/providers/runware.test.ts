import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { findModel } from '../../src/core/catalog.js';
import type { GenerationMode, ValidRequest } from '../../src/core/request.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { Fetch } from '../../src/providers/http.js';
import type { StagedMedia, TaskStatus, VideoProvider } from '../../src/providers/provider.js';
import { createRunware } from '../../src/providers/runware/client.js';
import { classifyRunwareError } from '../../src/providers/runware/errors.js';
import { checkRunwareRoute, runwareRoute } from '../../src/providers/runware/route.js';
import { buildRunwareTask } from '../../src/providers/runware/task.js';
import { createRunwareFake, type RunwareFake } from '../fakes/runware.js';
import { clipMp4, makePng, photoJpeg } from '../helpers/media.js';

const model = findModel('kling-2.5-turbo-pro', CATALOG)!;
const route = model.routes.find((r) => r.provider === 'runware')!;

/**
 * The four example request bodies of the Runware model page for KlingAI 2.5 Turbo Pro
 * (`klingai:6@1`), copied from test/fixtures/vendor/seeds/004_d9555d7b91090b93.txt.
 */
const SEED_EXAMPLES: { title: string; body: Record<string, unknown> }[] = [
  // Seed 004, example "Abandoned Hyperloop Terminal Chase".
  {
    title: 'Abandoned Hyperloop Terminal Chase',
    body: {
      taskType: 'videoInference',
      taskUUID: '1bbab86a-244b-4f2a-a16b-867238f56065',
      model: 'klingai:6@1',
      positivePrompt:
        'A tense cinematic pursuit through an abandoned hyperloop terminal reclaimed by wild greenery and drifting paper debris. A courier in a copper emergency suit sprints across cracked boarding platforms while two compact security drones weave between hanging direction signs. The camera begins with a low tracking shot behind the runner, then arcs sideways as the courier vaults a broken turnstile, slides under a fallen display panel, and leaps onto a dormant train carriage. Dust motes swirl through shafts of harsh afternoon light from fractured skylights. In the background, giant route maps flicker erratically, escalators twitch, and vines wrap around sleek old transit architecture. Emphasize smooth realistic body motion, convincing momentum, subtle lens breathing, parallax from pillars rushing past, and a dramatic final push-in as the courier reaches the edge of the platform and the drones close in. High-detail cinematic sci-fi, grounded realism, crisp textures, controlled motion blur, polished trailer-like composition.',
      negativePrompt:
        'low detail, jittery motion, flickering faces, warped anatomy, extra limbs, duplicate character, blurry background, cartoon style, text artifacts, watermark, logo, oversaturated colors, shaky camera, poor lighting, deformed drones',
      width: 1280,
      height: 720,
      duration: 5,
      CFGScale: 0.72,
    },
  },
  // Seed 004, example "Glacial Basilica Transformation Sequence".
  {
    title: 'Glacial Basilica Transformation Sequence',
    body: {
      taskType: 'videoInference',
      taskUUID: 'ed9a939c-1d77-4767-a24e-66a5be049ed0',
      model: 'klingai:6@1',
      positivePrompt:
        'A sweeping cinematic transition through a monumental ice-carved basilica as winter gives way to radiant crystalline renewal. Start in brittle frozen stillness with fine snow dust and hanging frost splinters, then introduce subtle cracking textures, curling vapor, trickling meltwater along the aisle, refracted light growing warmer and brighter, crystal surfaces blooming from the ice, shimmering reflections across the floor, tiny drifting particles catching the light. Camera performs a slow forward glide with slight parallax from pillars and arches, maintaining the grand central composition and the lone white-cloaked figure as visual anchor. Motion is elegant, realistic, and continuous, with strong environmental transformation, rich depth, and polished cinematic lighting.',
      negativePrompt:
        'text, watermark, logo, low detail, blurry, jittery camera, flicker, duplicate figure, deformed architecture, abrupt morphing, inconsistent layout, extra people, oversaturated colors, flat lighting, noisy image, warped perspective',
      width: 1280,
      height: 720,
      duration: 10,
      CFGScale: 0.7,
      inputs: {
        frameImages: [
          {
            image: 'https://assets.runware.ai/assets/inputs/7a723eb1-3e53-4876-b27a-770592d51b81.jpg',
            frame: 'first',
          },
          {
            image: 'https://assets.runware.ai/assets/inputs/1cb85824-9e46-4851-8f69-394c0c7a2e49.jpg',
            frame: 'last',
          },
        ],
      },
    },
  },
  // Seed 004, example "Wind-Torn Cliffside Sprint".
  {
    title: 'Wind-Torn Cliffside Sprint',
    body: {
      taskType: 'videoInference',
      taskUUID: '9045b2eb-9a14-4a96-b5c0-1ba0e2c3e896',
      model: 'klingai:6@1',
      positivePrompt:
        'Starting from the provided first frame, create a cinematic chase sequence on a rugged seaside cliff. The courier runs hard along the edge while the camera tracks low and slightly ahead, then arcs sideways to reveal the vast ocean below. Strong wind whips the coat, grass, ribbons, and hair. Pebbles scatter underfoot, gulls burst into the air, and waves crash against dark rocks far beneath. Keep the glowing brass capsule satchel clearly visible as the hero element. Naturalistic motion, dramatic storm-break lighting, realistic textures, high detail, smooth camera movement, tense adventurous mood, premium trailer-style cinematography.',
      negativePrompt:
        'cartoon, anime, low detail, blurry, shaky camera, warped anatomy, duplicate person, extra limbs, distorted face, flicker, jitter, oversaturated colors, text, watermark, logo',
      width: 1280,
      height: 720,
      duration: 5,
      CFGScale: 0.5,
      inputs: {
        frameImages: [
          {
            image: 'https://assets.runware.ai/assets/inputs/0f72e039-c4d6-479e-b9c0-fb0e65702f6c.jpg',
            frame: 'first',
          },
        ],
      },
    },
  },
  // Seed 004, example "Abandoned Arcade Metamorphosis Sequence".
  {
    title: 'Abandoned Arcade Metamorphosis Sequence',
    body: {
      taskType: 'videoInference',
      taskUUID: 'd4565600-0a76-47ed-a976-8db699ad02ea',
      model: 'klingai:6@1',
      positivePrompt:
        'Create a smooth cinematic transition through a forgotten arcade hall as time and imagination reshape the space. Begin with a dusty abandoned gaming hall with silent cabinets, broken ceiling panels, floating dust and long shafts of afternoon light. The camera performs a slow forward dolly down the central aisle with subtle handheld realism, passing close to cabinet edges for parallax. As the shot progresses, wires sway, paper tickets lift into the air, screens flicker awake one by one, reflections spread across the floor, vines rapidly curl around machines, and the room transforms into a strange lush wonderland. End on the reclaimed version of the same composition with shallow water, vivid greenery, luminous monitor glow, and a bright opening overhead. Strong motion continuity, precise object correspondence, atmospheric depth, cinematic lighting, realistic textures, polished trailer quality.',
      negativePrompt:
        'low resolution, jittery camera, warped geometry, duplicated cabinets, extra objects, text overlays, logos, people, animals, heavy blur, flicker, abrupt cuts, oversaturated skin tones, cartoon style, inconsistent layout',
      width: 1280,
      height: 720,
      duration: 10,
      CFGScale: 0.68,
      inputs: {
        frameImages: [
          {
            image: 'https://assets.runware.ai/assets/inputs/199020ef-498a-4e7e-b135-4bc52127274d.jpg',
            frame: 'first',
          },
          {
            image: 'https://assets.runware.ai/assets/inputs/0895080f-f727-43af-aa42-1e04927cc25c.jpg',
            frame: 'last',
          },
        ],
      },
    },
  },
];

/** The success item the same page shows for "Abandoned Hyperloop Terminal Chase" (no `status`). */
const SEED_SUCCESS = {
  taskType: 'videoInference',
  taskUUID: '1bbab86a-244b-4f2a-a16b-867238f56065',
  videoUUID: 'cb8cfd0e-ec4f-4d62-b4e4-86b787d0b5a0',
  videoURL: 'https://vm.runware.ai/video/os/a10d08/ws/5/vi/cb8cfd0e-ec4f-4d62-b4e4-86b787d0b5a0.mp4',
  seed: 923927480,
  cost: 0.35,
};

/** Optional fields the Runware docs list that our task may add beyond a seed body. */
const DOCUMENTED_EXTRAS = [
  'deliveryMethod',
  'outputType',
  'outputFormat',
  'numberResults',
  'includeCost',
  'webhookURL',
];

interface RequestSpec {
  mode: GenerationMode;
  prompt?: string;
  negativePrompt?: string;
  duration?: number;
  cfgScale?: number;
  aspectRatio?: string;
}

/** A request as `validate` leaves it: image modes carry no aspect ratio (the clip follows the image). */
function requestFor(spec: RequestSpec): ValidRequest {
  const duration = spec.duration ?? 5;
  const request: ValidRequest = {
    model: model.id,
    mode: spec.mode,
    prompt: spec.prompt ?? 'a lighthouse in a storm, waves crashing',
    duration,
    quality: 'pro',
    images: {},
    credits: duration === 10 ? 350 : 175,
  };
  if (spec.negativePrompt !== undefined) request.negativePrompt = spec.negativePrompt;
  if (spec.cfgScale !== undefined) request.cfgScale = spec.cfgScale;
  if (spec.aspectRatio !== undefined) request.aspectRatio = spec.aspectRatio;
  else if (spec.mode === 'text') request.aspectRatio = '16:9';
  return request;
}

/** The request and staged media that should produce one seed body. */
function fromSeed(body: Record<string, unknown>): { request: ValidRequest; media: StagedMedia } {
  const inputs = body.inputs as { frameImages: { image: string; frame: string }[] } | undefined;
  const frames = inputs?.frameImages ?? [];
  const mode: GenerationMode =
    frames.length === 2 ? 'first-last' : frames.length === 1 ? 'first-frame' : 'text';
  const request = requestFor({
    mode,
    prompt: body.positivePrompt as string,
    negativePrompt: body.negativePrompt as string,
    duration: body.duration as number,
    cfgScale: body.CFGScale as number,
  });
  const media: StagedMedia = {};
  const first = frames.find((f) => f.frame === 'first');
  const last = frames.find((f) => f.frame === 'last');
  if (first) media.first = first.image;
  if (last) media.last = last.image;
  return { request, media };
}

const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every field of `expected` is in `actual` with the same JSON type, recursively; image strings aside. */
function expectSameShape(expected: unknown, actual: unknown, path = '$'): void {
  expect(jsonType(actual), path).toBe(jsonType(expected));
  if (Array.isArray(expected)) {
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((item, i) => {
      expectSameShape(item, (actual as unknown[])[i], `${path}[${i}]`);
    });
  } else if (jsonType(expected) === 'object') {
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      expect(actual as object, `${path} has ${key}`).toHaveProperty(key);
      expectSameShape(value, (actual as Record<string, unknown>)[key], `${path}.${key}`);
    }
  }
}

/** The ProviderError a promise rejects with (fails the test on anything else). */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError, got success');
}

/** A transport that edits the task array on its way out, to send what our builder never would. */
function tampering(edit: (tasks: Record<string, unknown>[]) => void): Fetch {
  return async (input, init) => {
    const tasks = JSON.parse(String(init?.body)) as Record<string, unknown>[];
    edit(tasks);
    return fetch(input, { ...init, body: JSON.stringify(tasks) });
  };
}

/** A transport that answers every call with one canned response (shapes the fake does not send). */
function answering(body: unknown, status = 200): Fetch {
  return async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const OFFLINE = 'http://127.0.0.1:9/v1';

describe('buildRunwareTask', () => {
  let fake: RunwareFake;
  beforeEach(async () => {
    fake = await createRunwareFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it.each(SEED_EXAMPLES)('builds seed 004 "$title" and the fake accepts it', async ({ body }) => {
    const { request, media } = fromSeed(body);
    const input = { route, request, media, clientTaskId: body.taskUUID as string };
    const task = buildRunwareTask(input);

    expectSameShape(body, task);
    // The frame images are the seed's own URLs here, so every value matches too.
    expect(task).toMatchObject(body);
    const extras = Object.keys(task).filter((key) => !(key in body));
    for (const key of extras) expect(DOCUMENTED_EXTRAS).toContain(key);
    expect(task).toMatchObject({
      deliveryMethod: 'async',
      outputType: 'URL',
      outputFormat: 'MP4',
      numberResults: 1,
      includeCost: true,
    });

    const provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const result = await provider.submit(input);
    expect(result).toEqual({ taskId: body.taskUUID, status: { state: 'pending', phase: 'queued' } });
    expect(fake.submitted()).toEqual([task]);
    const [recorded] = fake.server.requestsOf('submit');
    expect(recorded?.json).toEqual([task]);
    expect(recorded?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('sizes text clips by aspect ratio and image clips at 16:9, and adds webhookURL when given', () => {
    const id = randomUUID();
    const portrait = buildRunwareTask({
      route,
      request: requestFor({ mode: 'text', aspectRatio: '9:16' }),
      media: {},
      clientTaskId: id,
    });
    expect(portrait).toMatchObject({ width: 720, height: 1280, duration: 5 });
    expect(portrait).not.toHaveProperty('inputs');
    expect(portrait).not.toHaveProperty('CFGScale');
    expect(portrait).not.toHaveProperty('negativePrompt');
    expect(portrait).not.toHaveProperty('webhookURL');

    const image = buildRunwareTask({
      route,
      request: requestFor({ mode: 'first-frame', cfgScale: 0.5 }),
      media: { first: 'img-uuid' },
      clientTaskId: id,
      webhookUrl: 'https://hooks.example/runware/abc',
    });
    expect(image).toMatchObject({
      width: 1280,
      height: 720,
      CFGScale: 0.5,
      inputs: { frameImages: [{ image: 'img-uuid', frame: 'first' }] },
      webhookURL: 'https://hooks.example/runware/abc',
    });
    expect(image).not.toHaveProperty('frameImages');
  });

  it('sends a chosen seed, and no size where the clip follows the first frame (klingai:6@0)', () => {
    const std = findModel('kling-2.5-turbo-std', CATALOG)!.routes.find((r) => r.provider === 'runware')!;
    const task = buildRunwareTask({
      route: std,
      request: { ...requestFor({ mode: 'first-frame' }), seed: 77 },
      media: { first: 'img-uuid' },
      clientTaskId: randomUUID(),
    });
    expect(task).toMatchObject({ model: 'klingai:6@0', seed: 77 });
    expect(task).not.toHaveProperty('width');
    expect(task).not.toHaveProperty('height');
    const unseeded = buildRunwareTask({
      route,
      request: requestFor({ mode: 'text' }),
      media: {},
      clientTaskId: randomUUID(),
    });
    expect(unseeded).not.toHaveProperty('seed');
  });

  it('refuses a route without sizes for text, where nothing gives the clip a size', () => {
    expect(checkRunwareRoute(runwareRoute('klingai:6@0', ['text', 'first-frame']))).toEqual([
      "text mode needs sizes: without them the clip takes the first frame's size",
    ]);
    expect(checkRunwareRoute(runwareRoute('klingai:6@0', ['first-frame']))).toEqual([]);
  });

  it('refuses, as bad-request, a task it cannot build', () => {
    const request = requestFor({ mode: 'first-last' });
    const kindOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (error) {
        return error instanceof ProviderError ? error.kind : 'not a ProviderError';
      }
      return undefined;
    };
    expect(kindOf(() => buildRunwareTask({ route, request, media: { first: 'a', last: 'b' } }))).toBe(
      'bad-request',
    );
    expect(
      kindOf(() =>
        buildRunwareTask({ route, request, media: { first: 'a', last: 'b' }, clientTaskId: 'job-1' }),
      ),
    ).toBe('bad-request');
    expect(
      kindOf(() => buildRunwareTask({ route, request, media: { first: 'a' }, clientTaskId: randomUUID() })),
    ).toBe('bad-request');
  });
});

describe('createRunware against the fake', () => {
  let fake: RunwareFake;
  let provider: VideoProvider;
  beforeEach(async () => {
    fake = await createRunwareFake();
    provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('is named runware and takes our task ids', () => {
    expect(provider.name).toBe('runware');
    expect(provider.clientTaskIds).toBe(true);
  });

  it('stages frames, submits under our taskUUID, polls to success and serves the clip', async () => {
    const first = photoJpeg();
    const last = makePng(640, 360, 2);
    const firstId = await provider.stageMedia({ bytes: first, contentType: 'image/jpeg', filename: 'a.jpg' });
    const lastId = await provider.stageMedia({ bytes: last, contentType: 'image/png', filename: 'b.png' });
    expect(fake.media().map((m) => [m.handle, m.contentType])).toEqual([
      [firstId, 'image/jpeg'],
      [lastId, 'image/png'],
    ]);
    expect(fake.media()[0]?.bytes.equals(first)).toBe(true);
    expect(fake.media()[1]?.bytes.equals(last)).toBe(true);

    const taskId = randomUUID();
    const submitted = await provider.submit({
      route,
      request: requestFor({ mode: 'first-last', duration: 10, cfgScale: 0.7 }),
      media: { first: firstId, last: lastId },
      clientTaskId: taskId,
    });
    expect(submitted).toEqual({ taskId, status: { state: 'pending', phase: 'queued' } });
    const frames = fake.framesOf(taskId);
    expect(frames.map((f) => f.position)).toEqual(['first', 'last']);
    expect(frames[0]?.media?.bytes.equals(first)).toBe(true);
    expect(frames[1]?.media?.bytes.equals(last)).toBe(true);

    const seen: TaskStatus[] = [];
    for (let i = 0; i < 10; i++) {
      const status = await provider.check(taskId);
      seen.push(status);
      if (status.state !== 'pending') break;
    }
    expect(seen).toEqual([
      { state: 'pending', phase: 'running', progress: 33 },
      { state: 'pending', phase: 'running', progress: 67 },
      { state: 'succeeded', videoUrl: fake.videoUrlFor(taskId), cost: 0.7 },
    ]);
    const done = seen.at(-1);
    if (done?.state !== 'succeeded') throw new Error('not succeeded');
    const clip = await fetch(done.videoUrl);
    expect(clip.status).toBe(200);
    expect(Buffer.from(await clip.arrayBuffer()).equals(clipMp4())).toBe(true);
    expect(fake.server.requestsOf('download')).toHaveLength(1);
    expect(fake.submitCount()).toBe(1);
    for (const r of fake.server.requests.filter((q) => q.method === 'POST')) {
      expect(Array.isArray(r.json)).toBe(true);
      expect(r.path).toBe('/v1');
    }
  });

  it('finishes by elapsed time when the fake has a generation time', async () => {
    fake.generationMs = 150;
    const taskId = randomUUID();
    await provider.submit({ route, request: requestFor({ mode: 'text' }), media: {}, clientTaskId: taskId });
    const early = await provider.check(taskId);
    expect(early).toMatchObject({ state: 'pending', phase: 'running' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await provider.check(taskId)).toEqual({
      state: 'succeeded',
      videoUrl: fake.videoUrlFor(taskId),
      cost: 0.35,
    });
  });

  it('answers not-found for a task never submitted, and the status once it is (resume after a crash)', async () => {
    const taskId = randomUUID();
    const missing = await failure(provider.check(taskId));
    expect(missing.kind).toBe('not-found');
    expect(missing.code).toBe('taskFailedOrNotFound');
    expect(fake.submitCount()).toBe(0);

    await provider.submit({ route, request: requestFor({ mode: 'text' }), media: {}, clientTaskId: taskId });
    expect(await provider.check(taskId)).toEqual({ state: 'pending', phase: 'running', progress: 33 });
    expect(fake.submitCount()).toBe(1);
  });

  it('will not submit without our task id, nor upload anything but an image', async () => {
    const noId = await failure(provider.submit({ route, request: requestFor({ mode: 'text' }), media: {} }));
    expect(noId.kind).toBe('bad-request');
    const video = await failure(
      provider.stageMedia({ bytes: clipMp4(), contentType: 'video/mp4', filename: 'ref.mp4' }),
    );
    expect(video.kind).toBe('bad-request');
    expect(fake.server.requests).toHaveLength(0);
  });

  it('maps the fake faults to their kinds', async () => {
    const submit = () =>
      provider.submit({
        route,
        request: requestFor({ mode: 'text' }),
        media: {},
        clientTaskId: randomUUID(),
      });

    fake.server.inject('content-rejected', { on: 'submit' });
    const rejected = await failure(submit());
    expect([rejected.kind, rejected.code, rejected.status]).toEqual([
      'content-rejected',
      'contentPolicyViolation',
      400,
    ]);

    fake.server.inject('no-balance', { on: 'submit' });
    const broke = await failure(submit());
    expect([broke.kind, broke.code, broke.status]).toEqual(['account', 'insufficientCredits', 402]);

    fake.server.inject('bad-key', { on: 'submit' });
    const key = await failure(submit());
    expect([key.kind, key.code, key.status]).toEqual(['account', 'invalidApiKey', 401]);

    const flagged = await submit();
    fake.server.inject('content-rejected', { on: 'query' });
    const moderated = await provider.check(flagged.taskId);
    expect(moderated.state === 'failed' && [moderated.error.kind, moderated.error.code]).toEqual([
      'content-rejected',
      'providerContentPolicyViolation',
    ]);

    const broken = await submit();
    fake.server.inject('task-failed', { on: 'query' });
    const failed = await provider.check(broken.taskId);
    expect(failed.state === 'failed' && [failed.error.kind, failed.error.code]).toEqual([
      'generation-failed',
      'inferenceError',
    ]);
    // A failed task stays failed.
    expect((await provider.check(broken.taskId)).state).toBe('failed');
  });

  it("keeps an 'any' content fault for the task's query, not the upload or submit before it", async () => {
    fake.server.inject('content-rejected');
    const image = await provider.stageMedia({
      bytes: photoJpeg(),
      contentType: 'image/jpeg',
      filename: 'a.jpg',
    });
    const { taskId } = await provider.submit({
      route,
      request: requestFor({ mode: 'first-frame' }),
      media: { first: image },
      clientTaskId: randomUUID(),
    });
    const status = await provider.check(taskId);
    expect(status.state === 'failed' && status.error.kind).toBe('content-rejected');
  });
});

describe('the fake is as strict as the docs', () => {
  let fake: RunwareFake;
  beforeEach(async () => {
    fake = await createRunwareFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  const textInput = (clientTaskId = randomUUID()) => ({
    route,
    request: requestFor({ mode: 'text' }),
    media: {},
    clientTaskId,
  });

  it('refuses duration 7 with unsupportedDuration and its allowed values', async () => {
    const provider = createRunware({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      fetch: tampering(([task]) => {
        if (task) task.duration = 7;
      }),
    });
    const error = await failure(provider.submit(textInput()));
    expect([error.kind, error.code, error.status]).toEqual(['bad-request', 'unsupportedDuration', 400]);
    const [answer] = fake.server.requestsOf('submit');
    expect(answer).toBeDefined();
    expect(fake.submitted()).toHaveLength(0);
    // The body the fake answered with, as providers.md documents it.
    const raw = await fetch(fake.baseUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ ...buildRunwareTask(textInput()), duration: '5' }]),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      errors: [{ code: 'unsupportedDuration', parameter: 'duration', allowedValues: [5, 10] }],
    });
  });

  it('refuses width without height', async () => {
    const provider = createRunware({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      fetch: tampering(([task]) => {
        if (task) delete task.height;
      }),
    });
    const error = await failure(provider.submit(textInput()));
    expect([error.kind, error.code]).toEqual(['bad-request', 'missingHeight']);
  });

  it('refuses the flat legacy frameImages form', async () => {
    const provider = createRunware({
      apiKey: fake.apiKey,
      baseUrl: fake.baseUrl,
      fetch: tampering(([task]) => {
        if (!task) return;
        const { frameImages } = task.inputs as { frameImages: { image: string; frame: string }[] };
        task.frameImages = frameImages.map((f) => ({ inputImage: f.image, frame: f.frame }));
        delete task.inputs;
      }),
    });
    const error = await failure(
      provider.submit({
        route,
        request: requestFor({ mode: 'first-frame' }),
        media: { first: 'https://cdn.example/first.jpg' },
        clientTaskId: randomUUID(),
      }),
    );
    expect([error.kind, error.code]).toEqual(['bad-request', 'unsupportedParameter']);
  });

  it('refuses a reused taskUUID, so a double submit shows', async () => {
    const provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const id = randomUUID();
    await provider.submit(textInput(id));
    const error = await failure(provider.submit(textInput(id)));
    expect([error.kind, error.code]).toEqual(['bad-request', 'duplicateTaskUUID']);
    expect(fake.submitCount()).toBe(2);
    expect(fake.submitted()).toHaveLength(1);
  });

  it('refuses a wrong key with 401 invalidApiKey, and no message carries the key', async () => {
    const wrongKey = 'rw-wrong-key-DO-NOT-LEAK-9c1e';
    const provider = createRunware({ apiKey: wrongKey, baseUrl: fake.baseUrl });
    const errors = [
      await failure(provider.submit(textInput())),
      await failure(provider.check(randomUUID())),
      await failure(
        provider.stageMedia({ bytes: photoJpeg(), contentType: 'image/jpeg', filename: 'a.jpg' }),
      ),
    ];
    for (const error of errors) {
      expect([error.kind, error.code, error.status]).toEqual(['account', 'invalidApiKey', 401]);
      expect(error.message).not.toContain(wrongKey);
    }
  });

  it('refuses a body that is not an array, unknown fields and unissued image UUIDs', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(fake.baseUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { errors?: { code: string }[] } };
    };
    const task = buildRunwareTask({
      route,
      request: requestFor({ mode: 'first-frame' }),
      media: { first: randomUUID() },
      clientTaskId: randomUUID(),
    });
    expect((await post(task)).body.errors?.[0]?.code).toBe('invalidRequestBody');
    expect((await post([{ ...task, motion: 'fast' }])).body.errors?.[0]?.code).toBe('unsupportedParameter');
    const unissued = await post([task]);
    expect([unissued.status, unissued.body.errors?.[0]?.code]).toEqual([400, 'invalidFrameImage']);
    expect(fake.submitted()).toHaveLength(0);
  });
});

describe('classifyRunwareError', () => {
  const kind = (code: string, status?: number) => classifyRunwareError(code, 'm', status).kind;

  it('sorts each family of codes and statuses', () => {
    expect(kind('invalidApiKey')).toBe('account');
    expect(kind('', 401)).toBe('account');
    expect(kind('insufficientCredits', 402)).toBe('account');
    expect(kind('notEnoughBALANCE')).toBe('account');
    expect(kind('', 402)).toBe('account');
    expect(kind('rateLimitExceeded')).toBe('rate-limited');
    expect(kind('', 429)).toBe('rate-limited');
    expect(kind('timeoutProvider')).toBe('transient');
    expect(kind('', 500)).toBe('transient');
    expect(kind('', 408)).toBe('transient');
    expect(kind('taskFailedOrNotFound', 400)).toBe('not-found');
    expect(kind('taskCancelled')).toBe('generation-failed');
    for (const code of [
      'contentPolicyViolation',
      'providerContentPolicyViolation',
      'nsfwContentDetected',
      'sensitiveContentDetected',
      'unsafeContentDetected',
      'promptBlocked',
      'imageBlocked',
      'moderationFailed',
    ]) {
      expect(kind(code, 400), code).toBe('content-rejected');
    }
    expect(kind('unsupportedDuration', 400)).toBe('bad-request');
    expect(kind('invalidWidth', 400)).toBe('bad-request');
    expect(kind('missingPositivePrompt', 400)).toBe('bad-request');
    expect(kind('invalidSafetyMode', 400)).toBe('bad-request');
    expect(kind('somethingNew', 400)).toBe('bad-request');
    // A task's own failure with a code we do not know.
    expect(kind('inferenceError')).toBe('generation-failed');
    const error = classifyRunwareError('rateLimitExceeded', 'slow down', 429, { retryAfterMs: 2000 });
    expect([error.provider, error.code, error.status, error.retryAfterMs]).toEqual([
      'runware',
      'rateLimitExceeded',
      429,
      2000,
    ]);
  });

  describe('transport failures through the fake', () => {
    let fake: RunwareFake;
    beforeEach(async () => {
      fake = await createRunwareFake();
    });
    afterEach(async () => {
      await fake.close();
    });
    const submit = (provider: VideoProvider) =>
      provider.submit({
        route,
        request: requestFor({ mode: 'text' }),
        media: {},
        clientTaskId: randomUUID(),
      });

    it('reads 429 with Retry-After as rate-limited', async () => {
      const provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      fake.server.inject('rate-limit', { on: 'submit', retryAfterSeconds: 7 });
      const error = await failure(submit(provider));
      expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate-limited', 429, 7000]);
    });

    it('reads 500, a dropped connection and a time-out as transient', async () => {
      const provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, timeoutMs: 150 });
      fake.server.inject('server-error', { on: 'submit' });
      const five = await failure(submit(provider));
      expect([five.kind, five.status]).toEqual(['transient', 500]);

      fake.server.inject('drop', { on: 'submit' });
      expect((await failure(submit(provider))).kind).toBe('transient');

      fake.server.slowMs = 600;
      fake.server.inject('slow', { on: 'query' });
      const slow = await failure(provider.check(randomUUID()));
      expect(slow.kind).toBe('transient');
      expect(slow.message).toContain('timed out');
      expect(fake.submitted()).toHaveLength(0);
    });
  });
});

describe('createRunware tolerates documented response variants', () => {
  it('takes imageUpload data as one object, not only an array', async () => {
    const provider = createRunware({
      apiKey: 'k',
      baseUrl: OFFLINE,
      fetch: answering({ data: { taskType: 'imageUpload', taskUUID: 'x', imageUUID: 'img-1' } }),
    });
    expect(
      await provider.stageMedia({ bytes: photoJpeg(), contentType: 'image/jpeg', filename: 'a.jpg' }),
    ).toBe('img-1');
  });

  it('reads the seed-page success item, which has no status field', async () => {
    const provider = createRunware({
      apiKey: 'k',
      baseUrl: OFFLINE,
      fetch: answering({ data: [SEED_SUCCESS] }),
    });
    expect(await provider.check(SEED_SUCCESS.taskUUID)).toEqual({
      state: 'succeeded',
      videoUrl: SEED_SUCCESS.videoURL,
      cost: 0.35,
    });
  });

  it('reads a task error in errors[] as failed, and an empty answer as queued', async () => {
    const taskUUID = randomUUID();
    const timedOut = createRunware({
      apiKey: 'k',
      baseUrl: OFFLINE,
      fetch: answering({
        data: [],
        errors: [{ code: 'timeoutProvider', message: 'provider timed out', taskUUID }],
      }),
    });
    const status = await timedOut.check(taskUUID);
    expect(status.state === 'failed' && [status.error.kind, status.error.code]).toEqual([
      'transient',
      'timeoutProvider',
    ]);
    const empty = createRunware({ apiKey: 'k', baseUrl: OFFLINE, fetch: answering({ data: [] }) });
    expect(await empty.check(taskUUID)).toEqual({ state: 'pending', phase: 'queued' });
  });

  it('never repeats the key, even when Runware quotes it', async () => {
    const apiKey = 'rw-secret-0d9a7b';
    const provider = createRunware({
      apiKey,
      baseUrl: OFFLINE,
      fetch: answering({ errors: [{ code: 'invalidApiKey', message: `Invalid API key ${apiKey}` }] }, 401),
    });
    const error = await failure(provider.check(randomUUID()));
    expect(error.kind).toBe('account');
    expect(error.message).not.toContain(apiKey);
    expect(error.message).toContain('[redacted]');
  });
});
