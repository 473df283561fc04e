import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { findModel as findIn, type Route } from '../../src/core/catalog.js';
import type { GenerationRequest, MediaRef, ValidRequest } from '../../src/core/request.js';
import { validate as validateIn } from '../../src/core/validate.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { Fetch } from '../../src/providers/http.js';
import type { Media, StagedMedia, TaskStatus, VideoProvider } from '../../src/providers/provider.js';
import { buildRunningHubBody } from '../../src/providers/runninghub/body.js';
import { createRunningHub } from '../../src/providers/runninghub/client.js';
import {
  classifyRunningHubError,
  RUNNINGHUB_DEFAULT_RETRY_AFTER_MS,
} from '../../src/providers/runninghub/errors.js';
import {
  type RunningHubFields,
  type RunningHubRouteParams,
  runningHubRoute,
} from '../../src/providers/runninghub/route.js';
import { createRunningHubFake, type RunningHubFake } from '../fakes/runninghub.js';
import { clipMp4, makePng, photoJpeg } from '../helpers/media.js';

const KEY = 'rh-secret-key-0123456789abcdef';
const WRONG_KEY = 'rh-wrong-key-fedcba9876543210';
const SEEDS_DIR = new URL('../fixtures/vendor/seeds/', import.meta.url);

/** Every ProviderError the tests saw, checked at the end: none may carry a key. */
const seen: ProviderError[] = [];

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) {
      seen.push(error);
      return error;
    }
    throw error;
  }
  throw new Error('expected a ProviderError');
}

function failure(status: TaskStatus): ProviderError {
  if (status.state !== 'failed') throw new Error(`expected a failed status, got ${JSON.stringify(status)}`);
  seen.push(status.error);
  return status.error;
}

const findModel = (id: string) => findIn(id, CATALOG);
const validate = (req: GenerationRequest) => validateIn(req, CATALOG);

/** The endpoints of a (cloned) route, to alter in a test. */
const endpointsOf = (route: Route) => (route.params as RunningHubRouteParams).endpoints;

function rhRoute(modelId: string): Route {
  const route = findModel(modelId)?.routes.find((r) => r.provider === 'runninghub');
  if (route?.provider !== 'runninghub') throw new Error(`${modelId} has no RunningHub route`);
  return structuredClone(route);
}

function valid(req: GenerationRequest): ValidRequest {
  const result = validate(req);
  if (!result.ok) throw new Error(`invalid request: ${JSON.stringify(result.error)}`);
  return result.value;
}

const imageRef = (url: string, contentType = 'image/jpeg'): MediaRef => ({
  source: { kind: 'url', id: url },
  contentType,
});

const jpeg = (name = 'photo.jpg'): Media => ({
  bytes: photoJpeg(),
  contentType: 'image/jpeg',
  filename: name,
});
const png = (seed: number): Media => ({
  bytes: makePng(640, 360, seed),
  contentType: 'image/png',
  filename: `ref-${seed}.png`,
});
const mp4 = (): Media => ({ bytes: clipMp4(), contentType: 'video/mp4', filename: 'motion.mp4' });

/** The endpoint path and the example body of a seed page's curl sample. */
function seedExample(prefix: string): { path: string; body: Record<string, unknown> } {
  const name = readdirSync(SEEDS_DIR).find((f) => f.startsWith(`${prefix}_`));
  if (!name) throw new Error(`no seed ${prefix}`);
  const text = readFileSync(new URL(name, SEEDS_DIR), 'utf8');
  const path = /^\/openapi\/v2\/(\S+)$/m.exec(text)?.[1];
  // --data-raw '…' is shell-quoted: an apostrophe inside is written '\''.
  const raw = /--data-raw '((?:[^']|'\\'')*)'/.exec(text)?.[1];
  if (!path || raw === undefined) throw new Error(`seed ${prefix}: no endpoint or curl body`);
  return { path, body: JSON.parse(raw.replaceAll("'\\''", "'")) as Record<string, unknown> };
}

const jsonType = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;

const URL_FIELDS = new Set(['firstImageUrl', 'lastImageUrl', 'imageUrls', 'videoUrl']);

let fake: RunningHubFake;
let rh: VideoProvider;

beforeEach(async () => {
  fake = await createRunningHubFake({ apiKey: KEY });
  rh = createRunningHub({ apiKey: KEY, baseUrl: fake.baseUrl });
});

afterEach(async () => {
  await fake.close();
});

afterAll(() => {
  expect(seen.length).toBeGreaterThan(20);
  for (const error of seen) {
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain(WRONG_KEY);
    expect(error.message).not.toMatch(/\?\S*=/);
  }
});

