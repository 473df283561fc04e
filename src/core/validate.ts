import { CATALOG, creditsFor, findModel, type ImageLimits, type ModelSpec } from './catalog.js';
import { err, ok, type Result, type UserError, userError } from './errors.js';
import type { GenerationMode, GenerationRequest, ImageRef, Quality, ValidRequest } from './request.js';

const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  heic: 'image/heic',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
};

/** The media type an image claims: its declared content type, else its file name's extension. */
export function claimedType(ref: ImageRef): string | undefined {
  const declared = ref.contentType?.split(';')[0]?.trim().toLowerCase();
  if (declared) return declared === 'image/jpg' ? 'image/jpeg' : declared;
  const ext = ref.filename?.split('.').pop()?.toLowerCase();
  // Own keys only: a name like `x.constructor` must not claim `Object` as its type.
  return ext !== undefined && Object.hasOwn(EXTENSION_TYPES, ext) ? EXTENSION_TYPES[ext] : undefined;
}

/** Cheap checks of one image against what the platform says of it; no I/O. */
export function checkImageMetadata(ref: ImageRef, limits: ImageLimits, which: string): UserError | undefined {
  const type = claimedType(ref);
  if (type !== undefined && !limits.types.includes(type)) {
    return userError('image-type-unsupported', { which, type, allowed: limits.types });
  }
  if (ref.size !== undefined && ref.size > limits.maxBytes) {
    return userError('image-too-large', { which, size: ref.size, max: limits.maxBytes });
  }
  const sides = [ref.width, ref.height].filter((n): n is number => n !== undefined);
  if (sides.some((s) => s < limits.minSide)) {
    return userError('image-too-small', { which, min: limits.minSide });
  }
  if (limits.maxSide !== undefined && sides.some((s) => s > (limits.maxSide as number))) {
    return userError('image-dimensions-too-large', { which, max: limits.maxSide });
  }
  return undefined;
}

/**
 * Length as the providers count it: UTF-16 code units (JavaScript's and Java's `length`), so an emoji
 * is two. Counting code points would let an emoji-heavy prompt pass here and be refused — after
 * the quota was charged — by the provider.
 */
const charCount = (s: string): number => s.length;

function modeOf(req: GenerationRequest): Result<GenerationMode> {
  const refs = req.references ?? [];
  if (refs.length > 0 || req.referenceVideo) {
    if (req.firstFrame || req.lastFrame) return err(userError('frames-and-references'));
    return ok('reference');
  }
  if (req.lastFrame && !req.firstFrame) return err(userError('last-frame-without-first'));
  if (req.firstFrame && req.lastFrame) return ok('first-last');
  if (req.firstFrame) return ok('first-frame');
  return ok('text');
}

const isMultipleOf = (value: number, step: number, from: number): boolean => {
  const n = (value - from) / step;
  return Math.abs(n - Math.round(n)) < 1e-9;
};

/**
 * Checks a request against the model catalog and fills in the model's defaults. Pure and fast (no
 * I/O), so adapters can answer bad input at once. Returns the valid request or a user-facing error id
 * with the facts its message needs.
 */
