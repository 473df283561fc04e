import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { candidateRoutes, findModel, type ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, type UserError, userError } from '../core/errors.js';
import type { DeliveryTarget } from '../core/ports.js';
import { type GenerationRequest, type Requester, userKey, type ValidRequest } from '../core/request.js';
import { validate } from '../core/validate.js';
import type { Charge, Credits, ReserveResult } from './credits.js';
import { providerCharges } from './generate/failure.js';
import { readGeneratePayload } from './migrate.js';
import { newGeneratePayload } from './payloads.js';
import { cancelKey, GENERATE_JOB_OPTIONS, type Queues } from './queues.js';

export interface IntakeDeps {
  queues: Queues;
  credits: Pick<Credits, 'reserve' | 'refund'>;
  /** Credits per member per UTC day where the submit names no terms (`defaultMemberLimit`). */
  defaultMemberLimit: number;
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

/** The ceilings a charge is reserved against, as the desk resolves them for a place. */
export interface ChargeTerms {
  /** `platform:communityId`, or `platform:private` for private chats. */
  community: string;
  /** Credits this member may spend in this community per UTC day (0: none at all). */
  memberLimit: number;
  /** The community's daily budget in credits; undefined: none. */
  communityBudget?: number;
}

export interface SubmitOptions {
  /**
   * `false` for the admin's command line: nothing is reserved. Omitted: the requester's platform's
   * private community under the default member limit.
   */
  charge?: false | ChargeTerms;
}

/**
 * What a cancel did: `cancelling` (the provider has not taken the task: the credits come back),
 * `stopping` (it has, and charges for it: polling and delivery stop, the credits stay spent), or why
 * nothing was done.
 */
export type CancelOutcome = 'cancelling' | 'stopping' | 'not-found' | 'not-yours' | 'finished';

export interface Intake {
  /**
   * validate → reserve the clip's credits (the reservation id is the job id) → enqueue. Bad input and
   * a refused reservation return a user-facing error and touch nothing; a failed enqueue gives the
   * credits back.
   */
  submit(
    request: GenerationRequest,
    requester: Requester,
    target: DeliveryTarget,
    options?: SubmitOptions,
  ): Promise<Result<Accepted>>;
  /**
   * Asks a job to stop at its next step; the worker settles the credits by the money rule and tells
   * the user. Only the requester may cancel their own job, unless `asAdmin` (the desk checked the
   * right).
   */
  cancel(jobId: string, requester: Requester, options?: { asAdmin?: boolean }): Promise<CancelOutcome>;
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
      // The late job, if it was added after all, is cancelled (and refunded); a late failure is
      // the busy answer already given, not an unhandled rejection.
      void work
        .then(async (r) => {
          if (r.ok) await cancelJob(r.value.jobId, requester, false);
        })
        .catch(() => undefined);
      return err(userError('service-busy'));
    },

    async cancel(jobId, requester, options = {}) {
      if (isDown(deps.redis)) throw new Error('redis is unreachable');
      return cancelJob(jobId, requester, options.asAdmin ?? false);
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
    const terms =
      options.charge ??
      ({ community: `${requester.platform}:private`, memberLimit: deps.defaultMemberLimit } as ChargeTerms);
    const charge = terms !== false;
    if (terms !== false) {
      const request: Charge = {
        user: userKey(requester),
        community: terms.community,
        credits: valid.credits,
        memberLimit: terms.memberLimit,
        model: valid.model,
        prompt: valid.prompt,
      };
      if (terms.communityBudget !== undefined) request.communityBudget = terms.communityBudget;
      let reserved: ReserveResult;
      try {
        reserved = await deps.credits.reserve(jobId, request);
      } catch {
        return err(userError('service-busy'));
      }
      if (!reserved.ok) return err(refusalError(reserved, valid.credits));
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
      if (charge) await deps.credits.refund(jobId, { outcome: 'service-busy' }).catch(() => undefined);
      return err(userError('service-busy'));
    }
    return ok({ jobId, position: await placeInLine(), request: valid });
  }

  async function cancelJob(jobId: string, requester: Requester, asAdmin: boolean): Promise<CancelOutcome> {
    const job = await deps.queues.generate.getJob(jobId);
    if (!job) return 'not-found';
    const data = readGeneratePayload(job.data);
    if (!data) return asAdmin ? 'not-found' : 'not-yours';
    if (!asAdmin && userKey(data.requester) !== userKey(requester)) return 'not-yours';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || data.state.step === 'done') return 'finished';
    await deps.redis.set(cancelKey(deps.queues.prefix, jobId), '1', 'EX', CANCEL_FLAG_TTL_S);
    // A job waiting between polls would see the flag only at its next poll: wake it now.
    if (state === 'delayed') await job.promote().catch(() => undefined);
    return providerCharges(data.state) ? 'stopping' : 'cancelling';
  }
}

/** The user-facing error of a refused reservation, with what its message needs. */
function refusalError(refused: Extract<ReserveResult, { ok: false }>, credits: number): UserError {
  switch (refused.reason) {
    case 'member-limit':
      return refused.limit === 0
        ? userError('quota-closed')
        : userError('quota-exhausted', {
            limit: refused.limit,
            used: refused.used,
            credits,
            resetsAt: refused.clearsAt,
          });
    case 'in-flight':
      return userError('too-many-in-flight', { limit: refused.limit });
    case 'cooldown':
      return userError('cooldown', { clearsAt: refused.clearsAt });
    case 'community-budget':
      return userError('community-budget', {
        limit: refused.limit,
        used: refused.used,
        credits,
        resetsAt: refused.clearsAt,
      });
    case 'service-cap':
      return userError('service-cap', { resetsAt: refused.clearsAt });
  }
}

/**
 * Redis is known to be unreachable (ioredis is reconnecting, or the connection was closed): our
 * commands would wait in ioredis's queue until it is back, so a person's request is answered busy.
 */
export const isDown = (redis: Redis): boolean =>
  redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end';