describe('seed examples', () => {
  const cases = [
    { seed: '000', model: 'kling-2.5-turbo-pro' },
    { seed: '001', model: 'kling-o1' },
    { seed: '002', model: 'kling-o1' },
    { seed: '003', model: 'kling-o3-pro' },
  ];

  it.each(cases)(
    'seed $seed: $model builds the body the vendor page shows, and the fake takes it',
    async ({ seed, model }) => {
      const example = seedExample(seed);
      const s = example.body;
      const request = valid({
        model,
        prompt: s.prompt as string,
        ...(s.duration === undefined ? {} : { duration: Number(s.duration) }),
        ...(s.aspectRatio === undefined ? {} : { aspectRatio: s.aspectRatio as string }),
        ...(s.mode === undefined ? {} : { quality: s.mode as string }),
        ...(s.guidanceScale === undefined ? {} : { cfgScale: s.guidanceScale as number }),
        ...(s.sound === undefined ? {} : { sound: s.sound as boolean }),
        ...(s.firstImageUrl === undefined ? {} : { firstFrame: imageRef(s.firstImageUrl as string) }),
        ...(s.lastImageUrl === undefined ? {} : { lastFrame: imageRef(s.lastImageUrl as string) }),
        ...(s.imageUrls === undefined
          ? {}
          : { references: (s.imageUrls as string[]).map((u) => imageRef(u)) }),
        ...(s.videoUrl === undefined ? {} : { referenceVideo: imageRef(s.videoUrl as string, 'video/mp4') }),
      });

      const media: StagedMedia = {};
      if (request.images.first) media.first = await rh.stageMedia(jpeg('first.jpg'));
      if (request.images.last) media.last = await rh.stageMedia(png(2));
      if (request.images.references) {
        media.references = await Promise.all(
          request.images.references.map((_, i) => rh.stageMedia(png(10 + i))),
        );
      }
      if (request.images.video) media.video = await rh.stageMedia(mp4());

      const route = rhRoute(model);
      const { path, body } = buildRunningHubBody({ route, request, media });
      expect(path).toBe(example.path);
      expect(Object.keys(body).sort()).toEqual(Object.keys(s).sort());
      for (const [key, value] of Object.entries(s)) {
        expect(jsonType(body[key]), key).toBe(jsonType(value));
        if (!URL_FIELDS.has(key)) expect(body[key], key).toEqual(value);
      }
      if (media.first) expect(body.firstImageUrl).toBe(media.first);
      if (media.last) expect(body.lastImageUrl).toBe(media.last);
      if (media.references) expect(body.imageUrls).toEqual(media.references);
      if (media.video) expect(body.videoUrl).toBe(media.video);

      const submitted = await rh.submit({ route, request, media });
      expect(submitted.taskId).toMatch(/^\d{19}$/);
      expect(submitted.status).toEqual({ state: 'pending', phase: 'queued' });
      expect(fake.submitted()).toEqual([body]);
      expect(fake.tasks()[0]?.endpoint).toBe(example.path);
    },
  );
});

describe('buildRunningHubBody', () => {
  const base = { prompt: 'a red fox runs through snow', model: 'kling-2.5-turbo-pro' };

  it('omits unset optionals and sends a negative prompt only when there is one', () => {
    const route = rhRoute('kling-2.5-turbo-pro');
    const plain = buildRunningHubBody({ route, request: valid(base), media: {} });
    expect(plain).toEqual({
      path: 'kling-v2.5-turbo-pro/text-to-video',
      body: { prompt: base.prompt, duration: '5', guidanceScale: 0.5, aspectRatio: '16:9' },
    });
    const withNegative = buildRunningHubBody({
      route,
      request: valid({ ...base, negativePrompt: 'blurry', duration: 10 }),
      media: {},
    });
    expect(withNegative.body).toMatchObject({ negativePrompt: 'blurry', duration: '10' });
  });

  it('sends an INT duration as a number and adds the fixed values', () => {
    const request = valid({
      model: 'kling-o3-pro',
      prompt: 'two friends wave',
      duration: 12,
      sound: true,
      references: [imageRef('https://cdn.example/a.jpg')],
    });
    const { body } = buildRunningHubBody({
      route: rhRoute('kling-o3-pro'),
      request,
      media: { references: ['u1'] },
    });
    expect(body).toEqual({
      prompt: 'two friends wave',
      imageUrls: ['u1'],
      sound: true,
      aspectRatio: '16:9',
      duration: 12,
      keepOriginalSound: true,
      multiShot: false,
    });
  });

  it('refuses a route without the mode, a Runware route, and an image with nowhere to go', () => {
    const reference = valid({
      model: 'kling-o3-pro',
      prompt: 'two friends wave',
      references: [imageRef('https://cdn.example/a.jpg')],
    });
    const noMode = (() => {
      try {
        buildRunningHubBody({ route: rhRoute('kling-o1'), request: reference, media: { references: ['u'] } });
      } catch (error) {
        return error;
      }
    })();
    expect(noMode).toBeInstanceOf(ProviderError);
    expect((noMode as ProviderError).kind).toBe('bad-request');

    const runware = findModel('kling-2.5-turbo-pro')!.routes.find((r) => r.provider === 'runware')!;
    expect(() => buildRunningHubBody({ route: runware, request: valid(base), media: {} })).toThrow(
      /not a RunningHub/,
    );

    const firstFrame = valid({ ...base, firstFrame: imageRef('https://cdn.example/a.jpg') });
    expect(() =>
      buildRunningHubBody({ route: rhRoute('kling-2.5-turbo-pro'), request: firstFrame, media: {} }),
    ).toThrow(/not staged/);
    expect(() =>
      buildRunningHubBody({
        route: rhRoute('kling-2.5-turbo-pro'),
        request: firstFrame,
        media: { first: 'a', video: 'v' },
      }),
    ).toThrow(/takes no reference video/);
  });
});