export function validate(
  req: GenerationRequest,
  catalog: readonly ModelSpec[] = CATALOG,
): Result<ValidRequest> {
  const model = findModel(req.model, catalog);
  if (!model) return err(userError('unknown-model', { model: req.model, allowed: catalog.map((m) => m.id) }));

  const mode = modeOf(req);
  if (!mode.ok) return mode;
  if (!model.modes.includes(mode.value)) {
    return err(userError('mode-unsupported', { model: model.id, mode: mode.value, allowed: model.modes }));
  }

  const prompt = (req.prompt ?? '').trim();
  if (prompt.length === 0) return err(userError('prompt-missing'));
  if (charCount(prompt) < model.prompt.minLength) {
    return err(userError('prompt-too-short', { min: model.prompt.minLength }));
  }
  if (charCount(prompt) > model.prompt.maxLength) {
    return err(userError('prompt-too-long', { length: charCount(prompt), max: model.prompt.maxLength }));
  }

  const negativePrompt = req.negativePrompt?.trim() || undefined;
  if (negativePrompt !== undefined) {
    const rule = model.negativePrompt;
    if (!rule) return err(userError('negative-prompt-unsupported', { model: model.id }));
    if (charCount(negativePrompt) < rule.minLength || charCount(negativePrompt) > rule.maxLength) {
      return err(
        userError('negative-prompt-too-long', {
          length: charCount(negativePrompt),
          min: rule.minLength,
          max: rule.maxLength,
        }),
      );
    }
  }

  const duration = req.duration ?? model.defaultDuration;
  if (!model.durations.includes(duration)) {
    return err(userError('duration-unsupported', { model: model.id, duration, allowed: model.durations }));
  }

  let aspectRatio: string | undefined;
  if (model.aspectRatioModes.includes(mode.value)) {
    aspectRatio = req.aspectRatio ?? model.defaultAspectRatio;
    if (!model.aspectRatios.includes(aspectRatio)) {
      return err(
        userError('aspect-ratio-unsupported', {
          model: model.id,
          aspectRatio,
          allowed: model.aspectRatios,
        }),
      );
    }
  } else if (req.aspectRatio !== undefined) {
    return err(
      userError('aspect-ratio-unsupported', {
        model: model.id,
        aspectRatio: req.aspectRatio,
        allowed: [],
        reason: 'follows-image',
      }),
    );
  }

  const quality = (req.quality ?? model.defaultQuality) as Quality;
  if (!(model.qualities as string[]).includes(quality)) {
    return err(userError('quality-unsupported', { model: model.id, quality, allowed: model.qualities }));
  }

  let cfgScale: number | undefined;
  if (model.cfgScale) {
    const c = model.cfgScale;
    cfgScale = req.cfgScale ?? c.default;
    if (
      !Number.isFinite(cfgScale) ||
      cfgScale < c.min ||
      cfgScale > c.max ||
      !isMultipleOf(cfgScale, c.step, c.min)
    ) {
      return err(userError('cfg-scale-out-of-range', { min: c.min, max: c.max, step: c.step }));
    }
  } else if (req.cfgScale !== undefined) {
    return err(userError('cfg-scale-unsupported', { model: model.id }));
  }

  let sound: boolean | undefined;
  if (model.sound) sound = req.sound ?? model.sound.default;
  else if (req.sound === true) return err(userError('sound-unsupported', { model: model.id }));

  const references = req.references ?? [];
  if (mode.value === 'reference' && references.length > model.maxReferenceImages) {
    return err(userError('too-many-references', { count: references.length, max: model.maxReferenceImages }));
  }
  if (mode.value === 'reference' && references.length === 0) {
    return err(userError('mode-unsupported', { model: model.id, mode: 'reference', allowed: model.modes }));
  }
  const named: [string, ImageRef | undefined][] = [
    ['first_frame', req.firstFrame],
    ['last_frame', req.lastFrame],
    ...references.map((r, i): [string, ImageRef] => [`image${i + 1}`, r]),
  ];
  for (const [which, ref] of named) {
    if (!ref) continue;
    const problem = checkImageMetadata(ref, model.images, which);
    if (problem) return err(problem);
  }
  if (req.referenceVideo) {
    const rv = model.referenceVideo;
    if (!rv)
      return err(userError('mode-unsupported', { model: model.id, mode: 'reference-video', allowed: [] }));
    const problem = checkImageMetadata(
      req.referenceVideo,
      { types: rv.types, maxBytes: rv.maxBytes, minSide: 1 },
      'reference_video',
    );
    if (problem) return err(problem);
  }

  const valid: ValidRequest = {
    model: model.id,
    mode: mode.value,
    prompt,
    duration,
    quality,
    images: {},
    credits: creditsFor(model, duration, quality, sound ?? false),
  };
  if (negativePrompt !== undefined) valid.negativePrompt = negativePrompt;
  if (aspectRatio !== undefined) valid.aspectRatio = aspectRatio;
  if (cfgScale !== undefined) valid.cfgScale = cfgScale;
  if (sound !== undefined) valid.sound = sound;
  if (req.firstFrame) valid.images.first = req.firstFrame;
  if (req.lastFrame) valid.images.last = req.lastFrame;
  if (references.length > 0) valid.images.references = references;
  if (req.referenceVideo) valid.images.video = req.referenceVideo;
  return ok(valid);
}
