import { creditsFor, findModel, type ImageLimits, type ModelSpec, TAKES } from './catalog.js';
import { err, ok, type Result, type UserError, userError } from './errors.js';
import type { GenerationMode, GenerationRequest, MediaRef, Quality, ValidRequest } from './request.js';

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

/** The media type an input claims: its declared content type, else its file name's extension. */
export function claimedType(ref: MediaRef): string | undefined {
  const declared = ref.contentType?.split(';')[0]?.trim().toLowerCase();
  if (declared) return declared === 'image/jpg' ? 'image/jpeg' : declared;
  const ext = ref.filename?.split('.').pop()?.toLowerCase();
  // Own keys only: a name like `x.constructor` must not claim `Object` as its type.
  return ext !== undefined && Object.hasOwn(EXTENSION_TYPES, ext) ? EXTENSION_TYPES[ext] : undefined;
}

/**
 * Cheap checks of one input against what the platform says of it; no I/O. `input` is the input's
 * neutral name (`first-frame`, `reference-3`…), which each platform words its own way.
 */
export function checkImageMetadata(ref: MediaRef, limits: ImageLimits, input: string): UserError | undefined {
  const type = claimedType(ref);
  if (type !== undefined && !limits.types.includes(type)) {
    return userError('image-type-unsupported', { input, type, allowed: limits.types });
  }
  if (ref.size !== undefined && ref.size > limits.maxBytes) {
    return userError('image-too-large', { input, size: ref.size, max: limits.maxBytes });
  }
  const sides = [ref.width, ref.height].filter((n): n is number => n !== undefined);
  if (sides.some((s) => s < limits.minSide)) {
    return userError('image-too-small', { input, min: limits.minSide });
  }
  if (limits.maxSide !== undefined && sides.some((s) => s > (limits.maxSide as number))) {
    return userError('image-dimensions-too-large', { input, max: limits.maxSide });
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
  if (req.mode === 'motion') {
    // One character image and one driving video, nothing else.
    const images = (req.firstFrame ? 1 : 0) + (req.lastFrame ? 1 : 0) + refs.length;
    const videos = req.referenceVideo ? 1 : 0;
    return images === 1 && req.firstFrame && videos === 1
      ? ok('motion')
      : err(userError('motion-inputs', { images, videos }));
  }
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
 * I/O), so adapters can answer bad input at once. Returns the valid request or a user-facing error
 * id with the facts its message needs; a refusal of something some other model does names those
 * models (`models`), so the reply can say where to go.
 */
export function validate(req: GenerationRequest, catalog: readonly ModelSpec[]): Result<ValidRequest> {
  const model = findModel(req.model, catalog);
  if (!model) return err(userError('unknown-model', { model: req.model, allowed: catalog.map((m) => m.id) }));
  const mode = modeOf(req);
  // Motion control is a command of its own: a model doing only it is no choice for other requests,
  // nor one without it for a motion request.
  const motionRequest = mode.ok && mode.value === 'motion';
  const sameCommand = (m: ModelSpec): boolean =>
    motionRequest ? m.modes.includes('motion') : m.modes.some((x) => x !== 'motion');
  /** The other models for which `test` holds. */
  const others = (test: (m: ModelSpec) => boolean): string[] =>
    catalog.filter((m) => m.id !== model.id && sameCommand(m) && test(m)).map((m) => m.id);
  const refuse = (id: Parameters<typeof userError>[0], details: NonNullable<UserError['details']>) =>
    err(userError(id, details));

  if (!mode.ok && mode.error.id === 'last-frame-without-first' && !model.modes.includes('first-last')) {
    // A last frame alone on a model that cannot end on a frame: say so, not "add a first frame".
    return refuse('mode-unsupported', {
      model: model.id,
      mode: 'first-last',
      allowed: model.modes,
      models: others((m) => m.modes.includes('first-last')),
    });
  }
  if (!mode.ok) return mode;
  const motion = mode.value === 'motion' ? model.motion : undefined;
  if (req.referenceVideo && !model.referenceVideo && mode.value !== 'motion') {
    return refuse('mode-unsupported', {
      model: model.id,
      mode: 'reference-video',
      allowed: [],
      models: others(TAKES.referenceVideo),
    });
  }
  if (!model.modes.includes(mode.value)) {
    const wanted = mode.value;
    return refuse('mode-unsupported', {
      model: model.id,
      mode: wanted,
      allowed: model.modes,
      models: others((m) => m.modes.includes(wanted)),
    });
  }

  const prompt = (req.prompt ?? '').trim();
  if (prompt.length === 0) return err(userError('prompt-missing'));
  if (charCount(prompt) < model.prompt.minLength) {
    return refuse('prompt-too-short', { min: model.prompt.minLength });
  }
  if (charCount(prompt) > model.prompt.maxLength) {
    return refuse('prompt-too-long', { length: charCount(prompt), max: model.prompt.maxLength });
  }

  const negativePrompt = req.negativePrompt?.trim() || undefined;
  if (negativePrompt !== undefined) {
    // Motion control takes a negative prompt only where its endpoints do.
    const rule = mode.value === 'motion' && !motion?.negativePrompt ? undefined : model.negativePrompt;
    if (!rule) {
      return refuse('negative-prompt-unsupported', {
        model: model.id,
        models: others(TAKES.negativePrompt),
      });
    }
    const length = charCount(negativePrompt);
    if (length < rule.minLength || length > rule.maxLength) {
      return refuse(length < rule.minLength ? 'negative-prompt-too-short' : 'negative-prompt-too-long', {
        length,
        min: rule.minLength,
        max: rule.maxLength,
      });
    }
  }

  // A motion clip is as long as its driving video: it counts as the longest one.
  const durations = motion ? [motion.video.maxSeconds] : model.durations;
  const duration = req.duration ?? (motion ? motion.video.maxSeconds : model.defaultDuration);
  if (!durations.includes(duration)) {
    return refuse('duration-unsupported', {
      model: model.id,
      duration,
      allowed: durations,
      models: motion ? [] : others((m) => m.durations.includes(duration)),
    });
  }

  let aspectRatio: string | undefined;
  if (model.aspectRatioModes.includes(mode.value)) {
    aspectRatio = req.aspectRatio ?? model.defaultAspectRatio;
    const ratio = aspectRatio;
    if (!model.aspectRatios.includes(ratio)) {
      return refuse('aspect-ratio-unsupported', {
        model: model.id,
        aspectRatio: ratio,
        allowed: model.aspectRatios,
        models: others((m) => m.aspectRatios.includes(ratio)),
      });
    }
  } else if (req.aspectRatio !== undefined) {
    const wanted = mode.value;
    return refuse('aspect-ratio-unsupported', {
      model: model.id,
      aspectRatio: req.aspectRatio,
      allowed: [],
      reason: 'follows-image',
      models: others((m) => m.aspectRatioModes.includes(wanted)),
    });
  }

  const quality = (req.quality ?? model.defaultQuality) as Quality;
  if (!(model.qualities as string[]).includes(quality)) {
    return refuse('quality-unsupported', {
      model: model.id,
      quality,
      allowed: model.qualities,
      models: others((m) => (m.qualities as string[]).includes(quality)),
    });
  }

  let cfgScale: number | undefined;
  if (model.cfgScale && !motion) {
    const c = model.cfgScale;
    cfgScale = req.cfgScale ?? c.default;
    if (
      !Number.isFinite(cfgScale) ||
      cfgScale < c.min ||
      cfgScale > c.max ||
      !isMultipleOf(cfgScale, c.step, c.min)
    ) {
      return refuse('cfg-scale-out-of-range', { min: c.min, max: c.max, step: c.step });
    }
  } else if (req.cfgScale !== undefined) {
    return refuse('cfg-scale-unsupported', { model: model.id, models: others(TAKES.cfgScale) });
  }

  // A motion clip keeps the driving video's own sound; none is generated.
  let sound: boolean | undefined;
  if (model.sound && !motion) sound = req.sound ?? model.sound.default;
  else if (req.sound === true) {
    return refuse('sound-unsupported', { model: model.id, models: others(TAKES.sound) });
  }

  let resolution: string | undefined;
  if (model.resolutions) {
    const { options } = model.resolutions;
    // Some endpoints require a resolution: the model's default is always sent.
    resolution = req.resolution?.trim().toLowerCase() ?? model.resolutions.default;
    const wanted = resolution;
    if (!options.includes(wanted)) {
      return refuse('resolution-unsupported', {
        model: model.id,
        resolution: wanted,
        allowed: options,
        models: others((m) => m.resolutions?.options.includes(wanted) ?? false),
      });
    }
  } else if (req.resolution !== undefined) {
    const wanted = req.resolution.trim().toLowerCase();
    return refuse('resolution-unsupported', {
      model: model.id,
      resolution: wanted,
      allowed: [],
      models: others((m) => TAKES.resolution(m) && (m.resolutions?.options.includes(wanted) ?? false)),
    });
  }

  let seed: number | undefined;
  if (req.seed !== undefined) {
    const range = model.seed;
    if (!range) return refuse('seed-unsupported', { model: model.id, models: others(TAKES.seed) });
    if (!Number.isSafeInteger(req.seed) || req.seed < range.min || req.seed > range.max) {
      return refuse('seed-out-of-range', { seed: req.seed, min: range.min, max: range.max });
    }
    seed = req.seed;
  }

  // Several shots: the model's choice from the one prompt, never in motion mode (the video leads).
  if (req.multiShot === true && (!model.multiShot || motion)) {
    return refuse(
      'multi-shot-unsupported',
      motion ? { model: model.id, motion: 'yes' } : { model: model.id, models: others(TAKES.multiShot) },
    );
  }

  const references = req.references ?? [];
  if (mode.value === 'reference' && references.length > model.maxReferenceImages) {
    return refuse('too-many-references', { count: references.length, max: model.maxReferenceImages });
  }
  if (mode.value === 'reference' && references.length === 0) {
    return refuse('mode-unsupported', { model: model.id, mode: 'reference', allowed: model.modes });
  }
  const named: [string, MediaRef | undefined][] = [
    [motion ? 'character-image' : 'first-frame', req.firstFrame],
    ['last-frame', req.lastFrame],
    ...references.map((r, i): [string, MediaRef] => [`reference-${i + 1}`, r]),
  ];
  for (const [input, ref] of named) {
    if (!ref) continue;
    const problem = checkImageMetadata(ref, motion?.image ?? model.images, input);
    if (problem) return err(problem);
  }
  const videoLimits = motion ? motion.video : model.referenceVideo;
  if (req.referenceVideo && videoLimits) {
    const problem = checkImageMetadata(
      req.referenceVideo,
      { types: videoLimits.types, maxBytes: videoLimits.maxBytes, minSide: 1 },
      motion ? 'driving-video' : 'reference-video',
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
    credits: creditsFor(model, duration, quality, sound ?? false, resolution),
  };
  if (negativePrompt !== undefined) valid.negativePrompt = negativePrompt;
  if (aspectRatio !== undefined) valid.aspectRatio = aspectRatio;
  if (cfgScale !== undefined) valid.cfgScale = cfgScale;
  if (sound !== undefined) valid.sound = sound;
  if (resolution !== undefined) valid.resolution = resolution;
  if (seed !== undefined) valid.seed = seed;
  if (req.multiShot === true) valid.multiShot = true;
  if (req.firstFrame) valid.images.first = req.firstFrame;
  if (req.lastFrame) valid.images.last = req.lastFrame;
  if (references.length > 0) valid.images.references = references;
  if (req.referenceVideo) valid.images.video = req.referenceVideo;
  return ok(valid);
}

/** A valid request as a new one (Again): the same model, prompt, settings and inputs. */
export function requestFromValid(valid: ValidRequest): GenerationRequest {
  const request: GenerationRequest = { model: valid.model, prompt: valid.prompt, duration: valid.duration };
  if (valid.mode === 'motion') request.mode = 'motion';
  if (valid.negativePrompt !== undefined) request.negativePrompt = valid.negativePrompt;
  if (valid.aspectRatio !== undefined) request.aspectRatio = valid.aspectRatio;
  if (valid.quality !== undefined) request.quality = valid.quality;
  if (valid.cfgScale !== undefined) request.cfgScale = valid.cfgScale;
  if (valid.sound !== undefined) request.sound = valid.sound;
  if (valid.resolution !== undefined) request.resolution = valid.resolution;
  if (valid.seed !== undefined) request.seed = valid.seed;
  if (valid.multiShot) request.multiShot = true;
  if (valid.images.first) request.firstFrame = valid.images.first;
  if (valid.images.last) request.lastFrame = valid.images.last;
  if (valid.images.references) request.references = valid.images.references;
  if (valid.images.video) request.referenceVideo = valid.images.video;
  return request;
}
