import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { candidateRoutes, findModel, type ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, userError } from '../core/errors.js';
import type { DeliveryTarget } from '../core/ports.js';
import { type GenerationRequest, type Requester, userKey, type ValidRequest } from '../core/request.js';
import { validate } from '../core/validate.js';
import { providerCharges } from './generate/failure.js';
import { readGeneratePayload } from './migrate.js';
import { newGeneratePayload } from './payloads.js';
import { cancelKey, GENERATE_JOB_OPTIONS, type Queues } from './queues.js';
import type { Quota } from './quota.js';

export interface IntakeDeps {
  queues: Queues;
  quota: Quota;
  /** For cancel flags; may be the queues' connection. */
  redis: Redis;
  jobDeadlineMs: number;
  /**
   * Providers the workers have keys for. When given, a request whose model no configured provider
   * serves is refused at once instead of failing in the worker.
   */
  configuredProviders?: ReadonlySet<string>;
  catalog: readonly ModelSpec[];
  /** Overrides of the generate jobs' retry policy (tests back off in milliseconds). */
  jobOptions?: Partial<JobsOptions>;
  /**
   * Longest a submit waits on Redis before the person is told the service is busy. Default 5 s.
   * A submit that completes after that is cancelled (the worker refunds it), so nobody is charged
   * for a request they were told failed.
   */
  redisBudgetMs?: number;
  now?: () => number;
}

export interface Accepted {
  jobId: string;
  /**
   * Jobs waiting to start, this one included (1 = next). Approximate under load: one count of the
   * queue serves the submits of the next 200 ms.
   */
  position: number;
  request: ValidRequest;
}

export interface SubmitOptions {
  /** False for the admin's command line: no quota unit is reserved. Default true. */
  charge?: boolean;
}

/**
 * What a cancel did: `cancelling` (the provider has not taken the task: the unit comes back),
 * `stopping` (it has, and charges for it: polling and delivery stop, the unit stays spent), or why
 * nothing was done.
 */
export type CancelOutcome = 'cancelling' | 'stopping' | 'not-found' | 'not-yours' | 'finished';

export interface Intake {
  /**
   * validate → reserve a quota unit (the reservation id is the job id) → enqueue. Bad input and an
   * exhausted quota return a user-facing error and touch nothing; a failed enqueue gives the unit back.
   */
  submit(
    request: GenerationRequest,
    requester: Requester,
    target: DeliveryTarget,
    options?: SubmitOptions,
  ): Promise<Result<Accepted>>;
  /**
   * Asks a job to stop at its next step; the worker settles the unit by the money rule and tells the
   * user. Only the requester may cancel their own job.
   */
  cancel(jobId: string, requester: Requester): Promise<CancelOutcome>;
}

const CANCEL_FLAG_TTL_S = 24 * 3600;

/** How long a counted queue length stands in for a fresh count. */
const POSITION_CACHE_MS = 200;

export function createIntake(deps: IntakeDeps): Intake {
  const now = deps.now ?? Date.now;
  const catalog = deps.catalog;

  // The place in line is a courtesy figure: counting the queue on every submit was a third Redis
  // round trip, half of intake's cost under load. One count serves every submit for 200 ms, plus
  // the jobs this process added since (the benchmark, docs/benchmarks.md, shows the difference).
  let counted = { waiting: 0, at: Number.NEGATIVE_INFINITY, addedSince: 0 };
  let counting: Promise<void> | undefined;
  const placeInLine = async (): Promise<number> => {
    if (performance.now() - counted.at <= POSITION_CACHE_MS) {
      counted.addedSince += 1;
      return Math.max(1, counted.waiting + counted.addedSince);
    }
    counting ??= deps.queues.generate
      .getWaitingCount()
      .then((waiting) => {
        counted = { waiting, at: performance.now(), addedSince: 0 };
      })
      .catch(() => undefined)
      .finally(() => {
        counting = undefined;
      });
    await counting;
    // The count was taken after this job was added, so it includes it.
    return Math.max(1, counted.waiting);
  };

  return {
    async submit(request, requester, target, options = {}) {
      const checked = validate(request, catalog);
      if (!checked.ok) return checked;
      // With Redis gone, ioredis would queue our commands until it is back: a chat command would
      // hang. Refuse at once instead, and bound the wait on a Redis that answers slowly.
      if (isDown(deps.redis)) return err(userError('service-busy'));
      const work = enqueue(checked.value, requester, target, options);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), deps.redisBudgetMs ?? 5_000);
      });
      const outcome = await Promise.race([work, late]).finally(() => clearTimeout(timer));
      if (outcome !== 'late') return outcome;
      void work.then(async (r) => {
        if (r.ok) await cancelJob(r.value.jobId, requester).catch(() => undefined);
      });
      return err(userError('service-busy'));
    },

    async cancel(jobId, requester) {
      if (isDown(deps.redis)) throw new Error('redis is unreachable');
      return cancelJob(jobId, requester);
    },
  };

  async function enqueue(
    valid: ValidRequest,
    requester: Requester,
    target: DeliveryTarget,
    options: SubmitOptions,
  ): Promise<Result<Accepted>> {
    if (deps.configuredProviders) {
      const model = findModel(valid.model, catalog) as ModelSpec;
      if (candidateRoutes(model, valid.mode, deps.configuredProviders).length === 0) {
        return err(userError('no-provider', { model: valid.model }));
      }
    }
    const jobId = randomUUID();
    const charge = options.charge ?? true;
    const user = userKey(requester);
    if (charge) {
      let reserved: Awaited<ReturnType<Quota['reserve']>>;
      try {
        reserved = await deps.quota.reserve(user, jobId);
      } catch {
        return err(userError('service-busy'));
      }
      if (!reserved.ok && reserved.limit === 0) return err(userError('quota-closed'));
      if (!reserved.ok) {
        return err(
          userError('quota-exhausted', {
            limit: reserved.limit,
            used: reserved.used,
            resetsAt: reserved.resetsAt,
          }),
        );
      }
    }
    const payload = newGeneratePayload({
      request: valid,
      requester,
      target,
      charged: charge,
      createdAt: now(),
      deadlineMs: deps.jobDeadlineMs,
    });
    try {
      await deps.queues.generate.add('generate', payload, {
        ...GENERATE_JOB_OPTIONS,
        ...deps.jobOptions,
        jobId,
      });
    } catch {
      if (charge) await deps.quota.refund(user, jobId).catch(() => undefined);
      return err(userError('service-busy'));
    }
    return ok({ jobId, position: await placeInLine(), request: valid });
  }

  async function cancelJob(jobId: string, requester: Requester): Promise<CancelOutcome> {
    const job = await deps.queues.generate.getJob(jobId);
    if (!job) return 'not-found';
    const data = readGeneratePayload(job.data);
    if (!data || userKey(data.requester) !== userKey(requester)) return 'not-yours';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || data.state.step === 'done') return 'finished';
    await deps.redis.set(cancelKey(deps.queues.prefix, jobId), '1', 'EX', CANCEL_FLAG_TTL_S);
    // A job waiting between polls would see the flag only at its next poll: wake it now.
    if (state === 'delayed') await job.promote().catch(() => undefined);
    return providerCharges(data.state) ? 'stopping' : 'cancelling';
  }
}

/**
 * Redis is known to be unreachable (ioredis is reconnecting, or the connection was closed): our
 * commands would wait in ioredis's queue until it is back, so a person's request is answered busy.
 */
export const isDown = (redis: Redis): boolean =>
  redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end';
