import { describe, expect, it } from 'vitest';
import { KLING } from '../../src/catalog/kling.js';
import { creditsFor, MIB, type ModelSpec } from '../../src/core/catalog.js';
import type { ErrorId, UserError } from '../../src/core/errors.js';
import type { GenerationRequest, MediaRef, ValidRequest } from '../../src/core/request.js';
import {
  checkImageMetadata,
  claimedType,
  requestFromValid,
  validate as validateIn,
} from '../../src/core/validate.js';

/**
 * The Kling family only: the refusals below name the other models that take a setting, lists that
 * should not change each time a family is added.
 */
const CATALOG = KLING;
const validate = (req: GenerationRequest) => validateIn(req, CATALOG);

const PROMPT = 'a red fox runs through fresh snow at dawn';

/** An image as Discord describes an attachment: a PNG of 1024×768, 1 MiB. */
const image = (name = 'photo.png', extra: Partial<MediaRef> = {}): MediaRef => ({
  source: { kind: 'url', id: `https://cdn.example/attachments/${name}` },
  filename: name,
  contentType: 'image/png',
  size: MIB,
  width: 1024,
  height: 768,
  ...extra,
});

const refs = (n: number): MediaRef[] => Array.from({ length: n }, (_, i) => image(`ref${i + 1}.png`));

