import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { perSecondByResolution } from './price-tables.js';

/**
 * OpenAI's Sora 2 on RunningHub: Sora 2 on the low-price channel (`rhart-video-s`, the vendor's most
 * used endpoints), and Sora 2 Pro on the official channel, whose text endpoint names a size
 * (`1280x720`) where others take a ratio and a resolution. Sora makes its sound itself: there is no
 * switch for it. Sources and price notes: see `models.ts`.
 *
 * Prices: no RunningHub list price; estimated from OpenAI's own per-second API prices (not in
 * providers.md, so not checked here) at ¥7.2 to the dollar: Sora 2 $0.10 a second; Sora 2 Pro $0.30
 * at 720p and $0.50 at its larger sizes, taken for 1080p. The low-price channel likely costs less:
 * set the real price with `PRICES_FILE`.
 */

const JPEG_PNG = ['image/jpeg', 'image/png'];
/** No smallest side is documented; 300 px as for Kling keeps thumbnails out. */
const MIN_SIDE = 300;
const SORA_RATIOS = ['9:16', '16:9'];
const STRING_DURATION = { key: 'duration', format: 'string' } as const;

/** Sora 2 Pro's text endpoint takes a size: each resolution spelt for each ratio. */
const PRO_SIZES = {
  '720p': { '16:9': '1280x720', '9:16': '720x1280' },
  '1080p': { '16:9': '1920x1080', '9:16': '1080x1920' },
};

export const SORA: readonly ModelSpec[] = [
  {
    id: 'sora-2',
    family: 'sora',
    aliases: ['sora'],
    label: 'Sora 2',
    description: "OpenAI's Sora 2: 10 or 15 s with sound, portrait or landscape. Text or first frame.",
    modes: ['text', 'first-frame'],
    durations: [10, 15],
    defaultDuration: 10,
    aspectRatios: SORA_RATIOS,
    defaultAspectRatio: '9:16',
    // The image endpoint also requires a ratio: the clip does not simply follow the frame.
    aspectRatioModes: ['text', 'first-frame'],
    prompt: { minLength: 1, maxLength: 4000 },
    qualities: ['std'],
    defaultQuality: 'std',
    maxReferenceImages: 0,
    images: { types: JPEG_PNG, maxBytes: 50 * MIB, minSide: MIN_SIDE },
    price: { kind: 'per-second', credits: 72, withSound: 72 },
    routes: [
      runningHubRoute({
        text: {
          path: 'rhart-video-s/text-to-video',
          fields: { prompt: 'prompt', duration: STRING_DURATION, aspectRatio: 'aspectRatio' },
        },
        'first-frame': {
          path: 'rhart-video-s/image-to-video',
          fields: {
            prompt: 'prompt',
            duration: STRING_DURATION,
            aspectRatio: 'aspectRatio',
            firstFrame: 'imageUrl',
          },
        },
      }),
    ],
  },
  {
    id: 'sora-2-pro',
    family: 'sora',
    label: 'Sora 2 Pro',
    description: 'Sora 2 at its best, in 720p or 1080p: 4–20 s with sound. Text or first frame.',
    modes: ['text', 'first-frame'],
    durations: [4, 8, 12, 16, 20],
    // The text endpoint defaults to 12 s, the image one to 4: the shorter, cheaper one serves both.
    defaultDuration: 4,
    aspectRatios: SORA_RATIOS,
    defaultAspectRatio: '9:16',
    aspectRatioModes: ['text'],
    prompt: { minLength: 1, maxLength: 4000 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    resolutions: { options: ['720p', '1080p'], default: '720p' },
    maxReferenceImages: 0,
    images: { types: JPEG_PNG, maxBytes: 10 * MIB, minSide: MIN_SIDE },
    price: perSecondByResolution([4, 8, 12, 16, 20], { '720p': { credits: 216 }, '1080p': { credits: 360 } }),
    routes: [
      runningHubRoute({
        text: {
          path: 'rhart-video-s-official/text-to-video-pro',
          fields: {
            prompt: 'prompt',
            duration: STRING_DURATION,
            resolution: { key: 'size', values: PRO_SIZES },
          },
        },
        'first-frame': {
          path: 'rhart-video-s-official/image-to-video-pro',
          fields: {
            prompt: 'prompt',
            duration: STRING_DURATION,
            resolution: { key: 'resolution' },
            firstFrame: 'imageUrl',
          },
        },
      }),
    ],
  },
];
