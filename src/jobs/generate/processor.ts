import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import { type UserError, userError } from '../../core/errors.js';
import { scrub } from '../../log.js';
import { clearInFlight, metrics, quietly } from '../../metrics.js';
import { CIRCUIT_OPEN } from '../../providers/breaker.js';
import { ProviderError } from '../../providers/errors.js';
import { MIN_RETRY_WAIT_MS } from '../../providers/http.js';
import { MediaError } from '../media.js';
import { readGeneratePayload } from '../migrate.js';
import type { GenerateResult, GenerateState } from '../payloads.js';
import { cancelKey, type GenerateJob } from '../queues.js';
import { createStepContext, type GenerateDeps, type StepContext } from './context.js';
import { providerCharges, settleFailure, userErrorForProvider } from './failure.js';
import { handOver } from './handover.js';
import { poll } from './poll.js';
import { nextRoute, prepare } from './prepare.js';
import { submit, taskExists } from './submit.js';

export type { GenerateDeps } from './context.js';

/** Wait after a 429 that named no Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 15_000;

/**
 * Whether `error`, thrown in `state`, says its provider is down and nothing was started there: an
 * open circuit (the call was not sent), any transient failure of the uploads, or a 5xx/408 answer to
 * the submit. A submit that timed out or lost its connection may have started a task, and so may one
 * sent with our own task id (`submitStarted`, Runware): those stay on their provider, retried (the
 * task id is asked for first) rather than risk a second charge elsewhere.
 */
export function providerDown(error: ProviderError, state: GenerateState): boolean {
  if (state.step === 'prepare') return error.code === CIRCUIT_OPEN || error.kind === 'transient';
  if (state.step !== 'submit' || state.submitStarted) return false;
  if (error.code === CIRCUIT_OPEN) return true;
  return error.kind === 'transient' && error.status !== undefined;
}

/**
 * The `generate` job processor: prepare → submit → poll → handover, one step at a time (a file
 * each), with the job's state saved after each so any worker can carry on after a crash.
 * Transient errors throw (BullMQ retries with backoff); a rate limit delays without counting as a
 * failure; permanent errors settle the credits by the money rule, queue the failure notice, and fail
 * at once.
 */
