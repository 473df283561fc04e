import type { GenerationMode, Quality } from './request.js';

/**
 * The model catalog: what each user-facing model can do, its limits, what a clip costs, and how to
 * reach it at each provider. Pure data: adding a model a provider hosts is a new entry here, not code.
 *
 * Sources: ../shared/reference/providers.md, the RunningHub endpoint table
 * (runninghub-video-endpoints.json) and the seed pages. Where two routes of one model differ, the
 * model's limits are the stricter of the two, so a request valid for the model is valid on every route.
 */

export const MIB = 1024 * 1024;

/** JSON type a provider wants for a duration: RunningHub's LIST params are strings, INT are numbers. */
export type DurationFormat = 'string' | 'integer';

/** Body field names of one RunningHub endpoint, for each neutral parameter it takes. */
export interface RunningHubFields {
  prompt?: string;
  negativePrompt?: string;
  duration?: { key: string; format: DurationFormat };
  aspectRatio?: string;
  quality?: string;
  cfgScale?: string;
  sound?: string;
  firstFrame?: string;
  lastFrame?: string;
  references?: string;
  referenceVideo?: string;
}

export interface RunningHubEndpoint {
  /** Path under `/openapi/v2/`, e.g. `kling-v2.5-turbo-pro/image-to-video`. */
  path: string;
  fields: RunningHubFields;
  /** Values always sent (required by the endpoint, not chosen by the user). */
  fixed?: Record<string, string | number | boolean>;
}

export interface RunningHubRoute {
  provider: 'runninghub';
  /** One endpoint per mode this route serves. */
  endpoints: Partial<Record<GenerationMode, RunningHubEndpoint>>;
}

export interface RunwareRoute {
  provider: 'runware';
  /** AIR model id, e.g. `klingai:6@1`. */
  model: string;
  modes: GenerationMode[];
  /** Output size for each aspect ratio (`width`/`height` are sent together). */
  sizes: Record<string, { width: number; height: number }>;
}

export type Route = RunningHubRoute | RunwareRoute;
export type ProviderName = Route['provider'];

export const routeModes = (route: Route): GenerationMode[] =>
  route.provider === 'runware' ? route.modes : (Object.keys(route.endpoints) as GenerationMode[]);

export interface NumberRange {
  min: number;
  max: number;
  step: number;
  default: number;
}

export interface ImageLimits {
  /** MIME types accepted. */
  types: string[];
  maxBytes: number;
  /** Smallest allowed width and height in pixels. */
  minSide: number;
  /** Largest allowed width and height in pixels, where a route has one. */
  maxSide?: number;
}

/** Price of one clip in credits (1 credit = ¥0.01 at RunningHub's list price). */
export type CreditPrice =
  | { kind: 'per-clip'; table: { quality?: Quality; duration: number; credits: number }[] }
  | { kind: 'per-second'; credits: number; withSound: number };

export interface ModelSpec {
  id: string;
  label: string;
  description: string;
  modes: GenerationMode[];
  durations: number[];
  defaultDuration: number;
  aspectRatios: string[];
  defaultAspectRatio: string;
  /** Modes in which the aspect ratio is chosen; in the others the clip follows the image. */
  aspectRatioModes: GenerationMode[];
  prompt: { minLength: number; maxLength: number };
  /** Absent: the model takes no negative prompt. */
  negativePrompt?: { minLength: number; maxLength: number };
  /** Absent: the model takes no CFG/guidance scale. */
  cfgScale?: NumberRange;
  qualities: Quality[];
  defaultQuality: Quality;
  /** Whether the model can generate sound, and the default. */
  sound?: { default: boolean };
  /** Most reference images in `reference` mode. */
  maxReferenceImages: number;
  /** Optional reference video in `reference` mode. */
  referenceVideo?: { types: string[]; maxBytes: number; maxSeconds: number };
  images: ImageLimits;
  price: CreditPrice;
  /** Tried in this order among the providers that have a key. */
  routes: Route[];
}

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
      {
        provider: 'runninghub',
        endpoints: {
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
        },
      },
      {
        provider: 'runware',
        model: 'klingai:6@1',
        modes: ['text', 'first-frame', 'first-last'],
        sizes: KLING_SIZES,
      },
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
      {
        provider: 'runninghub',
        endpoints: {
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
        },
      },
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
      {
        provider: 'runninghub',
        endpoints: {
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
        },
      },
    ],
  },
];

/** Looks a model up by its user-facing id. */
export const findModel = (id: string, catalog: readonly ModelSpec[] = CATALOG): ModelSpec | undefined =>
  catalog.find((m) => m.id === id);

/** Credits one clip of this model costs with these settings. */
export function creditsFor(model: ModelSpec, duration: number, quality: Quality, sound: boolean): number {
  const price = model.price;
  if (price.kind === 'per-second') return duration * (sound ? price.withSound : price.credits);
  const row =
    price.table.find((r) => r.duration === duration && r.quality === quality) ??
    price.table.find((r) => r.duration === duration && r.quality === undefined);
  if (!row) throw new Error(`catalog: no price for ${model.id} ${quality} ${duration}s`);
  return row.credits;
}

/** The routes that can serve `mode`, in catalog order, among providers that are configured. */
export function candidateRoutes(
  model: ModelSpec,
  mode: GenerationMode,
  configured: ReadonlySet<ProviderName>,
): Route[] {
  return model.routes.filter((r) => configured.has(r.provider) && routeModes(r).includes(mode));
}
