import { hintPath } from '../../http/hints.js';
import { markInFlight, quietly } from '../../metrics.js';
import { ProviderError } from '../../providers/errors.js';
import type { TaskStatus, VideoProvider } from '../../providers/provider.js';
import { providerNamed } from '../../providers/registry.js';
import type { GenerateState, StateOf } from '../payloads.js';
import type { StepContext } from './context.js';
import { userErrorForProvider } from './failure.js';

/**
 * Step `submit`: start the task. RunningHub takes no id of ours, so its task id is saved in the one
 * Redis write that follows its answer. A provider that takes our own task id (Runware) gets it saved
 * before, with a `submitStarted` mark, so a job resumed after a crash asks for that task first and
 * submits only if it does not exist.
 */
export async function submit(ctx: StepContext, state: StateOf<'submit'>): Promise<void> {
  const provider = ctx.provider(state.provider);
  if (provider.clientTaskIds && state.clientTaskId && state.submitStarted) {
    // A submit was under way when the last worker stopped: the task may exist already.
    if (await taskExists(provider, state.clientTaskId)) {
      ctx.log.info({ provider: state.provider }, 'resumed: task found at the provider, not submitting again');
      await ctx.save(polling(state, state.clientTaskId, ctx.now()));
      await quietly(
        markInFlight(ctx.deps.redis, ctx.deps.queues.prefix, state.provider, ctx.jobId, ctx.now()),
      );
      return;
    }
  } else if (provider.clientTaskIds) {
    await ctx.save({ ...state, submitStarted: true });
  }
  await ctx.progress({ step: 'submit' });
  const webhooks = providerNamed(state.provider, ctx.deps.descriptors)?.acceptsWebhooks ?? false;
  const result = await provider.submit({
    route: ctx.route(state.provider),
    request: ctx.data.request,
    media: state.staged,
    ...(state.clientTaskId ? { clientTaskId: state.clientTaskId } : {}),
    ...(ctx.deps.webhookBase && ctx.deps.webhookSecret && webhooks
      ? {
          webhookUrl: `${ctx.deps.webhookBase}${hintPath(ctx.deps.webhookSecret, state.provider, ctx.jobId)}`,
        }
      : {}),
  });
  // The one Redis write between the provider's answer and a durable task id.
  await ctx.save(afterStatus(result.status, polling(state, result.taskId, ctx.now())));
  await quietly(markInFlight(ctx.deps.redis, ctx.deps.queues.prefix, state.provider, ctx.jobId, ctx.now()));
  ctx.log.info({ provider: state.provider, taskId: result.taskId }, 'submitted');
}

const polling = (state: StateOf<'submit'>, taskId: string, submittedAt: number): StateOf<'poll'> => ({
  step: 'poll',
  excluded: state.excluded,
  provider: state.provider,
  taskId,
  submittedAt,
});

/** The next state after a provider reported a task's status, at submit or poll. */
export function afterStatus(status: TaskStatus, polled: StateOf<'poll'>): GenerateState {
  const base = { provider: polled.provider, taskId: polled.taskId, submittedAt: polled.submittedAt };
  if (status.state === 'succeeded') {
    return { step: 'handover', ...base, result: { kind: 'clip', videoUrl: status.videoUrl } };
  }
  if (status.state === 'failed') {
    return {
      step: 'handover',
      ...base,
      result: { kind: 'failed', error: userErrorForProvider(status.error) },
    };
  }
  return polled;
}

/** Whether a task with our own id exists at the provider. */
export async function taskExists(provider: VideoProvider, taskId: string): Promise<boolean> {
  try {
    await provider.check(taskId);
    return true;
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'not-found') return false;
    throw error;
  }
}
