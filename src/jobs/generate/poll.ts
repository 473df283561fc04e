import { markPolled } from '../../http/hints.js';
import type { GenerateProgress, StateOf } from '../payloads.js';
import type { StepContext } from './context.js';
import { afterStatus } from './submit.js';

/** The soonest a task is asked again, however close to done its progress says it is. */
const MIN_POLL_MS = 1_000;

/**
 * When to ask about a task again. Normally every `interval`; when the provider reports progress,
 * as soon as the clip is due by that progress (never sooner than a second, never later than
 * `interval`), so a finished clip waits less for the poll that finds it.
 */
export function nextPollDelay(
  interval: number,
  percent: number | undefined,
  elapsedMs: number | undefined,
): number {
  if (percent === undefined || elapsedMs === undefined || percent <= 0 || elapsedMs <= 0) return interval;
  const remaining = percent >= 100 ? 0 : (elapsedMs * (100 - percent)) / percent;
  return Math.min(interval, Math.max(Math.min(MIN_POLL_MS, interval), remaining));
}

/**
 * Step `poll`: ask the provider. While the task runs, wait (`moveToDelayed`: a waiting job holds no
 * worker slot, so one worker carries thousands in flight) and write progress only when something a
 * status view shows has changed. Once it ended, move on to the handover with its result.
 */
export async function poll(ctx: StepContext, state: StateOf<'poll'>): Promise<void> {
  // This query answers every completion hint so far; one that comes within a few seconds of it is
  // deferred to the end of that window (http/hints.ts).
  if (ctx.deps.webhookSecret) await markPolled(ctx.deps.redis, ctx.deps.queues.prefix, ctx.jobId);
  const status = await ctx.provider(state.provider).check(state.taskId);
  if (status.state !== 'pending') {
    await ctx.save(afterStatus(status, state));
    return;
  }
  const latest: GenerateProgress = {
    step: 'poll',
    phase: status.phase,
    ...(status.progress === undefined ? {} : { percent: status.progress }),
  };
  const shown = ctx.job.progress as Partial<GenerateProgress> | undefined;
  if (shown?.step !== latest.step || shown.phase !== latest.phase || shown.percent !== latest.percent) {
    await ctx.progress(latest);
  }
  const elapsed = ctx.now() - state.submittedAt;
  // Past the deadline, delay() wakes the job at the deadline and the entry check ends it.
  await ctx.delay(nextPollDelay(ctx.deps.pollIntervalMs, status.progress, elapsed));
}
