import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import { requesterSchema, validRequestSchema } from '../core/request.js';

export const GENERATE_QUEUE = 'generate';
export const DELIVER_QUEUE = 'deliver';

const providerNameSchema = z.enum(['runninghub', 'runware']);

export const deliveryTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('telegram'),
    chatId: z.number().int(),
    messageId: z.number().int().positive(),
    threadId: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('discord'),
    applicationId: z.string().min(1),
    interactionToken: z.string().min(1),
    interactionAt: z.number(),
    channelId: z.string().min(1),
    guildId: z.string().optional(),
    userId: z.string().min(1),
    attachmentSizeLimit: z.number().int().positive(),
    canPostInChannel: z.boolean(),
  }),
]);

const userErrorSchema = z.object({
  id: z.string(),
  details: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()])).readonly()]),
    )
    .optional(),
});

/**
 * Where a generate job stands. Saved with `job.updateData` after each step, so a worker that dies
 * anywhere leaves enough for the next one to carry on without paying twice.
 */
export const generateStateSchema = z.object({
  step: z.enum(['prepare', 'submit', 'poll', 'handover', 'done']),
  /** The provider chosen for this job (first configured route in catalog order, minus excluded). */
  provider: providerNameSchema.optional(),
  /** Providers that refused our account; skipped when choosing again. */
  excluded: z.array(providerNameSchema).default([]),
  staged: z
    .object({
      first: z.string().optional(),
      last: z.string().optional(),
      references: z.array(z.string()).optional(),
      video: z.string().optional(),
    })
    .optional(),
  /** Our own task id, saved before submit, for providers that take one (Runware). */
  clientTaskId: z.string().optional(),
  /** Set (and saved) just before a submit with a client task id, so a resumed job asks first. */
  submitStarted: z.boolean().optional(),
  /** The provider's task id: saved in the same Redis write that follows the submit's answer. */
  taskId: z.string().optional(),
  /** When the task was submitted (or found again), to read the provider's progress as an ETA. */
  submittedAt: z.number().optional(),
  progress: z.number().optional(),
  phase: z.enum(['queued', 'running']).optional(),
  videoUrl: z.string().optional(),
  error: userErrorSchema.optional(),
});
export type GenerateState = z.infer<typeof generateStateSchema>;

/** Payload of a `generate` job, version 1. Plain JSON; parsed again by the processor. */
export const generatePayloadSchema = z.object({
  v: z.literal(1),
  request: validRequestSchema,
  requester: requesterSchema,
  target: deliveryTargetSchema,
  /** Whether a quota unit was reserved for this job (the admin's command line reserves none). */
  charged: z.boolean(),
  createdAt: z.number(),
  deadlineAt: z.number(),
  state: generateStateSchema,
});
export type GeneratePayload = z.infer<typeof generatePayloadSchema>;

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
    v: 1,
    ...rest,
    deadlineAt: fields.createdAt + deadlineMs,
    state: { step: 'prepare', excluded: [] },
  };
}

/** Payload of a `deliver` job, version 1: one outcome of one generate job. */
export const deliverPayloadSchema = z.object({
  v: z.literal(1),
  generateJobId: z.string(),
  request: validRequestSchema,
  requester: requesterSchema,
  target: deliveryTargetSchema,
  outcome: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('clip'), videoUrl: z.string(), provider: providerNameSchema }),
    z.object({ kind: z.literal('failure'), error: userErrorSchema }),
  ]),
  /** When the clip was ready at the provider (for latency metrics). */
  readyAt: z.number(),
});
export type DeliverPayload = z.infer<typeof deliverPayloadSchema>;

/** Retry policy of generate jobs: transient errors back off exponentially from 5 s (5, 10, 20 … s). */
export const GENERATE_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Delivery retries longer: a posted clip is already paid for. */
export const DELIVER_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** The deliver job of a generate job: one id, so an outcome is posted once whatever retries. */
export const deliverJobId = (generateJobId: string): string => `deliver-${generateJobId}`;

export interface Queues {
  generate: Queue;
  deliver: Queue;
  prefix: string;
  close(): Promise<void>;
}

/**
 * Opens the two queues on one connection. `prefix` is the BullMQ key prefix (hash-tag it for
 * Cluster). Connection errors are reported to `onError` (a queue's unheard `error` event would throw).
 */
export function createQueues(
  connection: ConnectionOptions,
  prefix: string,
  onError: (error: Error) => void = () => {},
): Queues {
  const generate = new Queue(GENERATE_QUEUE, { connection, prefix });
  const deliver = new Queue(DELIVER_QUEUE, { connection, prefix });
  for (const queue of [generate, deliver]) queue.on('error', onError);
  return {
    generate,
    deliver,
    prefix,
    async close() {
      // A queue still starting has its start-up commands in flight on the shared connection; let
      // them finish (briefly: Redis may be gone) so closing the connection does not orphan them.
      await settleWithin(Promise.allSettled([generate.waitUntilReady(), deliver.waitUntilReady()]), 2_000);
      await Promise.all([generate.close(), deliver.close()]);
    },
  };
}

/** Waits for `promise` at most `ms`; never rejects. True when it settled in time. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Redis key that asks a job to stop at its next step. Lives beside the queue's keys. */
export const cancelKey = (prefix: string, jobId: string): string => `${prefix}:cancel:${jobId}`;
