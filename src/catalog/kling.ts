import type { CreditPrice, ImageLimits, ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { runwareRoute } from '../providers/runware/route.js';

/**
 * The Kling family (Kuaishou): every current generation on RunningHub, and the Kling models Runware
 * hosts as extra routes. Sources and price notes: see `models.ts`.
 */

const KLING_SIZES = {
  '16:9': { width: 1280, height: 720 },
  '9:16': { width: 720, height: 1280 },
  '1:1': { width: 720, height: 720 },
};

/** Kling 2.1 on Runware makes 1080p clips. */
const KLING_1080P_SIZES = {
  '16:9': { width: 1920, height: 1080 },
  '9:16': { width: 1080, height: 1920 },
  '1:1': { width: 1080, height: 1080 },
};

const JPEG_PNG = ['image/jpeg', 'image/png'];

/** Kling's inputs: JPEG or PNG, at least 300 px a side; RunningHub documents 20 MB (or 50: use 20). */
const KLING_IMAGES: ImageLimits = { types: JPEG_PNG, maxBytes: 20 * MIB, minSide: 300 };
/** Runware's image inputs: 300–2048 px a side, up to 20 MB. */
const RUNWARE_IMAGES: ImageLimits = { ...KLING_IMAGES, maxSide: 2048 };
const KLING_RATIOS = ['16:9', '9:16', '1:1'];
/** Kling v3.0 and O3 make clips of 3 to 15 seconds. */
const THREE_TO_FIFTEEN = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/**
 * Runware takes a positive integer seed; we keep to 32 bits, which every Kling backend takes (the
 * provider reference gives no upper bound for video tasks).
 */
const RUNWARE_SEED = { min: 1, max: 2_147_483_647 };

/**
 * Kling's motion control on RunningHub (v2.6 and v3.0, pro and std): a character image of up to
 * 10 MB moved as an MP4 driving video of up to 100 MB moves. The endpoints take a video up to 30 s;
 * we take 10 s, so what a clip is charged (as long as its video can be) stays near a normal clip's.
 */
const MOTION_LIMITS = {
  image: { types: JPEG_PNG, maxBytes: 10 * MIB, minSide: 300 },
  video: { types: ['video/mp4'], maxBytes: 100 * MIB, maxSeconds: 10 },
};

/**
 * A motion-control endpoint: the character image and the driving video, the prompt, and the
 * character facing as in the video (the endpoints' default) with the video's own sound kept
 * (v2.6 spells it `"yes"`, v3.0 as a boolean).
 */
const motionEndpoint = (path: string, keepSound: 'yes' | true, negativePrompt: boolean) => ({
  path,
  fields: {
    prompt: 'prompt',
    ...(negativePrompt ? { negativePrompt: 'negativePrompt' } : {}),
    firstFrame: 'imageUrl',
    referenceVideo: 'videoUrl',
  },
  fixed: { characterOrientation: 'video', keepOriginalSound: keepSound },
});

/** Kling 2.5 Turbo's fields on RunningHub, pro and std alike. */
const TURBO = {
  prompt: 'prompt',
  negativePrompt: 'negativePrompt',
  duration: { key: 'duration', format: 'string' },
  cfgScale: 'guidanceScale',
} as const;

/** A clip of 5 or 10 seconds at a price per clip, 10 seconds costing twice 5. */
const fiveOrTen = (credits5: number): CreditPrice => ({
  kind: 'per-clip',
  table: [
    { duration: 5, credits: credits5 },
    { duration: 10, credits: credits5 * 2 },
  ],
});

/**
 * Kling 3.0's and O3's several shots: `multiShot` on, and the model choosing the shots from the one
 * prompt. Off, `multiShot: false` alone (the endpoints' default shot type needs per-shot prompts).
 */
const MULTI_SHOT = { key: 'multiShot', shotType: { key: 'shotType', on: 'intelligence' } } as const;

type Tier = 'pro' | 'std';

/**
 * Kling v3.0 pro or std on RunningHub: text, first frame, first and last frame, with sound (on by
 * default, as the endpoints have it). One shot by default; `multi-shot` lets the model cut between
 * shots it chooses from the one prompt. The `customize` shot type needs per-shot prompts, which no
 * command takes.
 */
function klingV3(tier: Tier, price: { credits: number; withSound: number }): ModelSpec {
  const common = {
    prompt: 'prompt',
    negativePrompt: 'negativePrompt',
    duration: { key: 'duration', format: 'string' },
    cfgScale: 'cfgScale',
    sound: 'sound',
    multiShot: MULTI_SHOT,
  } as const;
  const image = `kling-v3.0-${tier}/image-to-video`;
  return {
    id: `kling-3.0-${tier}`,
    family: 'kling',
    ...(tier === 'pro' ? { aliases: ['kling3'] } : {}),
    label: `Kling 3.0 ${tier === 'pro' ? 'Pro' : 'Std'}`,
    description: `Kling's newest generation${tier === 'std' ? ', standard quality' : ''}: 3–15 s with sound. Text, first frame, first and last frame, or motion control.`,
    modes: ['text', 'first-frame', 'first-last', 'motion'],
    durations: THREE_TO_FIFTEEN,
    defaultDuration: 5,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text'],
    prompt: { minLength: 2, maxLength: 2500 },
    negativePrompt: { minLength: 2, maxLength: 2500 },
    // The text endpoints default to 0.5; std's image endpoint to 0.8. One default serves every mode.
    cfgScale: { min: 0, max: 1, step: 0.1, default: 0.5 },
    qualities: [tier],
    defaultQuality: tier,
    sound: { default: true },
    multiShot: true,
    maxReferenceImages: 0,
    images: KLING_IMAGES,
    motion: { ...MOTION_LIMITS, negativePrompt: true },
    price: { kind: 'per-second', ...price },
    routes: [
      runningHubRoute({
        text: {
          path: `kling-v3.0-${tier}/text-to-video`,
          fields: { ...common, aspectRatio: 'aspectRatio' },
        },
        'first-frame': { path: image, fields: { ...common, firstFrame: 'firstImageUrl' } },
        'first-last': {
          path: image,
          fields: { ...common, firstFrame: 'firstImageUrl', lastFrame: 'lastImageUrl' },
        },
        motion: motionEndpoint(`kling-v3.0-${tier}/motion-control`, true, true),
      }),
    ],
  };
}

/**
 * Kling O3 pro or std on RunningHub: text, first frame, first and last frame, and up to 7 reference
 * images with an optional reference video. Sound is off by default, as the reference endpoint has
 * it (the text and image endpoints default to on). Multi-shot as for v3.0.
 */
function klingO3(tier: Tier, price: { credits: number; withSound: number }): ModelSpec {
  const base = `kling-video-o3-${tier}`;
  const common = {
    prompt: 'prompt',
    sound: 'sound',
    duration: { key: 'duration', format: 'integer' },
    multiShot: MULTI_SHOT,
  } as const;
  return {
    id: `kling-o3-${tier}`,
    family: 'kling',
    ...(tier === 'pro' ? { aliases: ['o3', 'kling-o3'] } : {}),
    label: `Kling O3 ${tier === 'pro' ? 'Pro' : 'Std'}`,
    description:
      'Up to 7 reference images (and an optional reference video) kept consistent, or text and frames; 3–15 s, optional sound.',
    modes: ['text', 'first-frame', 'first-last', 'reference'],
    durations: THREE_TO_FIFTEEN,
    defaultDuration: 5,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text', 'reference'],
    prompt: { minLength: 2, maxLength: 2500 },
    qualities: [tier],
    defaultQuality: tier,
    sound: { default: false },
    multiShot: true,
    maxReferenceImages: 7,
    referenceVideo: { types: ['video/mp4'], maxBytes: 50 * MIB, maxSeconds: 10 },
    images: KLING_IMAGES,
    price: { kind: 'per-second', ...price },
    routes: [
      runningHubRoute({
        text: { path: `${base}/text-to-video`, fields: { ...common, aspectRatio: 'aspectRatio' } },
        'first-frame': {
          path: `${base}/image-to-video`,
          fields: { ...common, firstFrame: 'firstImageUrl' },
        },
        'first-last': {
          path: `${base}/image-to-video`,
          fields: { ...common, firstFrame: 'firstImageUrl', lastFrame: 'lastImageUrl' },
        },
        reference: {
          path: `${base}/reference-to-video`,
          fields: {
            ...common,
            references: 'imageUrls',
            referenceVideo: 'videoUrl',
            aspectRatio: 'aspectRatio',
          },
          fixed: { keepOriginalSound: true },
        },
      }),
    ],
  };
}

/** Kling 2.1 on Runware only: 1080p, 5 or 10 s, with a seed. */
function kling21(
  variant: { id: string; label: string; description: string; air: string },
  modes: ModelSpec['modes'],
  credits5: number,
): ModelSpec {
  return {
    id: variant.id,
    family: 'kling',
    label: variant.label,
    description: variant.description,
    modes,
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: modes.filter((m) => m === 'text'),
    prompt: { minLength: 2, maxLength: 2500 },
    negativePrompt: { minLength: 2, maxLength: 2500 },
    cfgScale: { min: 0, max: 1, step: 0.1, default: 0.5 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    seed: RUNWARE_SEED,
    maxReferenceImages: 0,
    images: RUNWARE_IMAGES,
    price: fiveOrTen(credits5),
    routes: [runwareRoute(variant.air, modes, KLING_1080P_SIZES)],
  };
}

/** Kling's models, newest generations first where members choose among them. */
export const KLING: readonly ModelSpec[] = [
  {
    id: 'kling-2.5-turbo-pro',
    family: 'kling',
    aliases: ['kling', 'kling2.5'],
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
    images: RUNWARE_IMAGES,
    price: fiveOrTen(175),
    routes: [
      runningHubRoute({
        text: {
          path: 'kling-v2.5-turbo-pro/text-to-video',
          fields: { ...TURBO, aspectRatio: 'aspectRatio' },
        },
        'first-frame': {
          path: 'kling-v2.5-turbo-pro/image-to-video',
          fields: { ...TURBO, firstFrame: 'firstImageUrl' },
        },
        'first-last': {
          path: 'kling-v2.5-turbo-pro/image-to-video',
          fields: { ...TURBO, firstFrame: 'firstImageUrl', lastFrame: 'lastImageUrl' },
        },
      }),
      runwareRoute('klingai:6@1', ['text', 'first-frame', 'first-last'], KLING_SIZES),
    ],
  },
  {
    id: 'kling-o1',
    family: 'kling',
    aliases: ['o1'],
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
    images: KLING_IMAGES,
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
  // O3 Pro: ¥0.72 a second, ¥0.9 with sound (providers.md); the same for its text and image modes.
  klingO3('pro', { credits: 72, withSound: 90 }),
  // O3 Std: no list price; estimated at 3/4 of pro, O1's std-to-pro ratio (¥2.1 to ¥2.8).
  klingO3('std', { credits: 54, withSound: 68 }),
  // v3.0: no list price; estimated at O3's, the same generation (pro), and 3/4 of it (std).
  klingV3('pro', { credits: 72, withSound: 90 }),
  klingV3('std', { credits: 54, withSound: 68 }),
  {
    id: 'kling-2.6-pro',
    family: 'kling',
    label: 'Kling 2.6 Pro',
    description: 'Kling 2.6 with native sound (on by default). Text, first frame, or motion control.',
    modes: ['text', 'first-frame', 'motion'],
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text'],
    prompt: { minLength: 2, maxLength: 2000 },
    negativePrompt: { minLength: 2, maxLength: 2500 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    sound: { default: true },
    maxReferenceImages: 0,
    images: KLING_IMAGES,
    motion: MOTION_LIMITS,
    // No list price; estimated as Kling prices 2.6 Pro against 2.5 Turbo Pro: the same without
    // sound (¥1.75 per 5 s), twice that with it.
    price: {
      kind: 'per-clip',
      table: [
        { duration: 5, sound: false, credits: 175 },
        { duration: 5, sound: true, credits: 350 },
        { duration: 10, sound: false, credits: 350 },
        { duration: 10, sound: true, credits: 700 },
      ],
    },
    routes: [
      runningHubRoute({
        text: {
          path: 'kling-v2.6-pro/text-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            sound: { key: 'sound', format: 'string' },
            aspectRatio: 'aspectRatio',
            duration: { key: 'duration', format: 'string' },
          },
        },
        'first-frame': {
          path: 'kling-v2.6-pro/image-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            sound: { key: 'sound', format: 'string' },
            duration: { key: 'duration', format: 'string' },
            firstFrame: 'imageUrl',
          },
        },
        motion: motionEndpoint('kling-v2.6-pro/motion-control', 'yes', false),
      }),
    ],
  },
  {
    id: 'kling-2.6-std',
    family: 'kling',
    label: 'Kling 2.6 Std',
    description: 'Motion control at standard quality: a character image moved as a video moves.',
    modes: ['motion'],
    durations: [MOTION_LIMITS.video.maxSeconds],
    defaultDuration: MOTION_LIMITS.video.maxSeconds,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: [],
    prompt: { minLength: 2, maxLength: 2500 },
    qualities: ['std'],
    defaultQuality: 'std',
    maxReferenceImages: 0,
    images: MOTION_LIMITS.image,
    motion: MOTION_LIMITS,
    // No list price; estimated at 3/5 of 2.6 Pro without sound (Kling's std-to-pro ratio for 2.5 Turbo).
    price: { kind: 'per-clip', table: [{ duration: MOTION_LIMITS.video.maxSeconds, credits: 210 }] },
    routes: [runningHubRoute({ motion: motionEndpoint('kling-v2.6-std/motion-control', 'yes', false) })],
  },
  {
    id: 'kling-2.5-turbo-std',
    family: 'kling',
    label: 'Kling 2.5 Turbo Std',
    description: 'The cheaper, standard-quality Kling 2.5 Turbo. Animates a first frame.',
    modes: ['first-frame'],
    durations: [5, 10],
    defaultDuration: 5,
    aspectRatios: KLING_RATIOS,
    defaultAspectRatio: '16:9',
    aspectRatioModes: [],
    prompt: { minLength: 2, maxLength: 2000 },
    negativePrompt: { minLength: 2, maxLength: 2500 },
    cfgScale: { min: 0, max: 1, step: 0.1, default: 0.5 },
    qualities: ['std'],
    defaultQuality: 'std',
    maxReferenceImages: 0,
    images: RUNWARE_IMAGES,
    // No list price; estimated at 3/5 of Turbo Pro, Kling's own std-to-pro ratio for 2.5 Turbo.
    price: fiveOrTen(105),
    routes: [
      runningHubRoute({
        'first-frame': {
          path: 'kling-v2.5-turbo-std/image-to-video',
          fields: { ...TURBO, firstFrame: 'firstImageUrl' },
        },
      }),
      // Image to video only; the clip takes the first frame's size.
      runwareRoute('klingai:6@0', ['first-frame']),
    ],
  },
  // Kling 2.1 is on Runware only. No list price; estimated from Kling's own prices against 2.5
  // Turbo Pro (¥1.75 per 5 s): Master about 4 times it, Pro about 1.3 times.
  kling21(
    {
      id: 'kling-2.1-master',
      label: 'Kling 2.1 Master',
      description: 'Kling 2.1 at its best, in 1080p. Text or first frame; takes a seed.',
      air: 'klingai:5@3',
    },
    ['text', 'first-frame'],
    700,
  ),
  kling21(
    {
      id: 'kling-2.1-pro',
      label: 'Kling 2.1 Pro',
      description: 'Kling 2.1 in 1080p from a first frame, or a first and last frame; takes a seed.',
      air: 'klingai:5@2',
    },
    ['first-frame', 'first-last'],
    225,
  ),
];
