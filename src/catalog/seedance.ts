import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { perSecondByResolution, seconds } from './price-tables.js';

/**
 * ByteDance's Seedance 1.5 pro on RunningHub: 4 to 12 s at 480p to 1080p, with sound (the strings
 * `"true"`/`"false"`, on by default), from text, a first frame, or a first and last frame. The
 * camera moves (`cameraFixed: "false"`, the default). Sources and price notes: see `models.ts`.
 *
 * Prices: no RunningHub list price; estimated from Volcengine's own API price of Seedance 1.5 pro
 * (not in providers.md, so not checked here), ¥16 per million tokens with sound and ¥8 without, at
 * its token count (width × height × 24 fps × seconds / 1024: 9,720 tokens a second at 480p, 21,600
 * at 720p, 48,600 at 1080p), rounded up.
 */

const DURATIONS = seconds(4, 12);
const common = {
  prompt: 'prompt',
  duration: { key: 'duration', format: 'string' },
  resolution: { key: 'resolution' },
  sound: { key: 'generateAudio', format: 'string' },
} as const;
const fixed = { cameraFixed: 'false' };
const image = 'seedance-v1.5-pro/image-to-video';
/** The image endpoint requires a ratio; `adaptive` makes the clip follow the frame. */
const imageFixed = { ...fixed, aspectRatio: 'adaptive' };

export const SEEDANCE: readonly ModelSpec[] = [
  {
    id: 'seedance-1.5-pro',
    family: 'seedance',
    label: 'Seedance 1.5 Pro',
    description:
      "ByteDance's Seedance 1.5 Pro: 4–12 s with sound, 480p to 1080p. Text, first frame, or first and last frame.",
    modes: ['text', 'first-frame', 'first-last'],
    durations: DURATIONS,
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'],
    defaultAspectRatio: '3:4',
    aspectRatioModes: ['text'],
    prompt: { minLength: 1, maxLength: 5000 },
    qualities: ['pro'],
    defaultQuality: 'pro',
    sound: { default: true },
    resolutions: { options: ['480p', '720p', '1080p'], default: '720p' },
    maxReferenceImages: 0,
    // Volcengine takes images of 300 to 6000 px a side.
    images: { types: ['image/jpeg', 'image/png'], maxBytes: 10 * MIB, minSide: 300, maxSide: 6000 },
    price: perSecondByResolution(DURATIONS, {
      '480p': { credits: 8, withSound: 16 },
      '720p': { credits: 18, withSound: 35 },
      '1080p': { credits: 39, withSound: 78 },
    }),
    routes: [
      runningHubRoute({
        text: {
          path: 'seedance-v1.5-pro/text-to-video',
          fields: { ...common, aspectRatio: 'aspectRatio' },
          fixed,
        },
        'first-frame': { path: image, fields: { ...common, firstFrame: 'firstImageUrl' }, fixed: imageFixed },
        'first-last': {
          path: image,
          fields: { ...common, firstFrame: 'firstImageUrl', lastFrame: 'lastImageUrl' },
          fixed: imageFixed,
        },
      }),
    ],
  },
];
