import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { runwareRoute } from '../providers/runware/route.js';

/**
 * The model catalog: what each user-facing model can do, its limits, what a clip costs, and the
 * routes that reach it, tried in order among the providers that have a key. Pure data: adding a
 * model a provider hosts is a new entry here, not code; each route's params are checked by its
 * provider at start (`catalogProblems`) and against the vendor's tables by the catalog test.
 *
 * Sources: docs/reference/providers.md, the RunningHub endpoint table
 * (test/fixtures/vendor/runninghub-video-endpoints.json) and the vendors' model pages. Where two
 * routes of one model differ, the model's limits are the stricter of the two, so a request valid
 * for the model is valid on every route.
 */

const KLING_SIZES = {
  '16:9': { width: 1280, height: 720 },
  '9:16': { width: 720, height: 1280 },
  '1:1': { width: 720, height: 720 },
};

const JPEG_PNG = ['image/jpeg', 'image/png'];

export const CATALOG: readonly ModelSpec[] = [
  {
    id: 'kling-2.5-turbo-pro',
    label: 'Kling 2.5 Turbo Pro',
    description: 'Fast, cinematic motion. Text, first frame, or first and last frame.',
    modes: ['text', 'first-frame', 'first-last'],
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16', '1:1'],
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text'],
    // RunningHub caps the prompt at 2000; Runware needs at least 2 characters.
    prompt: { minLength: 2, maxLength: 2000 },
    negativePrompt: { minLength: 2, maxLength: 2500 },
    cfgScale: { min: 0, max: 1, step: 0.1, default: 0.5 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    maxReferenceImages: 0,
    // Runware takes 300–2048 px a side; RunningHub up to 20 MB.
    images: { types: JPEG_PNG, maxBytes: 20 * MIB, minSide: 300, maxSide: 2048 },
    price: {
      kind: 'per-clip',
      table: [
        { duration: 5, credits: 175 },
        { duration: 10, credits: 350 },
      ],
    },
    routes: [
      runningHubRoute({
        text: {
          path: 'kling-v2.5-turbo-pro/text-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            duration: { key: 'duration', format: 'string' },
            cfgScale: 'guidanceScale',
            aspectRatio: 'aspectRatio',
          },
        },
        'first-frame': {
          path: 'kling-v2.5-turbo-pro/image-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            duration: { key: 'duration', format: 'string' },
            cfgScale: 'guidanceScale',
            firstFrame: 'firstImageUrl',
          },
        },
        'first-last': {
          path: 'kling-v2.5-turbo-pro/image-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            duration: { key: 'duration', format: 'string' },
            cfgScale: 'guidanceScale',
            firstFrame: 'firstImageUrl',
            lastFrame: 'lastImageUrl',
          },
        },
      }),
      runwareRoute('klingai:6@1', ['text', 'first-frame', 'first-last'], KLING_SIZES),
    ],
  },
  {
    id: 'kling-o1',
    label: 'Kling O1',
    description:
      'Strong subject consistency; std or pro quality. Text, first frame, or first and last frame.',
    modes: ['text', 'first-frame', 'first-last'],
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16', '1:1'],
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text', 'first-frame', 'first-last'],
    prompt: { minLength: 2, maxLength: 2000 },
    qualities: ['std', 'pro'],
    defaultQuality: 'std',
    maxReferenceImages: 0,
    images: { types: JPEG_PNG, maxBytes: 20 * MIB, minSide: 300 },
    price: {
      kind: 'per-clip',
      table: [
        { quality: 'std', duration: 5, credits: 210 },
        { quality: 'std', duration: 10, credits: 420 },
        { quality: 'pro', duration: 5, credits: 280 },
        { quality: 'pro', duration: 10, credits: 560 },
      ],
    },
    routes: [
      runningHubRoute({
        text: {
          path: 'kling-video-o1/text-to-video',
          fields: {
            prompt: 'prompt',
            aspectRatio: 'aspectRatio',
            duration: { key: 'duration', format: 'string' },
            quality: 'mode',
          },
        },
        'first-frame': {
          path: 'kling-video-o1/image-to-video',
          fields: {
            prompt: 'prompt',
            aspectRatio: 'aspectRatio',
            duration: { key: 'duration', format: 'string' },
            firstFrame: 'firstImageUrl',
            quality: 'mode',
          },
        },
        'first-last': {
          path: 'kling-video-o1/start-to-end',
          fields: {
            prompt: 'prompt',
            aspectRatio: 'aspectRatio',
            duration: { key: 'duration', format: 'string' },
            firstFrame: 'firstImageUrl',
            lastFrame: 'lastImageUrl',
            quality: 'mode',
          },
        },
      }),
    ],
  },
  {
    id: 'kling-o3-pro',
    label: 'Kling O3 Pro',
    description:
      'Up to 7 reference images (and an optional reference video) kept consistent; 3–15 s, optional sound.',
    modes: ['reference'],
    durations: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16', '1:1'],
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['reference'],
    prompt: { minLength: 2, maxLength: 2500 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    sound: { default: false },
    maxReferenceImages: 7,
    referenceVideo: { types: ['video/mp4'], maxBytes: 50 * MIB, maxSeconds: 10 },
    images: { types: JPEG_PNG, maxBytes: 20 * MIB, minSide: 300 },
    price: { kind: 'per-second', credits: 72, withSound: 90 },
    routes: [
      runningHubRoute({
        reference: {
          path: 'kling-video-o3-pro/reference-to-video',
          fields: {
            prompt: 'prompt',
            references: 'imageUrls',
            referenceVideo: 'videoUrl',
            sound: 'sound',
            aspectRatio: 'aspectRatio',
            duration: { key: 'duration', format: 'integer' },
          },
          fixed: { keepOriginalSound: true, multiShot: false },
        },
      }),
    ],
  },
];
