import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { perSecondByResolution } from './price-tables.js';

/**
 * Google's Veo 3.1 on RunningHub's low-price channel (`rhart-video-v3.1-pro`, `-fast`): 8-second
 * clips with sound, 720p to 4k, portrait or landscape, from text, a first frame, or a first and last
 * frame. Sources and price notes: see `models.ts`.
 *
 * Prices: no RunningHub list price; estimated from Google's per-second API prices (not in
 * providers.md, so not checked here) at ¥7.2 to the dollar: Veo 3.1 $0.40 a second with sound, Fast
 * $0.15, the same at 720p and 1080p as Google has them; 4k, with no price known, at 1.5 times. The
 * low-price channel likely costs less: set the real price with `PRICES_FILE`.
 */

type Tier = 'pro' | 'fast';

const RESOLUTIONS = { options: ['720p', '1080p', '4k'], default: '720p' };
const common = {
  prompt: 'prompt',
  aspectRatio: 'aspectRatio',
  duration: { key: 'duration', format: 'string' },
  resolution: { key: 'resolution' },
} as const;

/**
 * Veo 3.1 pro or fast. The endpoints differ in how they take a first frame: fast's image endpoint
 * takes it inside `imageUrls`; pro's takes no resolution, so pro's first frame goes to its
 * start-and-end endpoint, whose last frame is optional.
 */
function veo(tier: Tier, perSecond: number): ModelSpec {
  const base = `rhart-video-v3.1-${tier}`;
  const startEnd = `${base}/start-end-to-video`;
  return {
    id: `veo-3.1-${tier}`,
    family: 'veo',
    // `veo` alone means the fast one: the same clips for well under half the credits.
    ...(tier === 'fast' ? { aliases: ['veo'] } : {}),
    label: `Veo 3.1 ${tier === 'pro' ? 'Pro' : 'Fast'}`,
    description: `Google's Veo 3.1${tier === 'fast' ? ', faster and cheaper' : ''}: 8 s with sound, up to 4k. Text, first frame, or first and last frame.`,
    modes: ['text', 'first-frame', 'first-last'],
    durations: [8],
    defaultDuration: 8,
    aspectRatios: ['16:9', '9:16'],
    defaultAspectRatio: '9:16',
    // Every endpoint requires a ratio, frames or not.
    aspectRatioModes: ['text', 'first-frame', 'first-last'],
    prompt: { minLength: 1, maxLength: 8000 },
    qualities: [tier === 'pro' ? 'pro' : 'std'],
    defaultQuality: tier === 'pro' ? 'pro' : 'std',
    resolutions: RESOLUTIONS,
    maxReferenceImages: 0,
    images: { types: ['image/jpeg', 'image/png'], maxBytes: 10 * MIB, minSide: 300 },
    price: perSecondByResolution([8], {
      '720p': { credits: perSecond },
      '1080p': { credits: perSecond },
      '4k': { credits: perSecond * 1.5 },
    }),
    routes: [
      runningHubRoute({
        text: { path: `${base}/text-to-video`, fields: common },
        'first-frame':
          tier === 'fast'
            ? {
                path: `${base}/image-to-video`,
                fields: { ...common, firstFrame: { key: 'imageUrls', format: 'list' } },
              }
            : { path: startEnd, fields: { ...common, firstFrame: 'firstFrameUrl' } },
        'first-last': {
          path: startEnd,
          fields: { ...common, firstFrame: 'firstFrameUrl', lastFrame: 'lastFrameUrl' },
        },
      }),
    ],
  };
}

export const VEO: readonly ModelSpec[] = [veo('pro', 288), veo('fast', 108)];
