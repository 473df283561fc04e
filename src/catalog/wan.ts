import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { perSecondByResolution } from './price-tables.js';

/**
 * Alibaba's Wan 2.6 on RunningHub: 5, 10 or 15 s at 720p or 1080p, from text or a first frame, with
 * a negative prompt. One shot unless the person asks for several (`shotType: multi`, the model cutting
 * between shots it chooses; `single` otherwise). Sources and price notes: see `models.ts`.
 *
 * Prices: no RunningHub list price; estimated at Alibaba Cloud Model Studio's own API price in CNY
 * for Wan 2.6 (not in providers.md, so not checked here): ¥0.6 a second at 720p, ¥1 at 1080p.
 */

const duration = { key: 'duration', format: 'string' } as const;
const multiShot = { shotType: { key: 'shotType', on: 'multi', off: 'single' } };

/** The text endpoint names a size (`1280*720`), not a resolution: each one spelt for each ratio. */
const TEXT_SIZES = {
  '720p': { '16:9': '1280*720', '9:16': '720*1280' },
  '1080p': { '16:9': '1920*1080', '9:16': '1080*1920' },
};

export const WAN: readonly ModelSpec[] = [
  {
    id: 'wan-2.6',
    family: 'wan',
    label: 'Wan 2.6',
    description: "Alibaba's Wan 2.6: 5–15 s in 720p or 1080p, with a negative prompt. Text or first frame.",
    modes: ['text', 'first-frame'],
    durations: [5, 10, 15],
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16'],
    // The text endpoint's default size is 1080*1920: portrait, 1080p.
    defaultAspectRatio: '9:16',
    aspectRatioModes: ['text'],
    prompt: { minLength: 1, maxLength: 5000 },
    // The table gives no bound; Alibaba's API takes up to 500 characters.
    negativePrompt: { minLength: 1, maxLength: 500 },
    qualities: ['std'],
    defaultQuality: 'std',
    resolutions: { options: ['720p', '1080p'], default: '1080p' },
    multiShot: true,
    maxReferenceImages: 0,
    // RunningHub takes 50 MB; Alibaba's API wants at least 360 px a side.
    images: { types: ['image/jpeg', 'image/png'], maxBytes: 50 * MIB, minSide: 360 },
    price: perSecondByResolution([5, 10, 15], { '720p': { credits: 60 }, '1080p': { credits: 100 } }),
    routes: [
      runningHubRoute({
        text: {
          path: 'alibaba/wan-2.6/text-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            duration,
            resolution: { key: 'resolution', values: TEXT_SIZES },
            multiShot,
          },
        },
        'first-frame': {
          path: 'alibaba/wan-2.6/image-to-video',
          fields: {
            prompt: 'prompt',
            negativePrompt: 'negativePrompt',
            duration,
            resolution: { key: 'resolution' },
            firstFrame: 'imageUrl',
            multiShot,
          },
        },
      }),
    ],
  },
];