describe('field formats: resolution, seed, sound and a single image in a list', () => {
  /** A validated request as validate makes it, for a route of another family (no catalog entry needed). */
  const request = (extra: Partial<ValidRequest>): ValidRequest => ({
    model: 'other',
    mode: 'first-frame',
    prompt: 'a lantern floats away',
    duration: 8,
    images: { first: imageRef('https://cdn.example/a.jpg') },
    credits: 1,
    ...extra,
  });

  it('sends the resolution spelt as the endpoint wants it, and a chosen seed as an integer', async () => {
    const route = runningHubRoute({
      'first-frame': {
        path: 'alibaba/wan-2.7/image-to-video',
        fields: {
          prompt: 'prompt',
          duration: { key: 'duration', format: 'string' },
          resolution: { key: 'resolution', values: { '720p': '720P', '1080p': '1080P' } },
          seed: 'seed',
          firstFrame: 'firstImageUrl',
        },
      },
    });
    const first = await rh.stageMedia(jpeg());
    const seeded = request({ resolution: '1080p', seed: 123456 });
    expect(buildRunningHubBody({ route, request: seeded, media: { first } }).body).toEqual({
      prompt: 'a lantern floats away',
      duration: '8',
      resolution: '1080P',
      seed: 123456,
      firstImageUrl: first,
    });
    await rh.submit({ route, request: seeded, media: { first } });
    // Without a seed none is sent: the endpoint picks one.
    await rh.submit({ route, request: request({ resolution: '720p' }), media: { first } });
    expect(fake.submitted().map((b) => [b.resolution, b.seed])).toEqual([
      ['1080P', 123456],
      ['720P', undefined],
    ]);
  });

  it('puts a single image inside a list where the endpoint takes `imageUrls`', async () => {
    const route = runningHubRoute({
      'first-frame': {
        path: 'rhart-video-v3.1-fast/image-to-video',
        fields: {
          prompt: 'prompt',
          aspectRatio: 'aspectRatio',
          duration: { key: 'duration', format: 'string' },
          resolution: { key: 'resolution' },
          firstFrame: { key: 'imageUrls', format: 'list' },
        },
      },
    });
    const first = await rh.stageMedia(jpeg());
    const req = request({ aspectRatio: '9:16', resolution: '4k' });
    await rh.submit({ route, request: req, media: { first } });
    expect(fake.submitted()).toEqual([
      {
        prompt: 'a lantern floats away',
        aspectRatio: '9:16',
        duration: '8',
        resolution: '4k',
        imageUrls: [first],
      },
    ]);
    expect(fake.inputsOf(fake.tasks()[0]!.taskId).imageUrls?.map((m) => m.bytes)).toEqual([jpeg().bytes]);
  });

  it('sends a size spelt for the resolution and the ratio, and no duration to a fixed-length endpoint', async () => {
    const sizes = runningHubRoute({
      text: {
        path: 'rhart-video-s-official/text-to-video-pro',
        fields: {
          prompt: 'prompt',
          duration: { key: 'duration', format: 'string' },
          resolution: {
            key: 'size',
            values: {
              '720p': { '16:9': '1280x720', '9:16': '720x1280' },
              '1080p': { '16:9': '1920x1080', '9:16': '1080x1920' },
            },
          },
        },
      },
    });
    const text = (aspectRatio: string | undefined, resolution: string) =>
      request({
        mode: 'text',
        images: {},
        duration: 4,
        resolution,
        ...(aspectRatio === undefined ? {} : { aspectRatio }),
      });
    await rh.submit({ route: sizes, request: text('9:16', '1080p'), media: {} });
    await rh.submit({ route: sizes, request: text('16:9', '720p'), media: {} });
    expect(fake.submitted().map((b) => b.size)).toEqual(['1080x1920', '1280x720']);
    // A size needs a ratio: without one (or for a ratio it lacks) the route cannot serve the request.
    expect(() => buildRunningHubBody({ route: sizes, request: text(undefined, '720p'), media: {} })).toThrow(
      /no size for 720p at no ratio/,
    );
    expect(() => buildRunningHubBody({ route: sizes, request: text('1:1', '720p'), media: {} })).toThrow(
      /no size for 720p at 1:1/,
    );

    const fixedLength = runningHubRoute({
      text: {
        path: 'minimax/hailuo-2.3/t2v-pro',
        fields: { prompt: 'prompt' },
        fixed: { enablePromptExpansion: true },
      },
    });
    await rh.submit({ route: fixedLength, request: text(undefined, '1080p'), media: {} });
    expect(fake.submitted()[2]).toEqual({ prompt: 'a lantern floats away', enablePromptExpansion: true });
  });

  it('sends sound as the strings "true"/"false" to a LIST field, and as a bool to one named `audio`', async () => {
    /** A text route whose endpoint wants a resolution and one value of its own fixed. */
    const text = (path: string, sound: RunningHubFields['sound'], fixed: Record<string, string>) =>
      runningHubRoute({
        text: {
          path,
          fields: {
            prompt: 'prompt',
            duration: { key: 'duration', format: 'string' },
            aspectRatio: 'aspectRatio',
            resolution: { key: 'resolution' },
            sound,
          },
          fixed,
        },
      });
    const seedance = 'seedance-v1.5-pro/text-to-video';
    const req = (sound: boolean) =>
      request({ mode: 'text', images: {}, sound, aspectRatio: '16:9', resolution: '720p' });
    await rh.submit({
      route: text(seedance, { key: 'generateAudio', format: 'string' }, { cameraFixed: 'false' }),
      request: req(false),
      media: {},
    });
    await rh.submit({
      route: text('vidu/text-to-video-q3-turbo', 'audio', { style: 'general' }),
      request: req(true),
      media: {},
    });
    const [a, b] = fake.submitted();
    expect(a).toMatchObject({ generateAudio: 'false' });
    expect(b).toMatchObject({ audio: true });
    // The same value in the other form is one the fake, as the vendor, refuses.
    const wrong = text(seedance, 'generateAudio', { cameraFixed: 'false' });
    const error = await rejection(rh.submit({ route: wrong, request: req(true), media: {} }));
    expect(error.kind).toBe('bad-request');
    expect(error.message).toMatch(/generateAudio must be one of the strings/);
  });
});

