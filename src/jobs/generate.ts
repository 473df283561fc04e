import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CATALOG,
  candidateRoutes,
  findModel,
  type ModelSpec,
  type ProviderName,
  type Route,
} from '../core/catalog.js';
import { type UserError, userError } from '../core/errors.js';
import { userKey } from '../core/request.js';
import { type Logger, scrub } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { StagedMedia, TaskStatus, VideoProvider } from '../providers/types.js';
import { type ImageSources, loadImage, loadVideo, MediaError } from './media.js';
import {
  cancelKey,
  DELIVER_JOB_OPTIONS,
  type DeliverPayload,
  deliverJobId,
  type GeneratePayload,
  type GenerateState,
  generatePayloadSchema,
  type Queues,
} from './queues.js';
import type { Quota } from './quota.js';

export interface GenerateDeps {
  providers: ReadonlyMap<ProviderName, VideoProvider>;
  imageSources: ImageSources;
  quota: Pick<Quota, 'commit' | 'refund'>;
  queues: Queues;
  /** For the cancel flags. */
  redis: Redis;
  pollIntervalMs: number;
  logger: Logger;
  catalog?: readonly ModelSpec[];
  /** When set, providers are told to POST completion hints to `${webhookBase}/…`. */
  webhookBase?: string;
  now?: () => number;
}

/** What a generate job returns when the clip is handed to delivery. */
export interface GenerateResult {
  provider: ProviderName;
  taskId: string;
  videoUrl: string;
}

/** Progress reported with `job.updateProgress`, for status messages. */
export interface GenerateProgress {
  step: GenerateState['step'];
  phase?: 'queued' | 'running';
  percent?: number;
}

/** Wait after a 429 that named no Retry-After. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 15_000;

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

const userErrorForProvider = (e: ProviderError): UserError => {
  switch (e.kind) {
    case 'content-rejected':
      return userError('content-rejected');
    case 'account':
      return userError('provider-account');
    case 'bad-request':
      return userError('provider-rejected-request');
    case 'transient':
    case 'rate-limited':
      return userError('provider-unavailable');
    default:
      return userError('generation-failed');
  }
};

/**
 * The `generate` job processor: prepare → submit → poll → handover, one step at a time, with the
 * job's state saved after each so any worker can carry on after a crash:
 * - prepare: download each input, check its real bytes, stage it at the chosen provider;
 * - submit: start the task; its id is saved in the same Redis write that follows the answer
 *   (Runware: our own id is saved before, and a resumed submit asks for it first);
 * - poll: ask the provider; if still running, `moveToDelayed` (the job holds no worker slot while
 *   it waits);
 * - handover: queue the deliver job (one per generate job) and commit the quota unit.
 * Transient errors throw (BullMQ retries with backoff); a rate limit delays without counting as a
 * failure; permanent errors refund the quota, queue the failure notice, and fail at once.
 */
