import type { GenerationMode, Quality } from './request.js';

/**
 * The shape of the model catalog: what each user-facing model can do, its limits, what a clip costs,
 * and the routes that reach it. The catalog itself is data (`src/catalog/`); a route's `params` are
 * the owning provider's own, which only that provider reads and validates.
 */

export const MIB = 1024 * 1024;

/**
 * One way to reach a model: a provider by its registered name, the modes this route serves, and the
 * provider's own parameters (endpoint paths, wire field names, model ids), opaque here.
 */
export interface Route {
  readonly provider: string;
  readonly modes: readonly GenerationMode[];
  readonly params: unknown;
}

export interface NumberRange {
  min: number;
  max: number;
  step: number;
  default: number;
}

export interface ImageLimits {
  /** MIME types accepted. */
  types: string[];
  maxBytes: number;
  /** Smallest allowed width and height in pixels. */
  minSide: number;
  /** Largest allowed width and height in pixels, where a route has one. */
  maxSide?: number;
}

export interface VideoLimits {
  types: string[];
  maxBytes: number;
  maxSeconds: number;
}

/**
 * One row of a per-clip price table. A row without `quality`, `resolution` or `sound` holds for any
 * value of it; where several rows hold, the one that names the most of them wins.
 */
export interface PriceRow {
  duration: number;
  quality?: Quality;
  resolution?: string;
  sound?: boolean;
  credits: number;
}

/** Price of one clip in credits (1 credit = ¥0.01 at the list price of the first route's provider). */
export type CreditPrice =
  | { kind: 'per-clip'; table: PriceRow[] }
  | { kind: 'per-second'; credits: number; withSound: number };

/** The output resolutions a model offers (`720p`, `1080p`), and the one it makes when none is asked. */
export interface ResolutionChoice {
  options: string[];
  default: string;
}

/** The seeds a model takes: whole numbers from `min` to `max`. */
export interface SeedRange {
  min: number;
  max: number;
}

export interface ModelSpec {
  id: string;
  /** The family it belongs to (`kling`, …), one of the catalog's `FAMILIES`: `/models` groups by it. */
  family: string;
  /**
   * Other names a person may type for it (`kling3`, `veo`): the model option and the suggestions take
   * them like the id. A family's id given as an alias makes that model the family's own.
   */
  aliases?: string[];
  label: string;
  description: string;
  modes: GenerationMode[];
  durations: number[];
  defaultDuration: number;
  aspectRatios: string[];
  defaultAspectRatio: string;
  /** Modes in which the aspect ratio is chosen; in the others the clip follows the image. */
  aspectRatioModes: GenerationMode[];
  prompt: { minLength: number; maxLength: number };
  /** Absent: the model takes no negative prompt. */
  negativePrompt?: { minLength: number; maxLength: number };
  /** Absent: the model takes no CFG/guidance scale. */
  cfgScale?: NumberRange;
  qualities: Quality[];
  defaultQuality: Quality;
  /** Whether the model can generate sound, and the default. */
  sound?: { default: boolean };
  /**
   * Whether the model can cut between several shots it chooses itself from the one prompt (off by
   * default: one continuous shot). Not in motion mode.
   */
  multiShot?: true;
  /** Absent: the model has one resolution, which nobody chooses. */
  resolutions?: ResolutionChoice;
  /** Absent: the model takes no seed (on some route of it). */
  seed?: SeedRange;
  /** Most reference images in `reference` mode. */
  maxReferenceImages: number;
  /** Optional reference video in `reference` mode. */
  referenceVideo?: VideoLimits;
  /**
   * Motion control (`motion` mode): the character image's limits and the driving video's. The clip
   * is as long as the driving video, which the request cannot know before it is downloaded: it is
   * charged as a clip of `video.maxSeconds`. `negativePrompt`: whether its endpoints take the
   * model's negative prompt.
   */
  motion?: { image: ImageLimits; video: VideoLimits; negativePrompt?: boolean };
  images: ImageLimits;
  price: CreditPrice;
  /** Tried in this order among the providers that have a key. */
  routes: Route[];
}

/** Looks a model up by its user-facing id. */
export const findModel = (id: string, catalog: readonly ModelSpec[]): ModelSpec | undefined =>
  catalog.find((m) => m.id === id);

/**
 * Credits one clip of this model costs with these settings; `resolution` defaults to the model's.
 * In a per-clip table the row naming the most of quality, resolution and sound wins.
 */
export function creditsFor(
  model: ModelSpec,
  duration: number,
  quality: Quality,
  sound: boolean,
  resolution: string | undefined = model.resolutions?.default,
): number {
  const price = model.price;
  if (price.kind === 'per-second') return duration * (sound ? price.withSound : price.credits);
  const holds = (r: PriceRow): boolean =>
    r.duration === duration &&
    (r.quality === undefined || r.quality === quality) &&
    (r.resolution === undefined || r.resolution === resolution) &&
    (r.sound === undefined || r.sound === sound);
  const named = (r: PriceRow): number =>
    [r.quality, r.resolution, r.sound].filter((v) => v !== undefined).length;
  const row = price.table.filter(holds).sort((a, b) => named(b) - named(a))[0];
  if (!row) {
    const facts = [quality, resolution, sound ? 'with sound' : undefined, `${duration}s`].filter(Boolean);
    throw new Error(`catalog: no price for ${model.id} ${facts.join(' ')}`);
  }
  return row.credits;
}

/** The routes that can serve `mode`, in catalog order, among providers that are configured. */
export function candidateRoutes(
  model: ModelSpec,
  mode: GenerationMode,
  configured: ReadonlySet<string>,
): Route[] {
  return model.routes.filter((r) => configured.has(r.provider) && r.modes.includes(mode));
}

/** A per-model setting a person may choose, and whether a model takes it. */
export const TAKES: Record<
  | 'negativePrompt'
  | 'cfgScale'
  | 'sound'
  | 'quality'
  | 'referenceVideo'
  | 'resolution'
  | 'seed'
  | 'multiShot',
  (m: ModelSpec) => boolean
> = {
  negativePrompt: (m) => m.negativePrompt !== undefined,
  cfgScale: (m) => m.cfgScale !== undefined,
  sound: (m) => m.sound !== undefined,
  quality: (m) => m.qualities.length > 1,
  referenceVideo: (m) => m.referenceVideo !== undefined,
  resolution: (m) => (m.resolutions?.options.length ?? 0) > 1,
  seed: (m) => m.seed !== undefined,
  multiShot: (m) => m.multiShot === true,
};