function valid(req: GenerationRequest): ValidRequest {
  const result = validate(req);
  if (!result.ok) throw new Error(`expected a valid request, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function invalid(req: GenerationRequest, id: ErrorId): UserError {
  const result = validate(req);
  if (result.ok) throw new Error(`expected ${id}, got a valid request`);
  expect(result.error.id).toBe(id);
  return result.error;
}

const kling25 = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: 'kling-2.5-turbo-pro',
  prompt: PROMPT,
  ...extra,
});
const o1 = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: 'kling-o1',
  prompt: PROMPT,
  ...extra,
});
const o3 = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: 'kling-o3-pro',
  prompt: PROMPT,
  references: refs(2),
  ...extra,
});

describe('validate: model', () => {
  it('refuses an unknown model and lists the known ones', () => {
    expect(CATALOG.map((m) => m.id).slice(0, 3)).toEqual(['kling-2.5-turbo-pro', 'kling-o1', 'kling-o3-pro']);
    const error = invalid({ model: 'sora-9', prompt: PROMPT }, 'unknown-model');
    expect(error.details).toEqual({
      model: 'sora-9',
      allowed: CATALOG.map((m) => m.id),
    });
  });

  it('matches the model id exactly', () => {
    invalid({ model: 'Kling-O1', prompt: PROMPT }, 'unknown-model');
    invalid({ model: ' kling-o1', prompt: PROMPT }, 'unknown-model');
  });
});

describe('validate: mode', () => {
  it('derives text mode from a prompt alone', () => {
    expect(valid(kling25()).mode).toBe('text');
  });

  it('derives first-frame mode from a first frame', () => {
    const first = image('first.png');
    const v = valid(kling25({ firstFrame: first }));
    expect(v.mode).toBe('first-frame');
    expect(v.images).toEqual({ first });
  });

  it('derives first-last mode from two frames', () => {
    const first = image('first.png');
    const last = image('last.png');
    const v = valid(o1({ firstFrame: first, lastFrame: last }));
    expect(v.mode).toBe('first-last');
    expect(v.images).toEqual({ first, last });
  });

  it('derives reference mode from reference images', () => {
    const references = refs(3);
    const v = valid(o3({ references }));
    expect(v.mode).toBe('reference');
    expect(v.images).toEqual({ references });
  });

  it('carries a reference video next to the reference images', () => {
    const video = image('motion.mp4', { contentType: 'video/mp4', size: 10 * MIB });
    const v = valid(o3({ referenceVideo: video }));
    expect(v.images.video).toEqual(video);
  });

  it('refuses a mode the model lacks: 2.5 Turbo Std with text only', () => {
    const error = invalid({ model: 'kling-2.5-turbo-std', prompt: PROMPT }, 'mode-unsupported');
    expect(error.details).toMatchObject({
      model: 'kling-2.5-turbo-std',
      mode: 'text',
      allowed: ['first-frame'],
    });
  });

  it('refuses a mode the model lacks: o1 with references', () => {
    const error = invalid(o1({ references: refs(2) }), 'mode-unsupported');
    expect(error.details).toMatchObject({
      model: 'kling-o1',
      mode: 'reference',
      allowed: ['text', 'first-frame', 'first-last'],
    });
  });

  it('takes text and frames on o3 as well as references', () => {
    expect(valid({ model: 'kling-o3-pro', prompt: PROMPT }).mode).toBe('text');
    expect(valid({ model: 'kling-o3-std', prompt: PROMPT, firstFrame: image() }).mode).toBe('first-frame');
  });

  it('refuses a last frame on kling-2.6-pro, which animates a first frame only', () => {
    const error = invalid(
      { model: 'kling-2.6-pro', prompt: PROMPT, firstFrame: image(), lastFrame: image('b.png') },
      'mode-unsupported',
    );
    expect(error.details).toMatchObject({ mode: 'first-last', allowed: ['text', 'first-frame', 'motion'] });
  });

  it('refuses a last frame without a first', () => {
    invalid(kling25({ lastFrame: image() }), 'last-frame-without-first');
  });

  it('refuses frames and references together', () => {
    invalid(o3({ firstFrame: image() }), 'frames-and-references');
    invalid(o3({ lastFrame: image() }), 'frames-and-references');
    invalid(kling25({ firstFrame: image(), references: refs(1) }), 'frames-and-references');
  });

  it('refuses a reference video without reference images', () => {
    const video = image('motion.mp4', { contentType: 'video/mp4' });
    invalid({ model: 'kling-o3-pro', prompt: PROMPT, referenceVideo: video }, 'mode-unsupported');
  });
});

describe('validate: several shots', () => {
  it('keeps several shots on a model that cuts between shots, and carries them back to a request', () => {
    const v = valid({ model: 'kling-3.0-pro', prompt: PROMPT, multiShot: true });
    expect(v.multiShot).toBe(true);
    expect(requestFromValid(v).multiShot).toBe(true);
    // Off is the default, and is not written down.
    expect(valid({ model: 'kling-3.0-pro', prompt: PROMPT, multiShot: false })).not.toHaveProperty(
      'multiShot',
    );
    expect(requestFromValid(valid(o3()))).not.toHaveProperty('multiShot');
  });

  it('refuses them on a one-shot model, naming the models that cut between shots', () => {
    const error = invalid(kling25({ multiShot: true }), 'multi-shot-unsupported');
    expect(error.details).toEqual({
      model: 'kling-2.5-turbo-pro',
      models: ['kling-o3-pro', 'kling-o3-std', 'kling-3.0-pro', 'kling-3.0-std'],
    });
  });

  it('refuses them in motion control, where the driving video makes the one shot', () => {
    const video = image('dance.mp4', { contentType: 'video/mp4', size: 10 * MIB });
    const error = invalid(
      {
        model: 'kling-3.0-pro',
        prompt: PROMPT,
        mode: 'motion',
        firstFrame: image(),
        referenceVideo: video,
        multiShot: true,
      },
      'multi-shot-unsupported',
    );
    expect(error.details).toEqual({ model: 'kling-3.0-pro', motion: 'yes' });
  });
});

describe('validate: prompt', () => {
  it('refuses a missing prompt', () => {
    invalid({ model: 'kling-o1' }, 'prompt-missing');
    invalid(o1({ prompt: '' }), 'prompt-missing');
  });

  it('refuses a whitespace-only prompt', () => {
    invalid(o1({ prompt: ' \n\t  ' }), 'prompt-missing');
  });

  it('trims the prompt', () => {
    expect(valid(o1({ prompt: `  ${PROMPT}\n` })).prompt).toBe(PROMPT);
  });

  it('refuses a prompt shorter than the minimum', () => {
    const error = invalid(o1({ prompt: 'a' }), 'prompt-too-short');
    expect(error.details).toEqual({ min: 2 });
    expect(valid(o1({ prompt: 'ab' })).prompt).toBe('ab');
  });

  it('accepts a prompt of exactly the maximum and refuses one more', () => {
    expect(valid(kling25({ prompt: 'x'.repeat(2000) })).prompt).toHaveLength(2000);
    const error = invalid(kling25({ prompt: 'x'.repeat(2001) }), 'prompt-too-long');
    expect(error.details).toEqual({ length: 2001, max: 2000 });
  });

  it('uses each model its own maximum (o3: 2500)', () => {
    valid(o3({ prompt: 'x'.repeat(2500) }));
    expect(invalid(o3({ prompt: 'x'.repeat(2501) }), 'prompt-too-long').details).toEqual({
      length: 2501,
      max: 2500,
    });
  });

  it('refuses a 10,000-character prompt', () => {
    const error = invalid(o1({ prompt: 'word '.repeat(2000) }), 'prompt-too-long');
    expect(error.details).toMatchObject({ max: 2000 });
  });

  it('counts length as the providers do (UTF-16 units): an emoji is two', () => {
    const fox = '🦊';
    expect(fox.length).toBe(2);
    expect(valid(kling25({ prompt: fox.repeat(1000) })).prompt).toBe(fox.repeat(1000));
    expect(invalid(kling25({ prompt: fox.repeat(1001) }), 'prompt-too-long').details).toEqual({
      length: 2002,
      max: 2000,
    });
    expect(valid(kling25({ prompt: fox })).prompt).toBe(fox);
  });
});

describe('validate: negative prompt', () => {
  it('keeps a negative prompt on a model that takes one', () => {
    expect(valid(kling25({ negativePrompt: ' blur, text ' })).negativePrompt).toBe('blur, text');
  });

  it('ignores an empty or blank negative prompt', () => {
    expect(valid(o1({ negativePrompt: '   ' }))).not.toHaveProperty('negativePrompt');
  });

  it('refuses a negative prompt on a model without one', () => {
    // The reply names the models that do take one.
    expect(invalid(o1({ negativePrompt: 'blur' }), 'negative-prompt-unsupported').details).toEqual({
      model: 'kling-o1',
      models: [
        'kling-2.5-turbo-pro',
        'kling-3.0-pro',
        'kling-3.0-std',
        'kling-2.6-pro',
        'kling-2.5-turbo-std',
        'kling-2.1-master',
        'kling-2.1-pro',
      ],
    });
    invalid(o3({ negativePrompt: 'blur' }), 'negative-prompt-unsupported');
  });

  it('refuses a negative prompt that is too short, saying so', () => {
    const error = invalid(kling25({ negativePrompt: 'x' }), 'negative-prompt-too-short');
    expect(error.details).toMatchObject({ length: 1, min: 2 });
  });

  it('refuses a negative prompt that is too long', () => {
    valid(kling25({ negativePrompt: 'x'.repeat(2500) }));
    const error = invalid(kling25({ negativePrompt: 'x'.repeat(2501) }), 'negative-prompt-too-long');
    expect(error.details).toMatchObject({ length: 2501, max: 2500 });
  });
});

describe('validate: duration', () => {
  it('refuses a duration the model lacks', () => {
    const error = invalid(kling25({ duration: 7 }), 'duration-unsupported');
    expect(error.details).toEqual({
      model: 'kling-2.5-turbo-pro',
      duration: 7,
      allowed: [5, 10],
      models: ['kling-o3-pro', 'kling-o3-std', 'kling-3.0-pro', 'kling-3.0-std'],
    });
    expect(invalid(kling25({ duration: 99 }), 'duration-unsupported').details?.models).toEqual([]);
  });

  it('keeps o3 within 3–15 s', () => {
    expect(invalid(o3({ duration: 2 }), 'duration-unsupported').details).toMatchObject({ duration: 2 });
    invalid(o3({ duration: 16 }), 'duration-unsupported');
    expect(valid(o3({ duration: 15 })).duration).toBe(15);
    expect(valid(o3({ duration: 3 })).duration).toBe(3);
  });

  it('refuses a fractional or non-finite duration', () => {
    invalid(o3({ duration: 5.5 }), 'duration-unsupported');
    invalid(o3({ duration: Number.NaN }), 'duration-unsupported');
  });

  it('accepts 10 s on o1', () => {
    expect(valid(o1({ duration: 10 })).duration).toBe(10);
  });

  it("fills in the model's default duration", () => {
    expect(valid(kling25()).duration).toBe(5);
    expect(valid(o1()).duration).toBe(5);
    expect(valid(o3()).duration).toBe(5);
  });
});

describe('validate: aspect ratio', () => {
  it('refuses an aspect ratio the model lacks', () => {
    const error = invalid(o1({ aspectRatio: '4:3' }), 'aspect-ratio-unsupported');
    expect(error.details).toEqual({
      model: 'kling-o1',
      aspectRatio: '4:3',
      allowed: ['16:9', '9:16', '1:1'],
      models: [],
    });
    invalid(o3({ aspectRatio: '21:9' }), 'aspect-ratio-unsupported');
  });

  it('keeps a supported aspect ratio and fills in the default', () => {
    expect(valid(kling25({ aspectRatio: '9:16' })).aspectRatio).toBe('9:16');
    expect(valid(kling25()).aspectRatio).toBe('16:9');
    expect(valid(o3()).aspectRatio).toBe('16:9');
  });

  it('refuses an aspect ratio in kling-2.5 image modes, where the clip follows the image', () => {
    const error = invalid(kling25({ firstFrame: image(), aspectRatio: '1:1' }), 'aspect-ratio-unsupported');
    expect(error.details).toMatchObject({ aspectRatio: '1:1', allowed: [], reason: 'follows-image' });
    invalid(
      kling25({ firstFrame: image(), lastFrame: image(), aspectRatio: '16:9' }),
      'aspect-ratio-unsupported',
    );
  });

  it('sets no aspect ratio in kling-2.5 image modes', () => {
    expect(valid(kling25({ firstFrame: image() }))).not.toHaveProperty('aspectRatio');
  });

  it('takes an aspect ratio in o1 image modes', () => {
    expect(valid(o1({ firstFrame: image(), aspectRatio: '1:1' })).aspectRatio).toBe('1:1');
    expect(valid(o1({ firstFrame: image(), lastFrame: image() })).aspectRatio).toBe('16:9');
  });
});

describe('validate: quality', () => {
  it('takes std and pro on o1, std by default', () => {
    expect(valid(o1({ quality: 'std' })).quality).toBe('std');
    expect(valid(o1({ quality: 'pro' })).quality).toBe('pro');
    expect(valid(o1()).quality).toBe('std');
  });

  it('refuses std on kling-2.5-turbo-pro', () => {
    const error = invalid(kling25({ quality: 'std' }), 'quality-unsupported');
    expect(error.details).toEqual({
      model: 'kling-2.5-turbo-pro',
      quality: 'std',
      allowed: ['pro'],
      // Not kling-2.6-std: it does motion control only, which no /video request can use.
      models: ['kling-o1', 'kling-o3-std', 'kling-3.0-std', 'kling-2.5-turbo-std'],
    });
    expect(valid(kling25()).quality).toBe('pro');
  });

  it('refuses a quality that no model has', () => {
    invalid(o1({ quality: 'ultra' }), 'quality-unsupported');
  });
});

describe('validate: cfg scale', () => {
  it('fills in the default and keeps a value on the grid', () => {
    expect(valid(kling25()).cfgScale).toBe(0.5);
    expect(valid(kling25({ cfgScale: 0 })).cfgScale).toBe(0);
    expect(valid(kling25({ cfgScale: 0.3 })).cfgScale).toBe(0.3);
    expect(valid(kling25({ cfgScale: 0.7 })).cfgScale).toBe(0.7);
    expect(valid(kling25({ cfgScale: 1 })).cfgScale).toBe(1);
  });

  it('refuses a value out of range', () => {
    const error = invalid(kling25({ cfgScale: 1.5 }), 'cfg-scale-out-of-range');
    expect(error.details).toEqual({ min: 0, max: 1, step: 0.1 });
    invalid(kling25({ cfgScale: -0.1 }), 'cfg-scale-out-of-range');
    invalid(kling25({ cfgScale: Number.NaN }), 'cfg-scale-out-of-range');
    invalid(kling25({ cfgScale: Number.POSITIVE_INFINITY }), 'cfg-scale-out-of-range');
  });

  it('refuses a value off the step', () => {
    invalid(kling25({ cfgScale: 0.55 }), 'cfg-scale-out-of-range');
  });

  it('refuses a cfg scale on a model without one', () => {
    expect(invalid(o1({ cfgScale: 0.5 }), 'cfg-scale-unsupported').details).toEqual({
      model: 'kling-o1',
      models: [
        'kling-2.5-turbo-pro',
        'kling-3.0-pro',
        'kling-3.0-std',
        'kling-2.5-turbo-std',
        'kling-2.1-master',
        'kling-2.1-pro',
      ],
    });
    expect(valid(o1())).not.toHaveProperty('cfgScale');
  });
});

describe('validate: sound', () => {
  it('refuses sound on models without it', () => {
    expect(invalid(kling25({ sound: true }), 'sound-unsupported').details).toEqual({
      model: 'kling-2.5-turbo-pro',
      models: ['kling-o3-pro', 'kling-o3-std', 'kling-3.0-pro', 'kling-3.0-std', 'kling-2.6-pro'],
    });
    invalid(o1({ sound: true }), 'sound-unsupported');
  });

  it('lets an explicit "no sound" pass on models without it', () => {
    expect(valid(o1({ sound: false }))).not.toHaveProperty('sound');
  });

  it('defaults sound to off on o3 and keeps it when asked', () => {
    expect(valid(o3()).sound).toBe(false);
    expect(valid(o3({ sound: true })).sound).toBe(true);
  });
});

describe('validate: references', () => {
  it('takes 7 references and refuses 8', () => {
    expect(valid(o3({ references: refs(7) })).images.references).toHaveLength(7);
    const error = invalid(o3({ references: refs(8) }), 'too-many-references');
    expect(error.details).toEqual({ count: 8, max: 7 });
  });
});

describe('validate: image metadata', () => {
  it('refuses a PDF by its content type', () => {
    const pdf = image('doc.pdf', { contentType: 'application/pdf' });
    const error = invalid(kling25({ firstFrame: pdf }), 'image-type-unsupported');
    expect(error.details).toEqual({
      input: 'first-frame',
      type: 'application/pdf',
      allowed: ['image/jpeg', 'image/png'],
    });
  });

  it('refuses a PDF known only by its file name', () => {
    const pdf: MediaRef = { source: { kind: 'url', id: 'https://cdn.example/x.pdf' }, filename: 'x.pdf' };
    expect(invalid(o1({ firstFrame: pdf }), 'image-type-unsupported').details).toMatchObject({
      type: 'application/pdf',
    });
  });

  it('refuses a webp', () => {
    const webp = image('photo.webp', { contentType: 'image/webp' });
    expect(
      invalid(o1({ firstFrame: image(), lastFrame: webp }), 'image-type-unsupported').details,
    ).toMatchObject({
      input: 'last-frame',
      type: 'image/webp',
    });
  });

  it('names the reference image at fault', () => {
    const references = [...refs(2), image('x.webp', { contentType: 'image/webp' })];
    expect(invalid(o3({ references }), 'image-type-unsupported').details).toMatchObject({
      input: 'reference-3',
    });
  });

  it('refuses a 40 MB photo', () => {
    const big = image('big.jpg', { contentType: 'image/jpeg', size: 40 * MIB });
    expect(invalid(kling25({ firstFrame: big }), 'image-too-large').details).toEqual({
      input: 'first-frame',
      size: 40 * MIB,
      max: 20 * MIB,
    });
  });

  it('refuses a 200×200 image', () => {
    const small = image('small.png', { width: 200, height: 200 });
    expect(invalid(o1({ firstFrame: small }), 'image-too-small').details).toEqual({
      input: 'first-frame',
      min: 300,
    });
  });

  it('refuses 4000 px on kling-2.5 (Runware takes up to 2048)', () => {
    const huge = image('huge.jpg', { contentType: 'image/jpeg', width: 4000, height: 3000 });
    expect(invalid(kling25({ firstFrame: huge }), 'image-dimensions-too-large').details).toEqual({
      input: 'first-frame',
      max: 2048,
    });
    expect(valid(o1({ firstFrame: huge })).mode).toBe('first-frame');
  });

  it('checks a reference video against the video limits', () => {
    const notMp4 = image('clip.mov', { contentType: 'video/quicktime' });
    invalid(o3({ referenceVideo: notMp4 }), 'image-type-unsupported');
    const big = image('clip.mp4', { contentType: 'video/mp4', size: 60 * MIB });
    expect(invalid(o3({ referenceVideo: big }), 'image-too-large').details).toMatchObject({
      input: 'reference-video',
      max: 50 * MIB,
    });
  });

  it('passes an image the platform says nothing about (checked again on download)', () => {
    const bare: MediaRef = { source: { kind: 'telegram', id: 'AgACAgIAAxkBAAI' } };
    expect(valid(kling25({ firstFrame: bare })).images.first).toEqual(bare);
  });
});

describe('claimedType', () => {
  const source = { kind: 'url', id: 'https://cdn.example/x' } as const;

  it('prefers the declared content type, without parameters, in lower case', () => {
    expect(claimedType({ source, contentType: 'Image/PNG; charset=binary', filename: 'x.pdf' })).toBe(
      'image/png',
    );
    expect(claimedType({ source, contentType: 'image/jpg' })).toBe('image/jpeg');
  });

  it('falls back to the file name extension', () => {
    expect(claimedType({ source, filename: 'Photo.JPG' })).toBe('image/jpeg');
    expect(claimedType({ source, filename: 'noextension' })).toBeUndefined();
    expect(claimedType({ source, filename: 'x.tiff' })).toBeUndefined();
  });

  it('knows only its own extensions, not what an object inherits', () => {
    expect(claimedType({ source, filename: 'x.constructor' })).toBeUndefined();
    expect(claimedType({ source, filename: 'x.__proto__' })).toBeUndefined();
  });

  it('leaves an unknown type to the check of the real bytes', () => {
    const limits = { types: ['image/png'], maxBytes: MIB, minSide: 1 };
    expect(checkImageMetadata({ source, filename: 'x.constructor' }, limits, 'first_frame')).toBeUndefined();
  });
});

describe('validate: credits', () => {
  it('prices kling-2.5-turbo-pro per clip', () => {
    expect(valid(kling25({ duration: 5 })).credits).toBe(175);
    expect(valid(kling25({ duration: 10 })).credits).toBe(350);
  });

  it('prices kling-o1 by quality and duration', () => {
    expect(valid(o1({ quality: 'std', duration: 5 })).credits).toBe(210);
    expect(valid(o1({ quality: 'std', duration: 10 })).credits).toBe(420);
    expect(valid(o1({ quality: 'pro', duration: 5 })).credits).toBe(280);
    expect(valid(o1({ quality: 'pro', duration: 10 })).credits).toBe(560);
  });

  it('prices kling-o3-pro per second, more with sound', () => {
    expect(valid(o3({ duration: 5 })).credits).toBe(360);
    expect(valid(o3({ duration: 5, sound: true })).credits).toBe(450);
    expect(valid(o3({ duration: 15, sound: true })).credits).toBe(1350);
  });
});

describe('validate: result', () => {
  it('returns a request with every default filled in', () => {
    expect(valid(kling25())).toEqual({
      model: 'kling-2.5-turbo-pro',
      mode: 'text',
      prompt: PROMPT,
      duration: 5,
      aspectRatio: '16:9',
      quality: 'pro',
      cfgScale: 0.5,
      images: {},
      credits: 175,
    });
  });
});

describe('validate: resolution, seed, and prices by resolution and sound', () => {
  const base = CATALOG.find((m) => m.id === 'kling-2.5-turbo-pro')!;
  /** A model of another family: three resolutions, seeds, sound, and a price for each. */
  const wide: ModelSpec = {
    ...base,
    id: 'wide',
    resolutions: { options: ['540p', '720p', '1080p'], default: '720p' },
    seed: { min: 0, max: 2_147_483_647 },
    sound: { default: false },
    price: {
      kind: 'per-clip',
      table: [
        { duration: 5, credits: 100 },
        { duration: 5, resolution: '1080p', credits: 200 },
        { duration: 5, resolution: '1080p', sound: true, credits: 260 },
        { duration: 5, sound: true, credits: 130 },
        { duration: 10, credits: 200 },
        { duration: 10, resolution: '1080p', credits: 400 },
      ],
    },
  };
  const catalog = [...CATALOG, wide];
  const check = (extra: Partial<GenerationRequest>) =>
    validateIn({ model: 'wide', prompt: PROMPT, ...extra }, catalog);
  const ok = (extra: Partial<GenerationRequest>): ValidRequest => {
    const result = check(extra);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value;
  };

  it("fills in the model's default resolution, which some endpoints require, and keeps a chosen one", () => {
    expect(ok({}).resolution).toBe('720p');
    expect(ok({ resolution: '1080P' }).resolution).toBe('1080p');
    expect(valid(kling25())).not.toHaveProperty('resolution');
  });

  it('refuses a resolution the model lacks, naming those it has and the models that make it', () => {
    const result = check({ resolution: '4k' });
    expect(result.ok || result.error).toEqual({
      id: 'resolution-unsupported',
      details: { model: 'wide', resolution: '4k', allowed: ['540p', '720p', '1080p'], models: [] },
    });
    // A model with one resolution refuses any, and points to the one that offers it.
    const single = validateIn(kling25({ resolution: '1080p' }), catalog);
    expect(single.ok || single.error).toEqual({
      id: 'resolution-unsupported',
      details: { model: 'kling-2.5-turbo-pro', resolution: '1080p', allowed: [], models: ['wide'] },
    });
  });

  it('keeps a seed within range and refuses one outside it or not whole', () => {
    expect(ok({ seed: 0 }).seed).toBe(0);
    expect(ok({ seed: 2_147_483_647 }).seed).toBe(2_147_483_647);
    expect(ok({})).not.toHaveProperty('seed');
    for (const seed of [-1, 2_147_483_648, 1.5, Number.NaN]) {
      const result = check({ seed });
      expect(result.ok || result.error.id, String(seed)).toBe('seed-out-of-range');
    }
    const result = check({ seed: -1 });
    expect(result.ok || result.error.details).toEqual({ seed: -1, min: 0, max: 2_147_483_647 });
  });

  it('refuses a seed on a model without one, naming the models that take it', () => {
    const result = validateIn(o1({ seed: 7 }), catalog);
    expect(result.ok || result.error).toEqual({
      id: 'seed-unsupported',
      details: { model: 'kling-o1', models: ['kling-2.1-master', 'kling-2.1-pro', 'wide'] },
    });
    expect(valid({ model: 'kling-2.1-master', prompt: PROMPT, seed: 42 }).seed).toBe(42);
  });

  it('prices by resolution and sound: the row naming the most of them wins', () => {
    expect(ok({}).credits).toBe(100);
    expect(ok({ sound: true }).credits).toBe(130);
    expect(ok({ resolution: '1080p' }).credits).toBe(200);
    expect(ok({ resolution: '1080p', sound: true }).credits).toBe(260);
    expect(ok({ resolution: '540p', duration: 10 }).credits).toBe(200);
    expect(ok({ resolution: '1080p', duration: 10 }).credits).toBe(400);
    expect(creditsFor(wide, 5, 'pro', false)).toBe(100);
    expect(() =>
      creditsFor({ ...wide, price: { kind: 'per-clip', table: [] } }, 5, 'pro', true, '540p'),
    ).toThrow(/no price for wide pro 540p with sound 5s/);
  });

  it('charges kling-2.6-pro twice as much with sound, its default', () => {
    const model = 'kling-2.6-pro';
    expect(valid({ model, prompt: PROMPT }).credits).toBe(350);
    expect(valid({ model, prompt: PROMPT, sound: false }).credits).toBe(175);
    expect(valid({ model, prompt: PROMPT, sound: false, duration: 10 }).credits).toBe(350);
  });

  it('carries resolution and seed into Again', () => {
    const again = requestFromValid(ok({ resolution: '540p', seed: 9 }));
    expect(again).toMatchObject({ resolution: '540p', seed: 9 });
    expect(ok(again)).toMatchObject({ resolution: '540p', seed: 9 });
  });
});
