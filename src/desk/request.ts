import { type RetiredModel, retiredError } from '../catalog/retired.js';
import { findModel, type ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, userError } from '../core/errors.js';
import type { DeliveryTarget } from '../core/ports.js';
import type { GenerationMode, GenerationRequest, MediaRef, Requester } from '../core/request.js';
import { validate } from '../core/validate.js';
import { commandInputs, defaultModelFor, type GenerateCommandName } from './commands.js';
import { resolveModel } from './models.js';
import type { Place } from './place.js';

/** The settings a person gave, by neutral key (what each platform parsed from its own syntax). */
export interface Settings {
  model?: string;
  duration?: number;
  aspectRatio?: string;
  negativePrompt?: string;
  quality?: string;
  cfgScale?: number;
  sound?: boolean;
  resolution?: string;
  seed?: number;
  multiShot?: boolean;
}

/** An attachment as the platform hands it over, before we download it. */
export interface Attachment {
  ref: MediaRef;
  kind: 'image' | 'video';
  /**
   * Where the person put it, on platforms that name the places (Discord's `first_frame`,
   * `image3`); absent where inputs come in order (Telegram's photos and albums).
   */
  slot?: 'first' | 'last' | 'reference' | 'video';
  /** The platform's own download limit for bots, when it is lower than the models'. */
  maxBytes?: number;
}

/** A request to make a clip, in the desk's words: what each platform's event is turned into. */
export interface GenerateCommand {
  command: GenerateCommandName;
  requester: Requester;
  /** Where it was asked: the community's settings and budget apply. */
  place: Place;
  /** The requester's roles there (Discord role ids), for credit tiers. */
  roles?: readonly string[];
  /** Where the outcome goes: the platform's own data, opaque to the desk. */
  target: DeliveryTarget;
  prompt: string;
  settings: Settings;
  attachments: readonly Attachment[];
}

/** The neutral input name of the `n`th reference image (from 1). */
const referenceInput = (n: number) => `reference-${n}`;

/**
 * The command as a platform-neutral request: attachments put in their places (by the slot the
 * platform names, else by order: one image animates, two are the first and last frame; a
 * `/reference` takes every image and the first video; a `/motion` one image and one video), the command's default model when none is
 * named. Refuses what no model could take from this command (a third frame) and what the platform
 * will not let a bot download. Pure.
 */
export function requestOf(cmd: GenerateCommand, catalog: readonly ModelSpec[]): Result<GenerationRequest> {
  // A short name (`kling3`, a family, a unique prefix) stands for its model; an unknown one is left
  // as typed, for the validation's "no model called …".
  const typed = cmd.settings.model;
  const named = typed === undefined ? undefined : resolveModel(typed, catalog);
  if (typed !== undefined && named?.kind === 'ambiguous') {
    return err(userError('model-ambiguous', { model: typed, models: named.models.map((m) => m.id) }));
  }
  const chosen = named?.kind === 'found' ? named.model.id : typed;
  const images = cmd.attachments.filter((a) => a.kind === 'image');
  const videos = cmd.attachments.filter((a) => a.kind === 'video');
  const request: GenerationRequest = { model: '', prompt: cmd.prompt };
  const placed: [string, Attachment][] = [];
  let mode: GenerationMode;
  if (cmd.command === 'video') {
    const first = images.find((a) => a.slot === 'first') ?? images.find((a) => a.slot === undefined);
    const last =
      images.find((a) => a.slot === 'last') ?? images.filter((a) => a.slot === undefined && a !== first)[0];
    if (images.length > 2) {
      const max = commandInputs('reference', catalog).references;
      return err(userError('too-many-frames', { count: images.length, ...(max > 0 ? { max } : {}) }));
    }
    if (first) placed.push(['first-frame', first]);
    if (last) placed.push(['last-frame', last]);
    if (first) request.firstFrame = first.ref;
    if (last) request.lastFrame = last.ref;
    mode = last ? 'first-last' : first ? 'first-frame' : 'text';
  } else if (cmd.command === 'motion') {
    // One character image and one driving video: anything else is answered before any download.
    const character = images[0];
    if (!character || images.length > 1 || videos.length !== 1) {
      return err(userError('motion-inputs', { images: images.length, videos: videos.length }));
    }
    placed.push(['character-image', character]);
    request.firstFrame = character.ref;
    request.mode = 'motion';
    mode = 'motion';
  } else {
    images.forEach((a, i) => {
      placed.push([referenceInput(i + 1), a]);
    });
    if (images.length > 0) request.references = images.map((a) => a.ref);
    mode = 'reference';
    const model = findModel(chosen ?? defaultModelFor(mode, catalog), catalog);
    if (images.length === 0 && videos.length === 0 && model) {
      // Without inputs the request would read as text, which a model doing both would take.
      return err(userError('mode-unsupported', { model: model.id, mode, allowed: model.modes }));
    }
  }
  const video = videos[0];
  if (video) {
    placed.push([mode === 'motion' ? 'driving-video' : 'reference-video', video]);
    request.referenceVideo = video.ref;
  }
  const tooBig = placed.find(([, a]) => a.maxBytes !== undefined && (a.ref.size ?? 0) > a.maxBytes);
  if (tooBig) {
    const [input, a] = tooBig;
    return err(
      userError('image-too-large', {
        input,
        size: a.ref.size ?? 0,
        max: a.maxBytes ?? 0,
        reason: 'platform',
      }),
    );
  }
  request.model = chosen ?? defaultModelFor(mode, catalog);
  const s = cmd.settings;
  if (s.duration !== undefined) request.duration = s.duration;
  if (s.aspectRatio !== undefined) request.aspectRatio = s.aspectRatio;
  if (s.negativePrompt !== undefined) request.negativePrompt = s.negativePrompt;
  if (s.quality !== undefined) request.quality = s.quality;
  if (s.cfgScale !== undefined) request.cfgScale = s.cfgScale;
  if (s.sound !== undefined) request.sound = s.sound;
  if (s.resolution !== undefined) request.resolution = s.resolution;
  if (s.seed !== undefined) request.seed = s.seed;
  if (s.multiShot !== undefined) request.multiShot = s.multiShot;
  return ok(request);
}

/**
 * The command checked against the catalog: the valid request, or the reason, with no I/O. A model
 * taken out of the catalog (`retired`) is answered with what replaced it.
 */
export function checkCommand(
  cmd: GenerateCommand,
  catalog: readonly ModelSpec[],
  retired: readonly RetiredModel[] = [],
) {
  const gone = retiredError(cmd.settings.model, catalog, retired);
  if (gone) return err(gone);
  const request = requestOf(cmd, catalog);
  if (!request.ok) return request;
  return validate(request.value, catalog);
}
