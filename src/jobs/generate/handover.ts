import { clearInFlight, countSettlement, metrics, quietly } from '../../metrics.js';
import { providerNamed } from '../../providers/registry.js';
import type { GenerateResult, StateOf } from '../payloads.js';
import type { StepContext } from './context.js';
import { queueOutcome } from './failure.js';

/**
 * Step `handover` of a made clip: queue the deliver job (id `deliver-{jobId}`, so the clip is queued
 * once whatever retries) and commit the credits, with the clip's link and until when it lives (for
 * `/history`). A failed result is the processor's to end.
 */
export async function handOver(ctx: StepContext, state: StateOf<'handover'>): Promise<GenerateResult> {
  if (state.result.kind !== 'clip') throw new Error('handOver is for made clips');
  const { videoUrl } = state.result;
  await queueOutcome(ctx.deps, ctx.jobId, ctx.data, { kind: 'clip', videoUrl, provider: state.provider });
  if (ctx.data.charged) {
    const lifetime = providerNamed(state.provider, ctx.deps.descriptors)?.resultUrlLifetimeMs;
    const applied = await ctx.deps.credits.commit(ctx.jobId, {
      outcome: 'clip',
      url: videoUrl,
      ...(lifetime === undefined ? {} : { expiresAt: ctx.now() + lifetime }),
    });
    countSettlement('committed', applied);
  }
  await ctx.save({ step: 'done' });
  metrics.jobs.inc({ outcome: 'clip' });
  if (state.submittedAt !== undefined) {
    metrics.generation.observe(
      { model: ctx.data.request.model, provider: state.provider },
      Math.max(0, ctx.now() - state.submittedAt) / 1000,
    );
  }
  await quietly(clearInFlight(ctx.deps.redis, ctx.deps.queues.prefix, state.provider, ctx.jobId));
  await ctx.progress({ step: 'done', percent: 100 });
  ctx.log.info({ provider: state.provider }, 'clip ready, handed to delivery');
  return { provider: state.provider, taskId: state.taskId, videoUrl };
}