export function createGenerateProcessor(deps: GenerateDeps) {
  const now = deps.now ?? Date.now;
  const catalog = deps.catalog ?? CATALOG;
  const configured = new Set(deps.providers.keys());

  return async function processGenerate(job: Job, token?: string): Promise<GenerateResult | undefined> {
    const parsed = generatePayloadSchema.safeParse(job.data);
    if (!parsed.success) {
      deps.logger.error({ jobId: job.id, issues: parsed.error.issues.length }, 'malformed generate payload');
      throw new UnrecoverableError('malformed generate payload');
    }
    const jobId = job.id as string;
    let data: GeneratePayload = parsed.data;
    const log = deps.logger.child({ jobId, model: data.request.model });

    const save = async (patch: Partial<GenerateState>): Promise<void> => {
      data = { ...data, state: { ...data.state, ...patch } };
      await job.updateData(data);
    };

    /** Waits without holding a worker slot, never past the deadline. */
    const delay = async (ms: number): Promise<never> => {
      const at = Math.min(now() + ms, data.deadlineAt + 1);
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    };

    /** Ends the job for good: refund, tell the user, fail without retry. Safe to repeat. */
    const fail = async (error: UserError, cause?: unknown): Promise<never> => {
      log.warn(
        { error: error.id, cause: cause instanceof Error ? scrub(cause.message) : undefined },
        'generation failed',
      );
      await finalizeFailure(deps, jobId, data, error);
      await save({ step: 'done', error });
      throw new UnrecoverableError(error.id);
    };

    const routeFor = (provider: ProviderName): Route => {
      const model = findModel(data.request.model, catalog);
      const route = model?.routes.find((r) => r.provider === provider);
      if (!route) throw new UnrecoverableError(`no ${provider} route for ${data.request.model}`);
      return route;
    };

    const providerFor = (name: ProviderName): VideoProvider => {
      const provider = deps.providers.get(name);
      if (!provider) throw new UnrecoverableError(`provider ${name} is not configured on this worker`);
      return provider;
    };

    const progress = (p: GenerateProgress) => job.updateProgress(p as unknown as object);

    try {
      if (data.state.step === 'done') return undefined;
      if (data.state.step !== 'handover') {
        if ((await deps.redis.exists(cancelKey(deps.queues.prefix, jobId))) === 1) {
          return await fail(userError('cancelled'));
        }
        if (now() > data.deadlineAt) return await fail(userError('timeout'));
      }

      for (;;) {
        const state = data.state;
        switch (state.step) {
          case 'prepare': {
            const model = findModel(data.request.model, catalog);
            if (!model)
              return await fail(userError('unknown-model', { model: data.request.model, allowed: [] }));
            const routes = candidateRoutes(model, data.request.mode, configured).filter(
              (r) => !state.excluded.includes(r.provider),
            );
            const route = routes[0];
            if (!route) {
              return await fail(
                state.excluded.length > 0
                  ? userError('provider-account')
                  : userError('no-provider', { model: model.id }),
              );
            }
            await progress({ step: 'prepare' });
            const provider = providerFor(route.provider);
            const { images } = data.request;
            const staged: StagedMedia = {};
            if (images.first) {
              staged.first = await provider.stageMedia(
                await loadImage(images.first, model.images, 'first_frame', deps.imageSources),
              );
            }
            if (images.last) {
              staged.last = await provider.stageMedia(
                await loadImage(images.last, model.images, 'last_frame', deps.imageSources),
              );
            }
            if (images.references) {
              const refs: string[] = [];
              for (const [i, ref] of images.references.entries()) {
                refs.push(
                  await provider.stageMedia(
                    await loadImage(ref, model.images, `image${i + 1}`, deps.imageSources),
                  ),
                );
              }
              staged.references = refs;
            }
            if (images.video && model.referenceVideo) {
              staged.video = await provider.stageMedia(
                await loadVideo(images.video, model.referenceVideo, deps.imageSources),
              );
            }
            const next: Partial<GenerateState> = {
              step: 'submit',
              provider: route.provider,
              staged,
              submitStarted: false,
            };
            if (provider.clientTaskIds) next.clientTaskId = randomUUID();
            await save(next);
            break;
          }

          case 'submit': {
            const name = state.provider as ProviderName;
            const provider = providerFor(name);
            if (provider.clientTaskIds && state.clientTaskId && state.submitStarted) {
              // A submit was under way when the last worker stopped: the task may exist already.
              const existing = await lookup(provider, state.clientTaskId);
              if (existing) {
                log.info({ provider: name }, 'resumed: task found at the provider, not submitting again');
                await save({ step: 'poll', taskId: state.clientTaskId, submittedAt: now() });
                break;
              }
            } else if (provider.clientTaskIds) {
              await save({ submitStarted: true });
            }
            await progress({ step: 'submit' });
            const input = {
              route: routeFor(name),
              request: data.request,
              media: state.staged ?? {},
              ...(state.clientTaskId ? { clientTaskId: state.clientTaskId } : {}),
              ...(deps.webhookBase ? { webhookUrl: `${deps.webhookBase}/webhooks/${name}/${jobId}` } : {}),
            };
            const result = await provider.submit(input);
            // The one Redis write between the provider's answer and a durable task id.
            await save(afterStatus(result.status, { taskId: result.taskId, submittedAt: now() }));
            log.info({ provider: name, taskId: result.taskId }, 'submitted');
            break;
          }

          case 'poll': {
            const provider = providerFor(state.provider as ProviderName);
            const status = await provider.check(state.taskId as string);
            if (status.state === 'pending') {
              const latest: GenerateProgress = {
                step: 'poll',
                phase: status.phase,
                ...(status.progress === undefined ? {} : { percent: status.progress }),
              };
              const shown = job.progress as Partial<GenerateProgress> | undefined;
              // A write only when something a status message would show has changed.
              if (
                shown?.step !== latest.step ||
                shown.phase !== latest.phase ||
                shown.percent !== latest.percent
              ) {
                await progress(latest);
              }
              const elapsed = state.submittedAt === undefined ? undefined : now() - state.submittedAt;
              // Past the deadline, delay() wakes the job at the deadline and the entry check fails it.
              return await delay(nextPollDelay(deps.pollIntervalMs, status.progress, elapsed));
            }
            await save(afterStatus(status, {}));
            break;
          }

          case 'handover': {
            const videoUrl = state.videoUrl;
            if (state.error || !videoUrl)
              return await fail((state.error as UserError) ?? userError('generation-failed'));
            await queueOutcome(deps, jobId, data, {
              kind: 'clip',
              videoUrl,
              provider: state.provider as ProviderName,
            });
            if (data.charged) await deps.quota.commit(userKey(data.requester), jobId);
            await save({ step: 'done' });
            await progress({ step: 'done', percent: 100 });
            log.info({ provider: state.provider }, 'clip ready, handed to delivery');
            return { provider: state.provider as ProviderName, taskId: state.taskId as string, videoUrl };
          }

          case 'done':
            return undefined;
        }
      }
    } catch (error) {
      if (
        error instanceof DelayedError ||
        error instanceof WaitingError ||
        error instanceof UnrecoverableError
      ) {
        throw error;
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (error instanceof ProviderError) {
        if (error.kind === 'rate-limited') {
          log.info({ provider: error.provider, retryAfterMs: error.retryAfterMs }, 'rate limited, waiting');
          if (now() > data.deadlineAt) return await fail(userError('timeout'), error);
          return await delay(error.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS);
        }
        if (error.kind === 'transient') {
          if (lastAttempt) return await fail(userError('provider-unavailable'), error);
          log.warn(
            { provider: error.provider, step: data.state.step, err: scrub(error.message) },
            'transient error, will retry',
          );
          throw error;
        }
        if (error.kind === 'account' && (data.state.step === 'prepare' || data.state.step === 'submit')) {
          // Nothing was started with this provider: try the next configured route, if any.
          log.error({ provider: error.provider, code: error.code }, 'provider refused our account');
          data = { ...data, state: { step: 'prepare', excluded: [...data.state.excluded, error.provider] } };
          await job.updateData(data);
          return await processGenerate(job, token);
        }
        if (error.kind === 'not-found' && data.state.step === 'poll') {
          return await fail(userError('generation-failed'), error);
        }
        return await fail(userErrorForProvider(error), error);
      }
      if (error instanceof MediaError) {
        if (error.retryable && !lastAttempt) throw error;
        return await fail(error.userError, error);
      }
      if (lastAttempt) return await fail(userError('internal'), error);
      log.error(
        { err: scrub(error instanceof Error ? error.message : String(error)) },
        'unexpected error, will retry',
      );
      throw error;
    }
  };
}

/** Next state after a provider reported a task's status at submit or poll. */
function afterStatus(status: TaskStatus, patch: Partial<GenerateState>): Partial<GenerateState> {
  if (status.state === 'succeeded') return { ...patch, step: 'handover', videoUrl: status.videoUrl };
  if (status.state === 'failed')
    return { ...patch, step: 'handover', error: userErrorForProvider(status.error) };
  return { ...patch, step: 'poll' };
}

/** Whether a task with our own id exists at the provider. */
async function lookup(provider: VideoProvider, taskId: string): Promise<boolean> {
  try {
    await provider.check(taskId);
    return true;
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'not-found') return false;
    throw error;
  }
}

