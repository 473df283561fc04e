import { afterEach, describe, it } from 'vitest';
import { type FamilyCase, runFamilyCase } from '../helpers/families.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Every current Kling generation, one clip per family and mode, from intake to a file, against the
 * provider fakes: the exact body each endpoint received. The RunningHub fake also checks each body
 * against the vendor's parameter table, and the Runware fake against the model's rules.
 */

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** What every Runware video task carries besides the request's own values. */
const RUNWARE_TAIL = {
  deliveryMethod: 'async',
  outputType: 'URL',
  outputFormat: 'MP4',
  numberResults: 1,
  includeCost: true,
};
const frames = (first: string, last?: string) => ({
  inputs: {
    frameImages: [{ image: first, frame: 'first' }, ...(last ? [{ image: last, frame: 'last' }] : [])],
  },
});

const CASES: FamilyCase[] = [
  {
    name: 'kling-3.0-pro text, with a negative prompt and sound on by default',
    provider: 'runninghub',
    frames: 'none',
    images: 0,
    request: {
      model: 'kling-3.0-pro',
      prompt: 'a lighthouse in a storm',
      negativePrompt: 'blurry',
      duration: 8,
      aspectRatio: '9:16',
      cfgScale: 0.7,
    },
    endpoint: 'kling-v3.0-pro/text-to-video',
    body: () => ({
      prompt: 'a lighthouse in a storm',
      negativePrompt: 'blurry',
      duration: '8',
      aspectRatio: '9:16',
      cfgScale: 0.7,
      sound: true,
      multiShot: false,
    }),
    credits: 8 * 90,
  },
  {
    name: 'kling-3.0-pro first and last frame in several shots: multiShot on, the model choosing them',
    provider: 'runninghub',
    frames: 'first-last',
    images: 2,
    request: { model: 'kling-3.0-pro', prompt: 'a day in the city, dawn to dusk', multiShot: true },
    endpoint: 'kling-v3.0-pro/image-to-video',
    body: ([first, last]) => ({
      prompt: 'a day in the city, dawn to dusk',
      duration: '5',
      cfgScale: 0.5,
      sound: true,
      firstImageUrl: first,
      lastImageUrl: last,
      multiShot: true,
      shotType: 'intelligence',
    }),
    credits: 5 * 90,
  },
  {
    name: 'kling-3.0-std first frame, without sound',
    provider: 'runninghub',
    frames: 'first',
    images: 1,
    request: { model: 'kling-3.0-std', prompt: 'the statue turns its head', sound: false },
    endpoint: 'kling-v3.0-std/image-to-video',
    body: ([first]) => ({
      prompt: 'the statue turns its head',
      duration: '5',
      cfgScale: 0.5,
      sound: false,
      firstImageUrl: first,
      multiShot: false,
    }),
    credits: 5 * 54,
  },
  {
    name: 'kling-3.0-pro first and last frame, 15 s',
    provider: 'runninghub',
    frames: 'first-last',
    images: 2,
    request: { model: 'kling-3.0-pro', prompt: 'day turns to night', duration: 15 },
    endpoint: 'kling-v3.0-pro/image-to-video',
    body: ([first, last]) => ({
      prompt: 'day turns to night',
      duration: '15',
      cfgScale: 0.5,
      sound: true,
      firstImageUrl: first,
      lastImageUrl: last,
      multiShot: false,
    }),
    credits: 15 * 90,
  },
  {
    name: 'kling-o3-std text, an integer duration',
    provider: 'runninghub',
    frames: 'none',
    images: 0,
    request: {
      model: 'kling-o3-std',
      prompt: 'a kite over the dunes',
      duration: 12,
      aspectRatio: '1:1',
      sound: true,
    },
    endpoint: 'kling-video-o3-std/text-to-video',
    body: () => ({
      prompt: 'a kite over the dunes',
      aspectRatio: '1:1',
      sound: true,
      duration: 12,
      multiShot: false,
    }),
    credits: 12 * 68,
  },
  {
    name: 'kling-o3-pro first frame',
    provider: 'runninghub',
    frames: 'first',
    images: 1,
    request: { model: 'kling-o3-pro', prompt: 'the cat jumps off the sofa' },
    endpoint: 'kling-video-o3-pro/image-to-video',
    body: ([first]) => ({
      prompt: 'the cat jumps off the sofa',
      sound: false,
      duration: 5,
      firstImageUrl: first,
      multiShot: false,
    }),
    credits: 5 * 72,
  },
  {
    name: 'kling-o3-std first and last frame, 3 s',
    provider: 'runninghub',
    frames: 'first-last',
    images: 2,
    request: { model: 'kling-o3-std', prompt: 'the bud opens into a flower', duration: 3 },
    endpoint: 'kling-video-o3-std/image-to-video',
    body: ([first, last]) => ({
      prompt: 'the bud opens into a flower',
      sound: false,
      duration: 3,
      firstImageUrl: first,
      lastImageUrl: last,
      multiShot: false,
    }),
    credits: 3 * 54,
  },
  {
    name: 'kling-o3-std reference images, with sound',
    provider: 'runninghub',
    frames: 'references',
    images: 3,
    request: { model: 'kling-o3-std', prompt: 'the three of them share a meal', sound: true },
    endpoint: 'kling-video-o3-std/reference-to-video',
    body: (refs) => ({
      prompt: 'the three of them share a meal',
      imageUrls: refs,
      sound: true,
      aspectRatio: '16:9',
      duration: 5,
      keepOriginalSound: true,
      multiShot: false,
    }),
    credits: 5 * 68,
  },
  {
    name: 'kling-o3-pro reference images in several shots',
    provider: 'runninghub',
    frames: 'references',
    images: 2,
    request: { model: 'kling-o3-pro', prompt: 'the two friends meet again', multiShot: true },
    endpoint: 'kling-video-o3-pro/reference-to-video',
    body: (refs) => ({
      prompt: 'the two friends meet again',
      imageUrls: refs,
      sound: false,
      aspectRatio: '16:9',
      duration: 5,
      keepOriginalSound: true,
      multiShot: true,
      shotType: 'intelligence',
    }),
    credits: 5 * 72,
  },
  {
    name: 'kling-2.6-pro text: sound as the string "true"',
    provider: 'runninghub',
    frames: 'none',
    images: 0,
    request: {
      model: 'kling-2.6-pro',
      prompt: 'rain on a tin roof',
      negativePrompt: 'music',
      aspectRatio: '16:9',
      duration: 10,
    },
    endpoint: 'kling-v2.6-pro/text-to-video',
    body: () => ({
      prompt: 'rain on a tin roof',
      negativePrompt: 'music',
      sound: 'true',
      aspectRatio: '16:9',
      duration: '10',
    }),
    credits: 700,
  },
  {
    name: 'kling-2.6-pro first frame: sound "false", the image in `imageUrl`',
    provider: 'runninghub',
    frames: 'first',
    images: 1,
    request: { model: 'kling-2.6-pro', prompt: 'she waves at the camera', sound: false },
    endpoint: 'kling-v2.6-pro/image-to-video',
    body: ([first]) => ({
      prompt: 'she waves at the camera',
      sound: 'false',
      duration: '5',
      imageUrl: first,
    }),
    credits: 175,
  },
  {
    name: 'kling-2.5-turbo-std first frame on RunningHub',
    provider: 'runninghub',
    frames: 'first',
    images: 1,
    request: { model: 'kling-2.5-turbo-std', prompt: 'the leaves start to fall', cfgScale: 0.3 },
    endpoint: 'kling-v2.5-turbo-std/image-to-video',
    body: ([first]) => ({
      prompt: 'the leaves start to fall',
      duration: '5',
      guidanceScale: 0.3,
      firstImageUrl: first,
    }),
    credits: 105,
  },
  {
    name: 'kling-2.5-turbo-std first frame on Runware (klingai:6@0): no size, it follows the frame',
    provider: 'runware',
    frames: 'first',
    images: 1,
    request: { model: 'kling-2.5-turbo-std', prompt: 'the leaves start to fall', duration: 10 },
    endpoint: 'klingai:6@0',
    body: ([first]) => ({
      taskType: 'videoInference',
      model: 'klingai:6@0',
      positivePrompt: 'the leaves start to fall',
      duration: 10,
      CFGScale: 0.5,
      ...frames(first!),
      ...RUNWARE_TAIL,
    }),
    credits: 210,
  },
  {
    name: 'kling-2.1-master text on Runware (klingai:5@3), 1080p, with a seed',
    provider: 'runware',
    frames: 'none',
    images: 0,
    request: {
      model: 'kling-2.1-master',
      prompt: 'a dragon over the city',
      aspectRatio: '9:16',
      seed: 424242,
    },
    endpoint: 'klingai:5@3',
    body: () => ({
      taskType: 'videoInference',
      model: 'klingai:5@3',
      positivePrompt: 'a dragon over the city',
      width: 1080,
      height: 1920,
      duration: 5,
      CFGScale: 0.5,
      seed: 424242,
      ...RUNWARE_TAIL,
    }),
    credits: 700,
  },
  {
    name: 'kling-2.1-master first frame on Runware',
    provider: 'runware',
    frames: 'first',
    images: 1,
    request: { model: 'kling-2.1-master', prompt: 'the dragon takes off', duration: 10 },
    endpoint: 'klingai:5@3',
    body: ([first]) => ({
      taskType: 'videoInference',
      model: 'klingai:5@3',
      positivePrompt: 'the dragon takes off',
      width: 1920,
      height: 1080,
      duration: 10,
      CFGScale: 0.5,
      ...frames(first!),
      ...RUNWARE_TAIL,
    }),
    credits: 1400,
  },
  {
    name: 'kling-2.1-pro first frame on Runware (klingai:5@2)',
    provider: 'runware',
    frames: 'first',
    images: 1,
    request: { model: 'kling-2.1-pro', prompt: 'waves roll in', seed: 1 },
    endpoint: 'klingai:5@2',
    body: ([first]) => ({
      taskType: 'videoInference',
      model: 'klingai:5@2',
      positivePrompt: 'waves roll in',
      width: 1920,
      height: 1080,
      duration: 5,
      CFGScale: 0.5,
      seed: 1,
      ...frames(first!),
      ...RUNWARE_TAIL,
    }),
    credits: 225,
  },
  {
    name: 'kling-2.1-pro first and last frame on Runware',
    provider: 'runware',
    frames: 'first-last',
    images: 2,
    request: { model: 'kling-2.1-pro', prompt: 'ice melts to water', negativePrompt: 'text', cfgScale: 0.8 },
    endpoint: 'klingai:5@2',
    body: ([first, last]) => ({
      taskType: 'videoInference',
      model: 'klingai:5@2',
      positivePrompt: 'ice melts to water',
      negativePrompt: 'text',
      width: 1920,
      height: 1080,
      duration: 5,
      CFGScale: 0.8,
      ...frames(first!, last),
      ...RUNWARE_TAIL,
    }),
    credits: 225,
  },
];

describe('every Kling generation makes a clip with the exact body its endpoint takes', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await runFamilyCase(c, (t) => {
        h = t;
      });
    });
  }
});
