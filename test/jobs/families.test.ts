import { afterEach, describe, it } from 'vitest';
import { type FamilyCase, runFamilyCase } from '../helpers/families.js';
import type { Harness } from '../helpers/harness.js';

/**
 * The families beside Kling (Sora, Veo, Hailuo, Vidu, Wan, Seedance): one clip per model and mode,
 * from intake to a file, against the RunningHub fake, with the exact body each endpoint received.
 * The fake also checks each body against the vendor's parameter table.
 */

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const IMAGES = { none: 0, first: 1, 'first-last': 2 } as const;

/** A RunningHub case; the number of images follows from the frames. */
const rh = (c: Omit<FamilyCase, 'provider' | 'images' | 'frames'> & { frames: keyof typeof IMAGES }) => ({
  ...c,
  provider: 'runninghub' as const,
  images: IMAGES[c.frames],
});

const CASES: FamilyCase[] = [
  rh({
    name: 'sora-2 text, landscape, 15 s',
    frames: 'none',
    request: { model: 'sora-2', prompt: 'a paper boat in the rain', aspectRatio: '16:9', duration: 15 },
    endpoint: 'rhart-video-s/text-to-video',
    body: () => ({ prompt: 'a paper boat in the rain', duration: '15', aspectRatio: '16:9' }),
    credits: 15 * 72,
  }),
  rh({
    name: 'sora-2 first frame: the endpoint also wants a ratio (portrait by default)',
    frames: 'first',
    request: { model: 'sora-2', prompt: 'the boat drifts away' },
    endpoint: 'rhart-video-s/image-to-video',
    body: ([first]) => ({
      prompt: 'the boat drifts away',
      duration: '10',
      aspectRatio: '9:16',
      imageUrl: first,
    }),
    credits: 10 * 72,
  }),
  rh({
    name: 'sora-2-pro text: 1080p landscape as a size',
    frames: 'none',
    request: {
      model: 'sora-2-pro',
      prompt: 'a city wakes up',
      aspectRatio: '16:9',
      resolution: '1080p',
      duration: 12,
    },
    endpoint: 'rhart-video-s-official/text-to-video-pro',
    body: () => ({ prompt: 'a city wakes up', duration: '12', size: '1920x1080' }),
    credits: 12 * 360,
  }),
  rh({
    name: 'sora-2-pro first frame: a resolution, the ratio follows the frame',
    frames: 'first',
    request: { model: 'sora-2-pro', prompt: 'the street fills with people' },
    endpoint: 'rhart-video-s-official/image-to-video-pro',
    body: ([first]) => ({
      prompt: 'the street fills with people',
      duration: '4',
      resolution: '720p',
      imageUrl: first,
    }),
    credits: 4 * 216,
  }),
  rh({
    name: 'veo-3.1-pro text in 4k',
    frames: 'none',
    request: { model: 'veo-3.1-pro', prompt: 'waves on black sand', aspectRatio: '16:9', resolution: '4k' },
    endpoint: 'rhart-video-v3.1-pro/text-to-video',
    body: () => ({ prompt: 'waves on black sand', aspectRatio: '16:9', duration: '8', resolution: '4k' }),
    credits: 8 * 432,
  }),
  rh({
    name: 'veo-3.1-pro first frame, on the start-and-end endpoint (its image one takes no resolution)',
    frames: 'first',
    request: { model: 'veo-3.1-pro', prompt: 'the dancer spins' },
    endpoint: 'rhart-video-v3.1-pro/start-end-to-video',
    body: ([first]) => ({
      prompt: 'the dancer spins',
      aspectRatio: '9:16',
      duration: '8',
      resolution: '720p',
      firstFrameUrl: first,
    }),
    credits: 8 * 288,
  }),
  rh({
    name: 'veo-3.1-pro first and last frame',
    frames: 'first-last',
    request: { model: 'veo-3.1-pro', prompt: 'sunrise to sunset', resolution: '1080p' },
    endpoint: 'rhart-video-v3.1-pro/start-end-to-video',
    body: ([first, last]) => ({
      prompt: 'sunrise to sunset',
      aspectRatio: '9:16',
      duration: '8',
      resolution: '1080p',
      firstFrameUrl: first,
      lastFrameUrl: last,
    }),
    credits: 8 * 288,
  }),
  rh({
    name: 'veo-3.1-fast text',
    frames: 'none',
    request: { model: 'veo-3.1-fast', prompt: 'a fox in the snow' },
    endpoint: 'rhart-video-v3.1-fast/text-to-video',
    body: () => ({ prompt: 'a fox in the snow', aspectRatio: '9:16', duration: '8', resolution: '720p' }),
    credits: 8 * 108,
  }),
  rh({
    name: 'veo-3.1-fast first frame: the image inside `imageUrls`',
    frames: 'first',
    request: { model: 'veo-3.1-fast', prompt: 'the fox looks up', aspectRatio: '16:9' },
    endpoint: 'rhart-video-v3.1-fast/image-to-video',
    body: ([first]) => ({
      prompt: 'the fox looks up',
      aspectRatio: '16:9',
      duration: '8',
      resolution: '720p',
      imageUrls: [first],
    }),
    credits: 8 * 108,
  }),
  rh({
    name: 'veo-3.1-fast first and last frame in 4k',
    frames: 'first-last',
    request: { model: 'veo-3.1-fast', prompt: 'the fox runs off', resolution: '4k' },
    endpoint: 'rhart-video-v3.1-fast/start-end-to-video',
    body: ([first, last]) => ({
      prompt: 'the fox runs off',
      aspectRatio: '9:16',
      duration: '8',
      resolution: '4k',
      firstFrameUrl: first,
      lastFrameUrl: last,
    }),
    credits: 8 * 162,
  }),
  rh({
    name: 'hailuo-2.3-pro text: no duration (6 s), prompt expansion as the vendor defaults',
    frames: 'none',
    request: { model: 'hailuo-2.3-pro', prompt: 'a chef flips a pancake' },
    endpoint: 'minimax/hailuo-2.3/t2v-pro',
    body: () => ({ prompt: 'a chef flips a pancake', enablePromptExpansion: true }),
    credits: 350,
  }),
  rh({
    name: 'hailuo-2.3-pro first frame',
    frames: 'first',
    request: { model: 'hailuo-2.3-pro', prompt: 'the pancake lands' },
    endpoint: 'minimax/hailuo-2.3/image-to-video-pro',
    body: ([first]) => ({ prompt: 'the pancake lands', imageUrl: first, enablePromptExpansion: true }),
    credits: 350,
  }),
  rh({
    name: 'hailuo-2.3 text, 10 s',
    frames: 'none',
    request: { model: 'hailuo-2.3', prompt: 'a train through the hills', duration: 10 },
    endpoint: 'minimax/hailuo-2.3/t2v-standard',
    body: () => ({ prompt: 'a train through the hills', duration: '10', enablePromptExpansion: true }),
    credits: 400,
  }),
  rh({
    name: 'hailuo-2.3 first frame',
    frames: 'first',
    request: { model: 'hailuo-2.3', prompt: 'the train enters a tunnel' },
    endpoint: 'minimax/hailuo-2.3/i2v-standard',
    body: ([first]) => ({
      prompt: 'the train enters a tunnel',
      duration: '6',
      imageUrl: first,
      enablePromptExpansion: true,
    }),
    credits: 200,
  }),
  rh({
    name: 'hailuo-02-pro text',
    frames: 'none',
    request: { model: 'hailuo-02-pro', prompt: 'a hummingbird at a flower' },
    endpoint: 'minimax/hailuo-02/t2v-pro',
    body: () => ({ prompt: 'a hummingbird at a flower', enablePromptExpansion: true }),
    credits: 350,
  }),
  rh({
    name: 'hailuo-02-pro first and last frame',
    frames: 'first-last',
    request: { model: 'hailuo-02-pro', prompt: 'the bird flies to the next flower' },
    endpoint: 'minimax/hailuo-02/i2v-pro',
    body: ([first, last]) => ({
      prompt: 'the bird flies to the next flower',
      firstImageUrl: first,
      lastImageUrl: last,
      enablePromptExpansion: true,
    }),
    credits: 350,
  }),
  rh({
    name: 'hailuo-02 text',
    frames: 'none',
    request: { model: 'hailuo-02', prompt: 'snow falls on a cabin' },
    endpoint: 'minimax/hailuo-02/t2v-standard',
    body: () => ({ prompt: 'snow falls on a cabin', duration: '6', enablePromptExpansion: true }),
    credits: 200,
  }),
  rh({
    name: 'hailuo-02 first frame',
    frames: 'first',
    request: { model: 'hailuo-02', prompt: 'smoke rises from the chimney' },
    endpoint: 'minimax/hailuo-02/i2v-standard',
    body: ([first]) => ({
      prompt: 'smoke rises from the chimney',
      duration: '6',
      firstImageUrl: first,
      enablePromptExpansion: true,
    }),
    credits: 200,
  }),
  rh({
    name: 'hailuo-02 first and last frame, 10 s',
    frames: 'first-last',
    request: { model: 'hailuo-02', prompt: 'winter turns to spring', duration: 10 },
    endpoint: 'minimax/hailuo-02/i2v-standard',
    body: ([first, last]) => ({
      prompt: 'winter turns to spring',
      duration: '10',
      firstImageUrl: first,
      lastImageUrl: last,
      enablePromptExpansion: true,
    }),
    credits: 400,
  }),
  rh({
    name: 'vidu-q3-pro text: a style, sound as `audio`',
    frames: 'none',
    request: { model: 'vidu-q3-pro', prompt: 'a robot waters plants', aspectRatio: '1:1' },
    endpoint: 'vidu/text-to-video-q3-pro',
    body: () => ({
      prompt: 'a robot waters plants',
      duration: '5',
      resolution: '720p',
      audio: true,
      aspectRatio: '1:1',
      style: 'general',
    }),
    credits: 5 * 35,
  }),
  rh({
    name: 'vidu-q3-pro first frame, 16 s in 1080p without sound',
    frames: 'first',
    request: {
      model: 'vidu-q3-pro',
      prompt: 'the robot waves',
      duration: 16,
      resolution: '1080p',
      sound: false,
    },
    endpoint: 'vidu/image-to-video-q3-pro',
    body: ([first]) => ({
      prompt: 'the robot waves',
      duration: '16',
      resolution: '1080p',
      audio: false,
      imageUrl: first,
    }),
    credits: 16 * 53,
  }),
  rh({
    name: 'vidu-q3-pro first and last frame: a movement amplitude',
    frames: 'first-last',
    request: { model: 'vidu-q3-pro', prompt: 'the seed becomes a tree' },
    endpoint: 'vidu/start-end-to-video-q3-pro',
    body: ([first, last]) => ({
      prompt: 'the seed becomes a tree',
      duration: '5',
      resolution: '720p',
      audio: true,
      firstImageUrl: first,
      lastImageUrl: last,
      movementAmplitude: 'auto',
    }),
    credits: 5 * 35,
  }),
  rh({
    name: 'vidu-q3-turbo text in 540p',
    frames: 'none',
    request: { model: 'vidu-q3-turbo', prompt: 'a cat chases a laser dot', resolution: '540p', duration: 3 },
    endpoint: 'vidu/text-to-video-q3-turbo',
    body: () => ({
      prompt: 'a cat chases a laser dot',
      duration: '3',
      resolution: '540p',
      audio: true,
      aspectRatio: '16:9',
      style: 'general',
    }),
    credits: 3 * 13,
  }),
  rh({
    name: 'vidu-q3-turbo first frame',
    frames: 'first',
    request: { model: 'vidu-q3-turbo', prompt: 'the cat pounces' },
    endpoint: 'vidu/image-to-video-q3-turbo',
    body: ([first]) => ({
      prompt: 'the cat pounces',
      duration: '5',
      resolution: '720p',
      audio: true,
      imageUrl: first,
    }),
    credits: 5 * 21,
  }),
  rh({
    name: 'vidu-q3-turbo first and last frame',
    frames: 'first-last',
    request: { model: 'vidu-q3-turbo', prompt: 'the cat falls asleep' },
    endpoint: 'vidu/start-end-to-video-q3-turbo',
    body: ([first, last]) => ({
      prompt: 'the cat falls asleep',
      duration: '5',
      resolution: '720p',
      audio: true,
      firstImageUrl: first,
      lastImageUrl: last,
      movementAmplitude: 'auto',
    }),
    credits: 5 * 21,
  }),
  rh({
    name: 'wan-2.6 text by default: 1080p portrait, spelt 1080*1920',
    frames: 'none',
    request: { model: 'wan-2.6', prompt: 'a lantern festival at night' },
    endpoint: 'alibaba/wan-2.6/text-to-video',
    body: () => ({
      prompt: 'a lantern festival at night',
      duration: '5',
      resolution: '1080*1920',
      shotType: 'single',
    }),
    credits: 5 * 100,
  }),
  rh({
    name: 'wan-2.6 text in 720p landscape with a negative prompt, 15 s',
    frames: 'none',
    request: {
      model: 'wan-2.6',
      prompt: 'lanterns rise over the river',
      negativePrompt: 'text, watermark',
      aspectRatio: '16:9',
      resolution: '720p',
      duration: 15,
    },
    endpoint: 'alibaba/wan-2.6/text-to-video',
    body: () => ({
      prompt: 'lanterns rise over the river',
      negativePrompt: 'text, watermark',
      duration: '15',
      resolution: '1280*720',
      shotType: 'single',
    }),
    credits: 15 * 60,
  }),
  rh({
    name: 'wan-2.6 first frame: a plain resolution',
    frames: 'first',
    request: { model: 'wan-2.6', prompt: 'the lantern drifts up', duration: 10, resolution: '720p' },
    endpoint: 'alibaba/wan-2.6/image-to-video',
    body: ([first]) => ({
      prompt: 'the lantern drifts up',
      duration: '10',
      resolution: '720p',
      imageUrl: first,
      shotType: 'single',
    }),
    credits: 10 * 60,
  }),
  rh({
    name: 'wan-2.6 first frame in several shots: shotType multi',
    frames: 'first',
    request: { model: 'wan-2.6', prompt: 'the festival, from the crowd and the sky', multiShot: true },
    endpoint: 'alibaba/wan-2.6/image-to-video',
    body: ([first]) => ({
      prompt: 'the festival, from the crowd and the sky',
      duration: '5',
      resolution: '1080p',
      imageUrl: first,
      shotType: 'multi',
    }),
    credits: 5 * 100,
  }),
  rh({
    name: 'seedance-1.5-pro text by default: 3:4, sound as the string "true"',
    frames: 'none',
    request: { model: 'seedance-1.5-pro', prompt: 'a skateboarder at dusk' },
    endpoint: 'seedance-v1.5-pro/text-to-video',
    body: () => ({
      prompt: 'a skateboarder at dusk',
      duration: '5',
      resolution: '720p',
      generateAudio: 'true',
      aspectRatio: '3:4',
      cameraFixed: 'false',
    }),
    credits: 5 * 35,
  }),
  rh({
    name: 'seedance-1.5-pro first frame in 1080p without sound: an adaptive ratio',
    frames: 'first',
    request: { model: 'seedance-1.5-pro', prompt: 'the skater jumps', resolution: '1080p', sound: false },
    endpoint: 'seedance-v1.5-pro/image-to-video',
    body: ([first]) => ({
      prompt: 'the skater jumps',
      duration: '5',
      resolution: '1080p',
      generateAudio: 'false',
      firstImageUrl: first,
      cameraFixed: 'false',
      aspectRatio: 'adaptive',
    }),
    credits: 5 * 39,
  }),
  rh({
    name: 'seedance-1.5-pro first and last frame, 12 s in 480p',
    frames: 'first-last',
    request: { model: 'seedance-1.5-pro', prompt: 'the skater lands', duration: 12, resolution: '480p' },
    endpoint: 'seedance-v1.5-pro/image-to-video',
    body: ([first, last]) => ({
      prompt: 'the skater lands',
      duration: '12',
      resolution: '480p',
      generateAudio: 'true',
      firstImageUrl: first,
      lastImageUrl: last,
      cameraFixed: 'false',
      aspectRatio: 'adaptive',
    }),
    credits: 12 * 16,
  }),
];

describe('every family beside Kling makes a clip with the exact body its endpoint takes', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await runFamilyCase(c, (t) => {
        h = t;
      });
    });
  }
});
