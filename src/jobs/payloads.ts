import { z } from 'zod';
import { deliveryTargetSchema } from '../core/ports.js';
import { GENERATION_MODES, requesterSchema, validRequestSchema } from '../core/request.js';

/**
 * The payloads of the two queues, version 2: plain JSON, parsed again by each processor. Jobs of
 * version 1 (before platforms and providers were opaque to jobs) are read through `migrate.ts`.
 */

const providerName = z.string().min(1);

const detailValue = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])).readonly()]);
export const userErrorSchema = z.object({
  id: z.string(),
  details: z.record(z.string(), detailValue).optional(),
});

const stagedSchema = z.object({
  first: z.string().optional(),
  last: z.string().optional(),
  references: z.array(z.string()).optional(),
  video: z.string().optional(),
});

/** Providers that refused our account; skipped when a route is chosen again. */
const excluded = z.array(providerName).default([]);

/** Nothing done yet (or done again after an account refusal): download, check and stage the inputs. */
const prepareState = z.object({ step: z.literal('prepare'), excluded });

/**
 * A catalog route as a job carries it from `prepare` to the submit, so a job whose model leaves the
 * catalog meanwhile is still submitted as it was prepared.
 */
const routeSchema = z.object({
  provider: providerName,
  modes: z.array(z.enum(GENERATION_MODES)),
  params: z.unknown(),
});

/** Inputs staged at the chosen provider: start the task. */
const submitState = z.object({
  step: z.literal('submit'),
  excluded,
  provider: providerName,
  staged: stagedSchema,
  /** The route chosen at `prepare` (absent in jobs prepared before it was kept: looked up by id). */
  route: routeSchema.optional(),
  /** Our own task id, saved before submit, for providers that take one (Runware). */
  clientTaskId: z.string().optional(),
  /** Set (and saved) just before a submit with a client task id, so a resumed job asks first. */
  submitStarted: z.boolean().default(false),
});

/**
 * The provider accepted the task, and charges for it: ask until it ends. From here on a cancel, a
 * time-out or a stall no longer gives the credits back.
 */
const pollState = z.object({
  step: z.literal('poll'),
  excluded,
  provider: providerName,
  /** The provider's task id: saved in the same Redis write that follows the submit's answer. */
  taskId: z.string(),
  /** When the task was submitted (or found again), to read the provider's progress as an ETA. */
  submittedAt: z.number(),
});

/** The task ended: queue its outcome for delivery and settle the credits. */
const handoverState = z.object({
  step: z.literal('handover'),
  provider: providerName,
  taskId: z.string(),
  submittedAt: z.number().optional(),
  result: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('clip'), videoUrl: z.string() }),
    /** The provider reported the task failed: it did not charge us. */
    z.object({ kind: z.literal('failed'), error: userErrorSchema }),
  ]),
});

/** Nothing left to do: the outcome is queued and the unit committed or refunded. */
const doneState = z.object({
  step: z.literal('done'),
  error: userErrorSchema.optional(),
  /** Whether the credits were given back (only when the provider did not charge). */
  refunded: z.boolean().optional(),
});

/**
 * Where a generate job stands, narrowed by step: each step carries exactly what the next one needs.
 * Saved with `job.updateData` after each step, so a worker that dies anywhere leaves enough for the
 * next one to carry on without paying twice.
 */
export const generateStateSchema = z.discriminatedUnion('step', [
  prepareState,
  submitState,
  pollState,
  handoverState,
  doneState,
]);
export type GenerateState = z.infer<typeof generateStateSchema>;
export type StateOf<S extends GenerateState['step']> = Extract<GenerateState, { step: S }>;

/** Payload of a `generate` job, version 2. */
export const generatePayloadSchema = z.object({
  v: z.literal(2),
  request: validRequestSchema,
  requester: requesterSchema,
  target: deliveryTargetSchema,
  /** Whether credits were reserved for this job (the admin's command line reserves none). */
  charged: z.boolean(),
  createdAt: z.number(),
  deadlineAt: z.number(),
  state: generateStateSchema,
});
export type GeneratePayload = z.infer<typeof generatePayloadSchema>;

/** What a generate job returns when the clip is handed to delivery. */
export interface GenerateResult {
  provider: string;
  taskId: string;
  videoUrl: string;
}

/** A fresh generate payload: nothing done yet, the deadline counted from `createdAt`. */
export function newGeneratePayload(fields: {
  request: GeneratePayload['request'];
  requester: GeneratePayload['requester'];
  target: GeneratePayload['target'];
  charged: boolean;
  createdAt: number;
  deadlineMs: number;
}): GeneratePayload {
  const { deadlineMs, ...rest } = fields;
  return {
    v: 2,
    ...rest,
    deadlineAt: fields.createdAt + deadlineMs,
    state: { step: 'prepare', excluded: [] },
  };
}

/** One outcome of one generate job: the clip's link at the provider, or why there is none. */
export const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clip'), videoUrl: z.string(), provider: providerName }),
  z.object({ kind: z.literal('failure'), error: userErrorSchema, refunded: z.boolean() }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

/** Payload of a `deliver` job, version 2: one outcome of one generate job. */
export const deliverPayloadSchema = z.object({
  v: z.literal(2),
  generateJobId: z.string(),
  request: validRequestSchema,
  requester: requesterSchema,
  target: deliveryTargetSchema,
  outcome: outcomeSchema,
  /** When the clip was ready at the provider (for latency metrics and the link's expiry). */
  readyAt: z.number(),
});
export type DeliverPayload = z.infer<typeof deliverPayloadSchema>;

export interface DeliverResult {
  kind: 'clip' | 'failure';
  /** When the outcome reached the chat (epoch ms). */
  deliveredAt: number;
  /** From the clip being ready at the provider (as we saw it) to delivered, in ms. */
  latencyMs: number;
}

/** Progress reported with `job.updateProgress`, for status views. */
export interface GenerateProgress {
  step: GenerateState['step'];
  phase?: 'queued' | 'running';
  percent?: number;
}