describe('a full walk on the fake', () => {
  it('uploads the exact bytes, submits, polls to success and fetches the clip', async () => {
    const first = jpeg('first.jpg');
    const last = png(7);
    const media: StagedMedia = { first: await rh.stageMedia(first), last: await rh.stageMedia(last) };
    expect(fake.media().map((m) => m.bytes)).toEqual([Buffer.from(first.bytes), Buffer.from(last.bytes)]);
    expect(fake.media().map((m) => [m.filename, m.contentType])).toEqual([
      ['first.jpg', 'image/jpeg'],
      ['ref-7.png', 'image/png'],
    ]);
    const upload = fake.server.requestsOf('upload')[0]!;
    expect(upload.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);

    const request = valid({
      model: 'kling-o1',
      prompt: 'the book turns into a phoenix',
      quality: 'pro',
      aspectRatio: '9:16',
      firstFrame: imageRef('https://cdn.example/first.jpg'),
      lastFrame: imageRef('https://cdn.example/last.png', 'image/png'),
    });
    const { taskId, status } = await rh.submit({ route: rhRoute('kling-o1'), request, media });
    expect(status).toEqual({ state: 'pending', phase: 'queued' });
    const submit = fake.server.requestsOf('submit')[0]!;
    expect(submit.path).toBe('/openapi/v2/kling-video-o1/start-to-end');
    expect(submit.headers['content-type']).toBe('application/json');
    expect(fake.inputsOf(taskId).firstImageUrl?.[0]?.bytes).toEqual(Buffer.from(first.bytes));
    expect(fake.inputsOf(taskId).lastImageUrl?.[0]?.bytes).toEqual(Buffer.from(last.bytes));

    const statuses: TaskStatus[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await rh.check(taskId);
      statuses.push(s);
      if (s.state !== 'pending') break;
    }
    expect(statuses).toEqual([
      { state: 'pending', phase: 'queued' },
      { state: 'pending', phase: 'running', progress: 66 },
      { state: 'succeeded', videoUrl: fake.videoUrlFor(taskId), cost: 1.75 },
    ]);
    expect(fake.server.requestsOf('query').map((r) => r.json)).toEqual([{ taskId }, { taskId }, { taskId }]);

    const clip = await fetch(fake.videoUrlFor(taskId));
    expect(clip.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await clip.arrayBuffer())).toEqual(clipMp4());
    expect(fake.server.requestsOf('download')).toHaveLength(1);

    const served = await fetch(media.first!);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(Buffer.from(first.bytes));
    expect(fake.server.requestsOf('file')).toHaveLength(1);
  });

  it('takes a submit that already answers SUCCESS without polling', async () => {
    fake.pollsToComplete = 0;
    const result = await rh.submit({
      route: rhRoute('kling-2.5-turbo-pro'),
      request: valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves at dusk' }),
      media: {},
    });
    expect(result.status).toEqual({
      state: 'succeeded',
      videoUrl: fake.videoUrlFor(result.taskId),
      cost: 1.75,
    });
    expect(fake.server.requestsOf('query')).toHaveLength(0);
  });

  it('sends seven references and a reference video, each one the provider can trace to its bytes', async () => {
    const images = Array.from({ length: 7 }, (_, i) => png(20 + i));
    const media: StagedMedia = {
      references: await Promise.all(images.map((m) => rh.stageMedia(m))),
      video: await rh.stageMedia(mp4()),
    };
    const request = valid({
      model: 'kling-o3-pro',
      prompt: 'the samurai spins',
      references: images.map((_, i) => imageRef(`https://cdn.example/${i}.png`, 'image/png')),
      referenceVideo: imageRef('https://cdn.example/m.mp4', 'video/mp4'),
    });
    const { taskId } = await rh.submit({ route: rhRoute('kling-o3-pro'), request, media });
    const inputs = fake.inputsOf(taskId);
    expect(inputs.imageUrls?.map((m) => m.bytes)).toEqual(images.map((m) => Buffer.from(m.bytes)));
    expect(inputs.videoUrl?.[0]?.bytes).toEqual(clipMp4());
  });

  it('succeeds by elapsed time when generationMs is set', async () => {
    fake.generationMs = 500;
    const { taskId } = await rh.submit({
      route: rhRoute('kling-2.5-turbo-pro'),
      request: valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves at dusk' }),
      media: {},
    });
    const early = await rh.check(taskId);
    expect(early).toMatchObject({ state: 'pending', phase: 'running' });
    await new Promise((r) => setTimeout(r, 550));
    expect(await rh.check(taskId)).toMatchObject({ state: 'succeeded' });
  });
});

