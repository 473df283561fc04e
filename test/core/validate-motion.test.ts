import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import type { GenerationRequest, MediaRef } from '../../src/core/request.js';
import { requestFromValid, validate } from '../../src/core/validate.js';

/** Validation of motion control: what it takes, what it leaves out, what it costs. */

const ref = (id: string, contentType: string, size?: number): MediaRef => ({
  source: { kind: 'url', id: `https://example.com/${id}` },
  contentType,
  ...(size === undefined ? {} : { size }),
});

const motion = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: 'kling-3.0-pro',
  prompt: 'the knight dances',
  mode: 'motion',
  firstFrame: ref('knight.png', 'image/png'),
  referenceVideo: ref('moves.mp4', 'video/mp4'),
  ...extra,
});

const refusal = (request: GenerationRequest) => {
  const result = validate(request, CATALOG);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
};

describe('validate: motion control', () => {
  it('needs no length, sound or guidance: charged as a 10 s clip without sound, none of them sent', () => {
    const result = validate(motion(), CATALOG);
    expect(result.ok && result.value).toMatchObject({ mode: 'motion', duration: 10, credits: 720 });
    if (!result.ok) return;
    expect(result.value.sound).toBeUndefined();
    expect(result.value.cfgScale).toBeUndefined();
    expect(result.value.aspectRatio).toBeUndefined();
    // Again makes the same request, which validates the same way.
    expect(validate(requestFromValid(result.value), CATALOG)).toEqual(result);
  });

  it('refuses another length, a shape, and a negative prompt where the endpoint takes none', () => {
    expect(refusal(motion({ duration: 5 }))).toMatchObject({
      id: 'duration-unsupported',
      details: { allowed: [10] },
    });
    expect(refusal(motion({ aspectRatio: '9:16' }))).toMatchObject({
      id: 'aspect-ratio-unsupported',
      details: { reason: 'follows-image' },
    });
    expect(refusal(motion({ model: 'kling-2.6-pro', negativePrompt: 'blurry' }))).toMatchObject({
      id: 'negative-prompt-unsupported',
    });
  });

  it('a refusal names only models that do motion control, and a motion-only model is no choice elsewhere', () => {
    expect(refusal(motion({ quality: 'std' }))).toMatchObject({
      id: 'quality-unsupported',
      details: { models: ['kling-3.0-std', 'kling-2.6-std'] },
    });
    const text = refusal({ model: 'kling-2.5-turbo-pro', prompt: 'a fox', quality: 'std' });
    expect(text.details?.models).not.toContain('kling-2.6-std');
    expect(text.details?.models).toContain('kling-3.0-std');
  });

  it('takes exactly one image and one video, within the motion limits', () => {
    const { referenceVideo: _video, ...imageOnly } = motion();
    expect(refusal(imageOnly)).toEqual({
      id: 'motion-inputs',
      details: { images: 1, videos: 0 },
    });
    expect(refusal(motion({ lastFrame: ref('b.png', 'image/png') }))).toEqual({
      id: 'motion-inputs',
      details: { images: 2, videos: 1 },
    });
    expect(refusal(motion({ firstFrame: ref('big.png', 'image/png', 15 * 1024 * 1024) }))).toMatchObject({
      id: 'image-too-large',
      details: { input: 'character-image', max: 10 * 1024 * 1024 },
    });
    expect(refusal(motion({ referenceVideo: ref('big.mp4', 'video/mp4', 200 * 1024 * 1024) }))).toMatchObject(
      {
        id: 'image-too-large',
        details: { input: 'driving-video', max: 100 * 1024 * 1024 },
      },
    );
  });
});
