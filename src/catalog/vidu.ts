import type { ModelSpec } from '../core/catalog.js';
import { MIB } from '../core/catalog.js';
import { runningHubRoute } from '../providers/runninghub/route.js';
import { perSecondByResolution, seconds } from './price-tables.js';

/**
 * Shengshu's Vidu Q3 on RunningHub, pro and turbo: 1 to 16 s at 540p to 1080p, with sound (on by
 * default, as the endpoints have it), from text, a first frame, or a first and last frame. The text
 * endpoints want a style (sent as the default, `general`), the start-and-end ones a movement
 * amplitude (sent as `auto`). Sources and price notes: see `models.ts`.
 *
 * Prices: no list price known; estimated per second at Kling 2.5 Turbo Pro's RunningHub price
 * (¥0.35 a second) for pro at 720p, 0.6 times that at 540p and 1.5 times at 1080p; turbo at 3/5 of
 * pro, Kling's own turbo std-to-pro ratio. Sound costs nothing extra.
 */

type Tier = 'pro' | 'turbo';

const DURATIONS = seconds(1, 16);

function vidu(tier: Tier, rates: { '540p': number; '720p': number; '1080p': number }): ModelSpec {
  const common = {
    prompt: 'prompt',
    duration: { key: 'duration', format: 'string' },
    resolution: { key: 'resolution' },
    sound: 'audio',
  } as const;
  const startEnd = { path: `vidu/start-end-to-video-q3-${tier}`, fixed: { movementAmplitude: 'auto' } };
  return {
    id: `vidu-q3-${tier}`,
    family: 'vidu',
    ...(tier === 'pro' ? { aliases: ['vidu'] } : {}),
    label: `Vidu Q3 ${tier === 'pro' ? 'Pro' : 'Turbo'}`,
    description: `Vidu Q3${tier === 'turbo' ? ', faster and cheaper' : ''}: 1–16 s with sound, up to 1080p. Text, first frame, or first and last frame.`,
    modes: ['text', 'first-frame', 'first-last'],
    durations: DURATIONS,
    defaultDuration: 5,
    aspectRatios: ['16:9', '9:16', '1:1', '4:3', '3:4'],
    defaultAspectRatio: '16:9',
    aspectRatioModes: ['text'],
    prompt: { minLength: 1, maxLength: 4000 },
    qualities: [tier === 'pro' ? 'pro' : 'std'],
    defaultQuality: tier === 'pro' ? 'pro' : 'std',
    sound: { default: true },
    // Pro's text endpoint also has 360p and its image one 2k: the three every endpoint takes.
    resolutions: { options: ['540p', '720p', '1080p'], default: '720p' },
    maxReferenceImages: 0,
    // No smallest side is documented; 300 px as for Kling keeps thumbnails out.
    images: { types: ['image/jpeg', 'image/png'], maxBytes: 50 * MIB, minSide: 300 },
    price: perSecondByResolution(DURATIONS, {
      '540p': { credits: rates['540p'] },
      '720p': { credits: rates['720p'] },
      '1080p': { credits: rates['1080p'] },
    }),
    routes: [
      runningHubRoute({
        text: {
          path: `vidu/text-to-video-q3-${tier}`,
          fields: { ...common, aspectRatio: 'aspectRatio' },
          fixed: { style: 'general' },
        },
        'first-frame': {
          path: `vidu/image-to-video-q3-${tier}`,
          fields: { ...common, firstFrame: 'imageUrl' },
        },
        'first-last': {
          ...startEnd,
          fields: { ...common, firstFrame: 'firstImageUrl', lastFrame: 'lastImageUrl' },
        },
      }),
    ],
  };
}

export const VIDU: readonly ModelSpec[] = [
  vidu('pro', { '540p': 21, '720p': 35, '1080p': 53 }),
  vidu('turbo', { '540p': 13, '720p': 21, '1080p': 32 }),
];
