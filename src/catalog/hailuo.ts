import type { CreditPrice, ImageLimits, ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { type RunningHubEndpoint, runningHubRoute } from '../providers/runninghub/route.js';

/**
 * MiniMax's Hailuo on RunningHub, 2.3 and 02, each standard (768p, 6 or 10 s) and pro (1080p, 6 s;
 * the pro endpoints take no duration). Hailuo 02's image endpoints take a last frame, 2.3's do not.
 * Every endpoint requires `enablePromptExpansion`: sent as the vendor's default, on (MiniMax
 * rewrites the prompt for detail). Sources and price notes: see `models.ts`.
 *
 * Prices: no RunningHub list price; estimated at MiniMax's own API prices in CNY (not in
 * providers.md, so not checked here), the same for 2.3 and 02: 768p ¥2 for 6 s and ¥4 for 10 s,
 * 1080p ¥3.5 for 6 s.
 */

/** JPEG or PNG; RunningHub takes 30 MB, MiniMax itself 20 MB and at least 300 px a side. */
const HAILUO_IMAGES: ImageLimits = { types: ['image/jpeg', 'image/png'], maxBytes: 20 * MIB, minSide: 300 };
const fixed = { enablePromptExpansion: true };
const STANDARD_PRICE: CreditPrice = {
  kind: 'per-clip',
  table: [
    { duration: 6, credits: 200 },
    { duration: 10, credits: 400 },
  ],
};
const PRO_PRICE: CreditPrice = { kind: 'per-clip', table: [{ duration: 6, credits: 350 }] };

interface Hailuo {
  id: string;
  label: string;
  description: string;
  tier: 'pro' | 'std';
  text: string;
  image: string;
  /** The image endpoint's field for the frame, and for a last frame where it takes one. */
  first: string;
  last?: string;
}

/** One Hailuo model: text, a first frame, and a first and last frame where the endpoint has one. */
function hailuo(h: Hailuo): ModelSpec {
  const pro = h.tier === 'pro';
  // Standard endpoints take 6 or 10 s as option strings; pro ones make 6 s and take no duration.
  const duration = pro ? {} : { duration: { key: 'duration', format: 'string' } as const };
  const image: RunningHubEndpoint = {
    path: h.image,
    fields: { prompt: 'prompt', ...duration, firstFrame: h.first },
    fixed,
  };
  return {
    id: h.id,
    family: 'hailuo',
    label: h.label,
    description: h.description,
    modes: h.last ? ['text', 'first-frame', 'first-last'] : ['text', 'first-frame'],
    durations: pro ? [6] : [6, 10],
    defaultDuration: 6,
    aspectRatios: ['16:9'],
    defaultAspectRatio: '16:9',
    aspectRatioModes: [],
    prompt: { minLength: 1, maxLength: 2000 },
    qualities: [h.tier],
    defaultQuality: h.tier,
    maxReferenceImages: 0,
    images: HAILUO_IMAGES,
    price: pro ? PRO_PRICE : STANDARD_PRICE,
    routes: [
      runningHubRoute({
        text: { path: h.text, fields: { prompt: 'prompt', ...duration }, fixed },
        'first-frame': image,
        ...(h.last ? { 'first-last': { ...image, fields: { ...image.fields, lastFrame: h.last } } } : {}),
      }),
    ],
  };
}

export const HAILUO: readonly ModelSpec[] = [
  hailuo({
    id: 'hailuo-2.3-pro',
    label: 'Hailuo 2.3 Pro',
    description: "MiniMax's Hailuo 2.3 in 1080p: 6 s of lifelike motion. Text or first frame.",
    tier: 'pro',
    text: 'minimax/hailuo-2.3/t2v-pro',
    image: 'minimax/hailuo-2.3/image-to-video-pro',
    first: 'imageUrl',
  }),
  hailuo({
    id: 'hailuo-2.3',
    label: 'Hailuo 2.3',
    description: "MiniMax's Hailuo 2.3 in 768p, 6 or 10 s. Text or first frame.",
    tier: 'std',
    text: 'minimax/hailuo-2.3/t2v-standard',
    image: 'minimax/hailuo-2.3/i2v-standard',
    first: 'imageUrl',
  }),
  hailuo({
    id: 'hailuo-02-pro',
    label: 'Hailuo 02 Pro',
    description: "MiniMax's Hailuo 02 in 1080p, 6 s. Text, first frame, or first and last frame.",
    tier: 'pro',
    text: 'minimax/hailuo-02/t2v-pro',
    image: 'minimax/hailuo-02/i2v-pro',
    first: 'firstImageUrl',
    last: 'lastImageUrl',
  }),
  hailuo({
    id: 'hailuo-02',
    label: 'Hailuo 02',
    description: "MiniMax's Hailuo 02 in 768p, 6 or 10 s. Text, first frame, or first and last frame.",
    tier: 'std',
    text: 'minimax/hailuo-02/t2v-standard',
    image: 'minimax/hailuo-02/i2v-standard',
    first: 'firstImageUrl',
    last: 'lastImageUrl',
  }),
];
