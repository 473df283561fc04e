import { z } from 'zod';

/**
 * How a clip is driven: by text alone, a first frame, first and last frames, reference images, or
 * motion control (a character image moved the way a driving video moves).
 */
export const GENERATION_MODES = ['text', 'first-frame', 'first-last', 'reference', 'motion'] as const;
export type GenerationMode = (typeof GENERATION_MODES)[number];

export const QUALITIES = ['std', 'pro'] as const;
export type Quality = (typeof QUALITIES)[number];

/**
 * Where an input's bytes can be fetched: a source kind and an id that only the source registered for
 * that kind reads (a URL, a chat platform's file id, a local path). Core knows no kind: the
 * composition root plugs in one `MediaSource` per kind (see `ports.ts`).
 */
export const mediaSourceSchema = z.object({ kind: z.string().min(1), id: z.string().min(1) });
export type MediaSourceRef = z.infer<typeof mediaSourceSchema>;

/**
 * An input (an image, or a reference video) as the chat platform describes it, before we download
 * it. The optional fields are the platform's own claims, checked cheaply at intake and again against
 * the real bytes in the worker.
 */
export const mediaRefSchema = z.object({
  source: mediaSourceSchema,
  filename: z.string().optional(),
  contentType: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type MediaRef = z.infer<typeof mediaRefSchema>;

/** The per-clip settings a person can choose, by their neutral names. */
export const SETTING_KEYS = [
  'model',
  'duration',
  'aspectRatio',
  'negativePrompt',
  'quality',
  'cfgScale',
  'sound',
  'resolution',
  'seed',
  'multiShot',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/**
 * A platform-neutral request for one clip, as an adapter parses it from a command. Everything but
 * `model` is optional: validation fills defaults from the catalog and rejects what the model lacks.
 */
export const generationRequestSchema = z.object({
  model: z.string(),
  /**
   * The mode the command asked for, where the inputs alone cannot tell: `motion` (a character image
   * and a driving video, which would otherwise read as reference inputs). Absent: from the inputs.
   */
  mode: z.literal('motion').optional(),
  prompt: z.string().optional(),
  negativePrompt: z.string().optional(),
  duration: z.number().optional(),
  aspectRatio: z.string().optional(),
  quality: z.string().optional(),
  cfgScale: z.number().optional(),
  sound: z.boolean().optional(),
  /** An output resolution among the model's (`720p`, `1080p`). */
  resolution: z.string().optional(),
  /** A seed, to make a clip again the same way. */
  seed: z.number().optional(),
  /** Let the model cut between several shots of its own choosing (Kling 3.0's `multiShot`). */
  multiShot: z.boolean().optional(),
  firstFrame: mediaRefSchema.optional(),
  lastFrame: mediaRefSchema.optional(),
  references: z.array(mediaRefSchema).optional(),
  /**
   * A reference video (MP4), for models that take one in `reference` mode; in `motion` mode, the
   * driving video (with `firstFrame` the character image).
   */
  referenceVideo: mediaRefSchema.optional(),
});
export type GenerationRequest = z.infer<typeof generationRequestSchema>;

/**
 * A request that passed `validate`: the mode is known, every default is filled in, and every value
 * is one the model accepts. This, not the raw request, travels in the job payload.
 */
export const validRequestSchema = z.object({
  model: z.string(),
  mode: z.enum(GENERATION_MODES),
  prompt: z.string(),
  negativePrompt: z.string().optional(),
  duration: z.number().int(),
  aspectRatio: z.string().optional(),
  quality: z.enum(QUALITIES).optional(),
  cfgScale: z.number().optional(),
  sound: z.boolean().optional(),
  resolution: z.string().optional(),
  seed: z.number().int().optional(),
  multiShot: z.boolean().optional(),
  images: z.object({
    first: mediaRefSchema.optional(),
    last: mediaRefSchema.optional(),
    references: z.array(mediaRefSchema).optional(),
    video: mediaRefSchema.optional(),
  }),
  credits: z.number().int().nonnegative(),
});
export type ValidRequest = z.infer<typeof validRequestSchema>;

/**
 * Who asked for a clip. `platform` is the adapter's own name (core knows none); `userKey` scopes
 * quotas: one person on one platform.
 */
export const requesterSchema = z.object({
  platform: z.string().min(1),
  userId: z.string().min(1),
  displayName: z.string().optional(),
});
export type Requester = z.infer<typeof requesterSchema>;

/** The quota key of a requester: the platform and its user id, so ids of two platforms never collide. */
export const userKey = (r: Requester): string => `${r.platform}:${r.userId}`;
