import { z } from 'zod';

/** How a clip is driven: by text alone, a first frame, first and last frames, or reference images. */
export const GENERATION_MODES = ['text', 'first-frame', 'first-last', 'reference'] as const;
export type GenerationMode = (typeof GENERATION_MODES)[number];

export const QUALITIES = ['std', 'pro'] as const;
export type Quality = (typeof QUALITIES)[number];

/**
 * Where an image's bytes can be fetched. `url`: a public or signed http(s) URL (Discord CDN, the
 * command line). `telegram`: a Telegram `file_id`, fetched by the bot's own process because the file
 * URL carries the bot token. `file`: a local path, registered only by the command-line tool.
 */
export const imageSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('url'), url: z.string().url() }),
  z.object({ kind: z.literal('telegram'), fileId: z.string().min(1) }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
]);
export type ImageSourceRef = z.infer<typeof imageSourceSchema>;

/**
 * An image as the chat platform describes it, before we download it. The optional fields are the
 * platform's own claims (Discord attachment metadata, Telegram photo size), checked cheaply at intake
 * and again against the real bytes in the worker.
 */
export const imageRefSchema = z.object({
  source: imageSourceSchema,
  filename: z.string().optional(),
  contentType: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type ImageRef = z.infer<typeof imageRefSchema>;

/**
 * A platform-neutral request for one clip, as an adapter parses it from a command. Everything but
 * `model` is optional: validation fills defaults from the catalog and rejects what the model lacks.
 */
export const generationRequestSchema = z.object({
  model: z.string(),
  prompt: z.string().optional(),
  negativePrompt: z.string().optional(),
  duration: z.number().optional(),
  aspectRatio: z.string().optional(),
  quality: z.string().optional(),
  cfgScale: z.number().optional(),
  sound: z.boolean().optional(),
  firstFrame: imageRefSchema.optional(),
  lastFrame: imageRefSchema.optional(),
  references: z.array(imageRefSchema).optional(),
  /** A reference video (MP4), for models that take one in `reference` mode. */
  referenceVideo: imageRefSchema.optional(),
});
export type GenerationRequest = z.infer<typeof generationRequestSchema>;

/**
 * A request that passed {@link validate}: the mode is known, every default is filled in, and every
 * value is one the model accepts. This, not the raw request, travels in the job payload.
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
  images: z.object({
    first: imageRefSchema.optional(),
    last: imageRefSchema.optional(),
    references: z.array(imageRefSchema).optional(),
    video: imageRefSchema.optional(),
  }),
  credits: z.number().int().nonnegative(),
});
export type ValidRequest = z.infer<typeof validRequestSchema>;

/** Who asked for a clip. `userKey` scopes quotas: one person on one platform. */
export const requesterSchema = z.object({
  platform: z.enum(['discord', 'telegram', 'cli']),
  userId: z.string().min(1),
  displayName: z.string().optional(),
});
export type Requester = z.infer<typeof requesterSchema>;

/** The quota key of a requester: the platform and its user id, so ids of two platforms never collide. */
export const userKey = (r: Requester): string => `${r.platform}:${r.userId}`;