export function createGenerateProcessor(deps: GenerateDeps) {
  return async function processGenerate(
    job: GenerateJob,
    token?: string,
  ): Promise<GenerateResult | undefined> {
    const payload = readGeneratePayload(job.data);
    if (!payload) {
      deps.logger.error({ jobId: job.id }, 'malformed generate payload');
      throw new UnrecoverableError('malformed generate payload');
    }
    const ctx = createStepContext(deps, job, token, payload);
    try {
      return await run(ctx);
    } catch (error) {
      return await recover(ctx, error);
    }
  };

  /** Ends the job for good: settle the credits, tell the user, fail without retry. */
  async function fail(ctx: StepContext, error: UserError, cause?: unknown): Promise<never> {
    ctx.log.warn(
      { error: error.id, cause: cause instanceof Error ? scrub(cause.message) : undefined },
      'generation failed',
    );
    const { refunded } = await settleFailure(
      deps,
      ctx.jobId,
      ctx.data,
      error,
      providerCharges(ctx.data.state),
    );
    const state = ctx.data.state;
    await ctx.save({ step: 'done', error, refunded });
    metrics.jobs.inc({ outcome: error.id });
    const provider = 'provider' in state ? state.provider : undefined;
    await quietly(clearInFlight(deps.redis, deps.queues.prefix, provider, ctx.jobId));
    throw new UnrecoverableError(error.id);
  }

  /**
   * Before each step that has not made the clip: a cancel or the deadline ends the job. Checked
   * again before the submit, so a cancel that came while the inputs were staged never reaches the
   * provider. Once the clip is made it is delivered: a late cancel or the deadline change nothing.
   */
  async function stopped(ctx: StepContext): Promise<UserError | undefined> {
    const state = ctx.data.state;
    if (state.step === 'handover' || state.step === 'done') return undefined;
    if ((await deps.redis.exists(cancelKey(deps.queues.prefix, ctx.jobId))) === 1) {
      if (state.step === 'submit' && state.submitStarted && state.clientTaskId) {
        // A submit may have reached the provider before a crash: if the task exists, it is paid.
        if (await taskExists(ctx.provider(state.provider), state.clientTaskId)) {
          const { excluded, provider, clientTaskId } = state;
          await ctx.save({ step: 'poll', excluded, provider, taskId: clientTaskId, submittedAt: ctx.now() });
        }
      }
      return userError('cancelled');
    }
    return ctx.now() > ctx.data.deadlineAt ? userError('timeout') : undefined;
  }

  async function run(ctx: StepContext): Promise<GenerateResult | undefined> {
    for (;;) {
      const reason = await stopped(ctx);
      if (reason) return await fail(ctx, reason);
      const state = ctx.data.state;
      switch (state.step) {
        case 'prepare': {
          const problem = await prepare(ctx, state);
          if (problem) return await fail(ctx, problem);
          break;
        }
        case 'submit':
          await submit(ctx, state);
          break;
        case 'poll':
          await poll(ctx, state);
          break;
        case 'handover':
          if (state.result.kind === 'failed') return await fail(ctx, state.result.error as UserError);
          return await handOver(ctx, state);
        case 'done':
          return undefined;
      }
    }
  }

  /**
   * Before the submit, a provider that is down hands the job to the model's next configured route,
   * as an account refusal does: saved as excluded, back to `prepare`. False when there is no other
   * route (then the error is retried or waited out on the same provider, as before).
   */
  async function failOver(ctx: StepContext, error: ProviderError): Promise<boolean> {
    const state = ctx.data.state;
    if (state.step !== 'prepare' && state.step !== 'submit') return false;
    const excluded = [...state.excluded, error.provider];
    if (!nextRoute(ctx, excluded)) return false;
    ctx.log.warn(
      { provider: error.provider, step: state.step, kind: error.kind, err: scrub(error.message) },
      'provider down, trying the next route',
    );
    await ctx.save({ step: 'prepare', excluded });
    return true;
  }

  /** What an error thrown by a step means for the job. */
  async function recover(ctx: StepContext, error: unknown): Promise<GenerateResult | undefined> {
    if (
      error instanceof DelayedError ||
      error instanceof WaitingError ||
      error instanceof UnrecoverableError
    ) {
      throw error;
    }
    const { job } = ctx;
    const step = ctx.data.state.step;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (error instanceof ProviderError) {
      metrics.providerErrors.inc({ provider: error.provider, kind: error.kind });
      if (providerDown(error, ctx.data.state) && (await failOver(ctx, error))) {
        return await run(ctx).catch((again: unknown) => recover(ctx, again));
      }
      if (error.kind === 'rate-limited') {
        ctx.log.info({ provider: error.provider, retryAfterMs: error.retryAfterMs }, 'rate limited, waiting');
        if (ctx.now() > ctx.data.deadlineAt) return await fail(ctx, userError('timeout'), error);
        return await ctx.delay(Math.max(MIN_RETRY_WAIT_MS, error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS));
      }
      if (error.kind === 'transient') {
        if (lastAttempt) return await fail(ctx, userError('provider-unavailable'), error);
        ctx.log.warn(
          { provider: error.provider, step, err: scrub(error.message) },
          'transient error, will retry',
        );
        throw error;
      }
      const state = ctx.data.state;
      if (error.kind === 'account' && (state.step === 'prepare' || state.step === 'submit')) {
        // Nothing was started with this provider: try the next configured route, if any.
        ctx.log.error({ provider: error.provider, code: error.code }, 'provider refused our account');
        await ctx.save({ step: 'prepare', excluded: [...state.excluded, error.provider] });
        return await run(ctx).catch((again: unknown) => recover(ctx, again));
      }
      if (error.kind === 'not-found' && step === 'poll') {
        return await fail(ctx, userError('generation-failed'), error);
      }
      return await fail(ctx, userErrorForProvider(error), error);
    }
    if (error instanceof MediaError) {
      if (error.retryable && !lastAttempt) throw error;
      return await fail(ctx, error.userError, error);
    }
    if (lastAttempt) return await fail(ctx, userError('internal'), error);
    ctx.log.error(
      { err: scrub(error instanceof Error ? error.message : String(error)) },
      'unexpected error, will retry',
    );
    throw error;
  }
}