/**
 * Refunds the job's quota unit and queues the failure notice. Idempotent: the refund is a no-op the
 * second time and the deliver job id is fixed. Also called from the worker's `failed` event, so a
 * job BullMQ itself gives up on (stalled too often) still refunds and answers.
 */
export async function finalizeFailure(
  deps: Pick<GenerateDeps, 'quota' | 'queues'> & { now?: () => number },
  jobId: string,
  data: GeneratePayload,
  error: UserError,
): Promise<void> {
  if (data.charged) await deps.quota.refund(userKey(data.requester), jobId);
  await queueOutcome(deps, jobId, data, { kind: 'failure', error });
}

/**
 * Queues the deliver job of one generate job's outcome. Its id is fixed per generate job, so an
 * outcome is queued once however often this runs.
 */
async function queueOutcome(
  deps: Pick<GenerateDeps, 'queues'> & { now?: () => number },
  jobId: string,
  data: GeneratePayload,
  outcome: DeliverPayload['outcome'],
): Promise<void> {
  const payload: DeliverPayload = {
    v: 1,
    generateJobId: jobId,
    request: data.request,
    requester: data.requester,
    target: data.target,
    outcome,
    readyAt: (deps.now ?? Date.now)(),
  };
  await deps.queues.deliver.add('deliver', payload, { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(jobId) });
}
