import { type ConnectionOptions, Worker, type WorkerOptions } from 'bullmq';
import { type UserError, userError } from '../core/errors.js';
import { scrub } from '../log.js';
import { clearInFlight, metrics, quietly } from '../metrics.js';
import { createDeliverProcessor, type DeliverDeps } from './deliver.js';
import { providerCharges, settleFailure } from './generate/failure.js';
import { createGenerateProcessor, type GenerateDeps } from './generate/processor.js';
import { readDeliverPayload, readGeneratePayload } from './migrate.js';
import type { DeliverPayload, DeliverResult, GeneratePayload, GenerateResult } from './payloads.js';
import { DELIVER_QUEUE, GENERATE_QUEUE, settleWithin } from './queues.js';

export interface WorkersOptions {
  /** A connection for the workers' blocking commands (`maxRetriesPerRequest: null`). */
  connection: ConnectionOptions;
  generate: GenerateDeps;
  deliver: DeliverDeps;
  /** Jobs one worker runs at once per queue. Step jobs are short, so this can be high. */
  concurrency: number;
  /** Overrides for BullMQ's worker options (tests shorten the lock and stalled intervals). */
  workerOptions?: Partial<WorkerOptions>;
}

export interface Workers {
  generate: Worker<GeneratePayload, GenerateResult | undefined, 'generate'>;
  deliver: Worker<DeliverPayload, DeliverResult, 'deliver'>;
  /** Waits for the jobs in hand, then stops. */
  close(): Promise<void>;
}

/**
 * Starts the generate and deliver workers. Every step of a generate job is safe to repeat, so a
 * job is allowed to stall (its worker died) several times before BullMQ gives up on it; when it
 * does, the `failed` handler still refunds and answers the user.
 */
export function startWorkers(options: WorkersOptions): Workers {
  const { generate: g, connection } = options;
  const base: WorkerOptions = {
    connection,
    prefix: g.queues.prefix,
    concurrency: options.concurrency,
    maxStalledCount: 10,
    ...options.workerOptions,
  };
  const generate = new Worker<GeneratePayload, GenerateResult | undefined, 'generate'>(
    GENERATE_QUEUE,
    createGenerateProcessor(g),
    base,
  );
  const deliver = new Worker<DeliverPayload, DeliverResult, 'deliver'>(
    DELIVER_QUEUE,
    createDeliverProcessor(options.deliver),
    base,
  );

  generate.on('failed', (job, error) => {
    if (!job) return;
    const finalAttempt = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    if (!finalAttempt) return;
    const data = readGeneratePayload(job.data);
    if (!data) return;
    const known = data.state.step === 'done' ? data.state.error : undefined;
    if (!known) {
      // BullMQ gave up on it (stalled too often): our own failures counted themselves.
      metrics.jobs.inc({ outcome: 'internal' });
      const provider = 'provider' in data.state ? data.state.provider : undefined;
      void quietly(clearInFlight(g.redis, g.queues.prefix, provider, job.id as string));
    }
    // Our own failures already did this; BullMQ's (stalled too often) did not. Repeating is harmless,
    // and the money rule reads the saved state: a task the provider accepted stays charged.
    settleFailure(
      g,
      job.id as string,
      data,
      known ? (known as UserError) : userError('internal'),
      providerCharges(data.state),
    ).catch((err: unknown) =>
      g.logger.error({ jobId: job.id, err: String(err) }, 'could not finalize a failed job'),
    );
  });
  deliver.on('failed', (job, error) => {
    if (!job) return;
    const finalAttempt = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    const data = readDeliverPayload(job.data);
    if (!finalAttempt || !data || data.outcome.kind !== 'clip') return;
    // The clip exists but could not be posted: the user must still hear back.
    const { outcome } = data;
    const deliveries = options.deliver.deliveries;
    const platform = data.target.platform;
    const delivery = Object.hasOwn(deliveries, platform) ? deliveries[platform] : undefined;
    // The failure notice tells the person an admin can find the clip in the logs: here it is. The
    // provider's result link carries none of our keys.
    g.logger.error(
      {
        jobId: data.generateJobId,
        provider: outcome.provider,
        videoUrl: outcome.videoUrl,
        err: scrub(error.message),
      },
      'clip delivery failed for good',
    );
    delivery
      ?.deliverFailure(
        { jobId: data.generateJobId, target: data.target, requester: data.requester, request: data.request },
        { error: userError('delivery-failed'), refunded: false },
      )
      .catch((err: unknown) =>
        g.logger.error(
          { jobId: data.generateJobId, err: scrub(String(err)) },
          'could not send the failure notice',
        ),
      );
  });
  // Time in queue: from the add to the first time a worker takes the job (a generate job's first step).
  generate.on('active', (job) => {
    const step = (job.data as { state?: { step?: string } }).state?.step;
    if (job.attemptsMade === 0 && step === 'prepare' && job.progress === 0) {
      metrics.queueWait.observe({ queue: GENERATE_QUEUE }, Math.max(0, Date.now() - job.timestamp) / 1000);
    }
  });
  deliver.on('active', (job) => {
    if (job.attemptsMade === 0) {
      metrics.queueWait.observe({ queue: DELIVER_QUEUE }, Math.max(0, Date.now() - job.timestamp) / 1000);
    }
  });
  for (const w of [generate, deliver]) {
    w.on('error', (err) => g.logger.error({ queue: w.name, err: err.message }, 'worker error'));
  }

  return {
    generate,
    deliver,
    async close() {
      // A worker closed while its connections still start up emits their late "Connection is
      // closed" with no listener left, which kills the process: let them finish starting first.
      // A Redis that can't be reached never gets them ready: wait two seconds at most.
      await settleWithin(Promise.allSettled([generate.waitUntilReady(), deliver.waitUntilReady()]), 2_000);
      await Promise.all([generate.close(), deliver.close()]);
    },
  };
}