describe('fake strictness, and what the client makes of it', () => {
  const o1Request = (): ValidRequest =>
    valid({ model: 'kling-o1', prompt: 'a cat jumps', firstFrame: imageRef('https://cdn.example/c.jpg') });

  async function rawSubmit(
    path: string,
    body: unknown,
    init: { key?: string; contentType?: string } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${fake.baseUrl}/openapi/v2/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${init.key ?? KEY}`,
        'content-type': init.contentType ?? 'application/json',
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('refuses a duration sent as a number to a LIST endpoint (1007 → bad-request)', async () => {
    const first = await rh.stageMedia(jpeg());
    const raw = await rawSubmit('kling-video-o1/image-to-video', {
      prompt: 'x',
      aspectRatio: '16:9',
      duration: 5,
      firstImageUrl: first,
      mode: 'std',
    });
    expect(raw.status).toBe(200);
    expect(raw.json).toMatchObject({ errorCode: '1007', errorMessage: expect.stringMatching(/^duration /) });

    const route = rhRoute('kling-o1');
    endpointsOf(route)['first-frame']!.fields.duration = { key: 'duration', format: 'integer' };
    const error = await rejection(rh.submit({ route, request: o1Request(), media: { first } }));
    expect(error).toMatchObject({ kind: 'bad-request', code: '1007', provider: 'runninghub' });
    expect(error.message).toMatch(/duration/);
    expect(fake.submitted()).toHaveLength(0);
    expect(fake.submitCount()).toBe(2);
  });

  it('refuses eight reference images', async () => {
    const handles = await Promise.all(Array.from({ length: 8 }, (_, i) => rh.stageMedia(png(40 + i))));
    const request: ValidRequest = {
      ...valid({
        model: 'kling-o3-pro',
        prompt: 'a crowd',
        references: [imageRef('https://cdn.example/a.png', 'image/png')],
      }),
    };
    request.images.references = handles.map((h) => imageRef(h, 'image/png'));
    const error = await rejection(
      rh.submit({ route: rhRoute('kling-o3-pro'), request, media: { references: handles } }),
    );
    expect(error).toMatchObject({ kind: 'bad-request', code: '1007' });
    expect(error.message).toMatch(/imageUrls takes at most 7/);
  });

  it('refuses an unknown field', async () => {
    const route = rhRoute('kling-o1');
    endpointsOf(route)['first-frame']!.fixed = { seed: 42 };
    const first = await rh.stageMedia(jpeg());
    const error = await rejection(rh.submit({ route, request: o1Request(), media: { first } }));
    expect(error).toMatchObject({ kind: 'bad-request', code: '1007' });
    expect(error.message).toMatch(/unknown parameter: seed/);
  });

  it('refuses a wrong key on every call the RunningHub way (HTTP 200, 1002 → account)', async () => {
    const raw = await rawSubmit(
      'kling-v2.5-turbo-pro/text-to-video',
      { prompt: 'x', duration: '5' },
      { key: WRONG_KEY },
    );
    expect(raw).toMatchObject({ status: 200, json: { errorCode: '1002', errorMessage: 'API key invalid' } });

    const wrong = createRunningHub({ apiKey: WRONG_KEY, baseUrl: fake.baseUrl });
    const request = valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves' });
    for (const call of [
      wrong.submit({ route: rhRoute('kling-2.5-turbo-pro'), request, media: {} }),
      wrong.check('2013508786110730241'),
      wrong.stageMedia(jpeg()),
    ]) {
      expect(await rejection(call)).toMatchObject({ kind: 'account', code: '1002' });
    }
  });

  it('refuses a missing required field, a value outside the options, an INT out of range, a long prompt', async () => {
    const first = await rh.stageMedia(jpeg());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ prompt: 'x', aspectRatio: '16:9', duration: '5', firstImageUrl: first }, /^mode is required/],
      [
        { prompt: 'x', aspectRatio: '4:3', duration: '5', firstImageUrl: first, mode: 'std' },
        /^aspectRatio must be one of/,
      ],
      [
        { prompt: 'x'.repeat(2001), aspectRatio: '1:1', duration: '5', firstImageUrl: first, mode: 'pro' },
        /^prompt is longer/,
      ],
      [
        { prompt: 'x', aspectRatio: '1:1', duration: '5', firstImageUrl: 'ftp://x/y.jpg', mode: 'pro' },
        /^firstImageUrl must be/,
      ],
    ];
    for (const [body, message] of cases) {
      const raw = await rawSubmit('kling-video-o1/image-to-video', body);
      expect(raw.json.errorCode).toBe('1007');
      expect(raw.json.errorMessage).toMatch(message);
    }
    const o3 = await rawSubmit('kling-video-o3-pro/reference-to-video', {
      prompt: 'x',
      keepOriginalSound: true,
      duration: 20,
    });
    expect(o3.json).toMatchObject({ errorCode: '1007', errorMessage: 'duration must be at most 15' });
    const bool = await rawSubmit('kling-video-o3-pro/reference-to-video', {
      prompt: 'x',
      keepOriginalSound: 'true',
      duration: 5,
    });
    expect(bool.json).toMatchObject({
      errorCode: '1007',
      errorMessage: 'keepOriginalSound must be a JSON boolean',
    });
    const inline = await rawSubmit('kling-video-o1/image-to-video', {
      prompt: 'x',
      aspectRatio: '1:1',
      duration: '5',
      firstImageUrl: `data:image/png;base64,${makePng(320, 320, 3).toString('base64')}`,
      mode: 'pro',
    });
    expect(inline.json).toMatchObject({ errorCode: '', status: 'QUEUED' });
    expect(fake.media().at(-1)?.bytes).toEqual(makePng(320, 320, 3));
  });

  it('refuses a body that is not JSON by its content type, an unknown endpoint, an upload it never made', async () => {
    const notJson = await rawSubmit('kling-v2.5-turbo-pro/text-to-video', '{"prompt":"x"}', {
      contentType: 'text/plain',
    });
    expect(notJson.status).toBe(415);

    const route = rhRoute('kling-2.5-turbo-pro');
    endpointsOf(route).text!.path = 'kling-v9-imaginary/text-to-video';
    const request = valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves' });
    const unknown = await rejection(rh.submit({ route, request, media: {} }));
    expect(unknown).toMatchObject({ kind: 'bad-request', status: 404 });

    const missing = await rejection(
      rh.submit({
        route: rhRoute('kling-o1'),
        request: o1Request(),
        media: { first: `${fake.baseUrl}/files/nope.jpg` },
      }),
    );
    expect(missing).toMatchObject({ kind: 'bad-request', code: '1001' });
  });
});

describe('faults', () => {
  const submitText = () =>
    rh.submit({
      route: rhRoute('kling-2.5-turbo-pro'),
      request: valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves at dusk' }),
      media: {},
    });

  it('content-rejected at submit is 1501', async () => {
    fake.server.inject('content-rejected', { on: 'submit' });
    expect(await rejection(submitText())).toMatchObject({ kind: 'content-rejected', code: '1501' });
    expect(fake.submitCount()).toBe(1);
    expect(fake.submitted()).toHaveLength(0);
  });

  it('content-rejected on query (or any) fails the task at its next query with 1505', async () => {
    fake.server.inject('content-rejected', { on: 'any' });
    await rh.stageMedia(jpeg()); // an upload first must not use up a task fault
    const { taskId } = await submitText();
    const error = failure(await rh.check(taskId));
    expect(error).toMatchObject({ kind: 'content-rejected', code: '1505' });
    expect(error.message).toMatch(/real people/);

    const second = await submitText();
    fake.server.inject('content-rejected', { on: 'query' });
    expect(failure(await rh.check(second.taskId))).toMatchObject({ kind: 'content-rejected', code: '1505' });
  });

  it('task-failed is a failed status with 1015', async () => {
    const { taskId } = await submitText();
    fake.server.inject('task-failed', { on: 'query' });
    const error = failure(await rh.check(taskId));
    expect(error).toMatchObject({ kind: 'generation-failed', code: '1015' });
  });

  it('no-balance and bad-key are account errors', async () => {
    fake.server.inject('no-balance', { on: 'submit' });
    expect(await rejection(submitText())).toMatchObject({ kind: 'account', code: '416' });
    fake.server.inject('bad-key', { on: 'submit' });
    expect(await rejection(submitText())).toMatchObject({ kind: 'account', code: '1002' });
  });

  it('HTTP 429 is rate-limited with the Retry-After it gave', async () => {
    fake.server.inject('rate-limit', { on: 'submit', retryAfterSeconds: 7 });
    expect(await rejection(submitText())).toMatchObject({
      kind: 'rate-limited',
      status: 429,
      retryAfterMs: 7000,
    });
  });

  it('HTTP 500, a dropped connection and a timeout are transient', async () => {
    const { taskId } = await submitText();
    fake.server.inject('server-error', { on: 'query' });
    expect(await rejection(rh.check(taskId))).toMatchObject({ kind: 'transient', status: 500 });
    fake.server.inject('drop', { on: 'query' });
    expect(await rejection(rh.check(taskId))).toMatchObject({ kind: 'transient' });

    fake.server.slowMs = 400;
    fake.server.inject('slow', { on: 'query' });
    const impatient = createRunningHub({ apiKey: KEY, baseUrl: fake.baseUrl, timeoutMs: 50 });
    const timeout = await rejection(impatient.check(taskId));
    expect(timeout).toMatchObject({ kind: 'transient' });
    expect(timeout.message).toMatch(/timed out/);
    expect(await rh.check(taskId)).toMatchObject({ state: 'pending' });
  });

  it('leaves the base server its own faults: two slow queries are both slow', async () => {
    const { taskId } = await submitText();
    fake.server.slowMs = 120;
    fake.server.inject('slow', { on: 'query', times: 2 });
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      await rh.check(taskId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    }
    const started = Date.now();
    await rh.check(taskId);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('an unknown task id is not-found (1004)', async () => {
    expect(await rejection(rh.check('1999999999999999999'))).toMatchObject({
      kind: 'not-found',
      code: '1004',
    });
  });
});

describe('classifyRunningHubError', () => {
  const families: [string, string[]][] = [
    ['account', ['1002', '1014', '1601', '802', '416', '812']],
    ['rate-limited', ['1003', '1520', '421', '415', '814']],
    ['transient', ['1000', '1005', '1006', '1010', '1011', '1012', '1504']],
    ['content-rejected', ['1501', '1505']],
    ['bad-request', ['1001', '1007', '1008', '1009', '1013', '809']],
    ['not-found', ['1004', '807']],
    ['generation-failed', ['1015', '805']],
  ];
  it.each(families)('%s: %j', (kind, codes) => {
    for (const code of codes) {
      const error = classifyRunningHubError(code, 'something happened');
      seen.push(error);
      expect([code, error.kind]).toEqual([code, kind]);
      expect(error).toMatchObject({ provider: 'runninghub', code });
    }
    expect(classifyRunningHubError(Number(codes[0]), 'numeric code').kind).toBe(kind);
  });

  it('reads the words when the code says little', () => {
    expect(classifyRunningHubError('9999', 'Insufficient balance, please top up').kind).toBe('account');
    expect(classifyRunningHubError(undefined, 'quota exceeded').kind).toBe('account');
    expect(classifyRunningHubError('1015', 'NSFW content detected').kind).toBe('content-rejected');
    expect(classifyRunningHubError('', 'policy violation').kind).toBe('content-rejected');
    expect(classifyRunningHubError(undefined, 'sensitive image').kind).toBe('content-rejected');
    expect(classifyRunningHubError('9999', 'mysterious').kind).toBe('generation-failed');
    // A precise code is not overridden by a word.
    expect(classifyRunningHubError('1007', 'prompt is case sensitive').kind).toBe('bad-request');
  });

  it('rate limits wait for Retry-After, or 15 s when RunningHub gives none', () => {
    const header = classifyRunningHubError(undefined, 'slow down', 429, '12');
    expect(header).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 12_000 });
    const date = classifyRunningHubError(undefined, '', 429, new Date(Date.now() + 60_000).toUTCString());
    expect(date.retryAfterMs).toBeGreaterThan(55_000);
    expect(classifyRunningHubError('1003', 'rate limit exceeded', 200).retryAfterMs).toBe(
      RUNNINGHUB_DEFAULT_RETRY_AFTER_MS,
    );
    expect(RUNNINGHUB_DEFAULT_RETRY_AFTER_MS).toBe(15_000);
  });

  it('falls back on the HTTP status', () => {
    expect(classifyRunningHubError(undefined, 'boom', 500)).toMatchObject({ kind: 'transient', status: 500 });
    expect(classifyRunningHubError(undefined, 'gateway', 502).kind).toBe('transient');
    expect(classifyRunningHubError(undefined, 'slow', 408).kind).toBe('transient');
    expect(classifyRunningHubError(undefined, 'no', 401).kind).toBe('account');
    expect(classifyRunningHubError(undefined, 'gone', 404).kind).toBe('not-found');
    expect(classifyRunningHubError(undefined, 'bad', 400).kind).toBe('bad-request');
    expect(classifyRunningHubError('1505', 'nope', 500).kind).toBe('content-rejected');
  });

  it('never repeats a query string', () => {
    const error = classifyRunningHubError(
      '1001',
      'cannot read https://www.runninghub.cn/view?filename=a.png&Rh-Comfy-Auth=eyJzZWNyZXQ',
    );
    seen.push(error);
    expect(error.message).toContain('https://www.runninghub.cn/view');
    expect(error.message).not.toContain('Rh-Comfy-Auth');
  });
});

describe('answers the fake does not give, from a scripted transport', () => {
  /** A non-JSON answer for {@link scripted}. */
  class RawAnswer {
    constructor(
      readonly status: number,
      readonly text: string,
    ) {}
  }

  /** A fetch that answers each call with the next scripted JSON body (the last one repeats). */
  function scripted(...answers: unknown[]): Fetch {
    let i = 0;
    return (async () => {
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (answer instanceof RawAnswer) return new Response(answer.text, { status: answer.status });
      return Response.json(answer);
    }) as Fetch;
  }
  const provider = (...answers: unknown[]) =>
    createRunningHub({ apiKey: KEY, baseUrl: 'http://127.0.0.1:9', fetch: scripted(...answers) });

  it('reads any case of the status, progress or none, outputUrl, and a string cost', async () => {
    const rhs = provider(
      { taskId: '1', status: 'create', errorCode: '', errorMessage: '' },
      { taskId: '1', status: 'Queued' },
      { taskId: '1', status: 'running', errorCode: null, errorMessage: null },
      { taskId: '1', status: 'RUNNING', progress: 40 },
      {
        taskId: '1',
        status: 'success',
        results: [{ outputUrl: 'https://cdn/x.mp4', outputType: 'mp4' }],
        usage: { consumeMoney: '2.1' },
      },
      {
        taskId: '1',
        status: 'SUCCESS',
        results: [{ url: 'https://cdn/y.mp4' }],
        usage: { consumeMoney: '' },
      },
      { taskId: '1', status: 'SOMETHING_NEW' },
    );
    expect(await rhs.check('1')).toEqual({ state: 'pending', phase: 'queued' });
    expect(await rhs.check('1')).toEqual({ state: 'pending', phase: 'queued' });
    expect(await rhs.check('1')).toEqual({ state: 'pending', phase: 'running' });
    expect(await rhs.check('1')).toEqual({ state: 'pending', phase: 'running', progress: 40 });
    expect(await rhs.check('1')).toEqual({ state: 'succeeded', videoUrl: 'https://cdn/x.mp4', cost: 2.1 });
    expect(await rhs.check('1')).toEqual({ state: 'succeeded', videoUrl: 'https://cdn/y.mp4' });
    expect(await rhs.check('1')).toEqual({ state: 'pending', phase: 'running' });
  });

  it('reads failures: failedReason as a string or an object, CANCEL, SUCCESS without a URL', async () => {
    const rhs = provider(
      { taskId: '1', status: 'FAILED', errorCode: '', errorMessage: '', failedReason: 'node 12 crashed' },
      { taskId: '1', status: 'failed', failedReason: { exception_message: 'NSFW detected', node_name: 'x' } },
      { taskId: '1', status: 'CANCEL' },
      { taskId: '1', status: 'SUCCESS', results: [] },
      { taskId: '1', status: 'FAILED', errorCode: '1006', errorMessage: 'execution timeout' },
    );
    const crashed = failure(await rhs.check('1'));
    expect(crashed).toMatchObject({ kind: 'generation-failed' });
    expect(crashed.message).toMatch(/node 12 crashed/);
    expect(failure(await rhs.check('1')).kind).toBe('content-rejected');
    expect(failure(await rhs.check('1')).message).toMatch(/cancelled/);
    expect(failure(await rhs.check('1')).kind).toBe('generation-failed');
    expect(failure(await rhs.check('1'))).toMatchObject({ kind: 'transient', code: '1006' });
  });

  it('treats a 200 with an error message as a failure, and a submit may succeed at once', async () => {
    const route = rhRoute('kling-2.5-turbo-pro');
    const request = valid({ model: 'kling-2.5-turbo-pro', prompt: 'waves' });
    const refused = provider({ taskId: '', status: '', errorCode: '', errorMessage: 'Insufficient balance' });
    expect(await rejection(refused.submit({ route, request, media: {} }))).toMatchObject({ kind: 'account' });

    const done = provider({
      taskId: '42',
      status: 'SUCCESS',
      results: [{ url: 'https://cdn/z.mp4', outputType: 'mp4' }],
    });
    expect(await done.submit({ route, request, media: {} })).toEqual({
      taskId: '42',
      status: { state: 'succeeded', videoUrl: 'https://cdn/z.mp4' },
    });

    const noId = provider({ taskId: '', status: 'QUEUED', errorCode: '', errorMessage: '' });
    expect(await rejection(noId.submit({ route, request, media: {} }))).toMatchObject({ kind: 'transient' });
    const html = provider(new RawAnswer(200, '<html>gateway</html>'));
    expect(await rejection(html.check('1'))).toMatchObject({ kind: 'transient' });
  });

  it('reads upload errors in `message` or `msg`', async () => {
    const a = provider({ code: 1008, message: 'file too large', data: null });
    expect(await rejection(a.stageMedia(jpeg()))).toMatchObject({ kind: 'bad-request', code: '1008' });
    const b = provider({ code: 416, msg: 'insufficient balance' });
    const error = await rejection(b.stageMedia(jpeg()));
    expect(error).toMatchObject({ kind: 'account', code: '416' });
    expect(error.message).toMatch(/insufficient balance/);
    const c = provider({ code: 0, msg: 'success', data: { fileName: 'x' } });
    expect(await rejection(c.stageMedia(jpeg()))).toMatchObject({ kind: 'transient' });
  });

  it('never puts the key or a query string in a message, even when RunningHub echoes them', async () => {
    const rhs = provider({
      taskId: '',
      errorCode: '1001',
      errorMessage: `key ${KEY} cannot read https://cdn.example/a.png?token=${KEY}&x=1`,
    });
    const error = await rejection(rhs.check('1'));
    expect(error.kind).toBe('bad-request');
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('token=');
    expect(error.message).toContain('https://cdn.example/a.png');
  });
});
