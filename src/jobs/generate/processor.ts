import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import { type UserError, userError } from '../../core/errors.js';
import { scrub } from '../../log.js';
import { ProviderError } from '../../providers/errors.js';
import { MediaError } from '../media.js';
import { readGeneratePayload } from '../migrate.js';
import type { GenerateResult } from '../payloads.js';
import { cancelKey, type GenerateJob } from '../queues.js';
import { createStepContext, type GenerateDeps, type StepContext } from './context.js';
import { providerCharges, settleFailure, userErrorForProvider } from './failure.js';
import { handOver } from './handover.js';
import { poll } from './poll.js';
import { prepare } from './prepare.js';
import { submit, taskExists } from './submit.js';

export type { GenerateDeps } from './context.js';

/** Wait after a 429 that named no Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 15_000;

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
    await ctx.save({ step: 'done', error, refunded });
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
      if (error.kind === 'rate-limited') {
        ctx.log.info({ provider: error.provider, retryAfterMs: error.retryAfterMs }, 'rate limited, waiting');
        if (ctx.now() > ctx.data.deadlineAt) return await fail(ctx, userError('timeout'), error);
        return await ctx.delay(error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS);
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
