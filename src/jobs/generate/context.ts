import { DelayedError, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RetiredModel } from '../../catalog/retired.js';
import { findModel, type ModelSpec, type Route } from '../../core/catalog.js';
import type { MediaSources } from '../../core/ports.js';
import type { Logger } from '../../log.js';
import type { ProviderDescriptor, VideoProvider } from '../../providers/provider.js';
import type { Credits } from '../credits.js';
import type { MemoryBudget } from '../memory-budget.js';
import type { GeneratePayload, GenerateProgress, GenerateState } from '../payloads.js';
import type { GenerateJob, Queues } from '../queues.js';

export interface GenerateDeps {
  /** The clients of the providers that have a key, by name. */
  providers: ReadonlyMap<string, VideoProvider>;
  /** What the registry says of each provider (webhooks, link lifetimes). */
  descriptors: readonly ProviderDescriptor[];
  sources: MediaSources;
  /** `IMAGE_MAX_PIXELS`: the most pixels of any image input; the default cap when absent. */
  imageMaxPixels?: number;
  credits: Pick<Credits, 'commit' | 'refund'>;
  queues: Queues;
  /** For the cancel flags. */
  redis: Redis;
  catalog: readonly ModelSpec[];
  /** Models taken out of the catalog: a job of one that has not started is told its replacement. */
  retired?: readonly RetiredModel[];
  pollIntervalMs: number;
  logger: Logger;
  /**
   * The worker's byte budget: room is asked for before each input is downloaded, and given back once
   * it is staged at the provider. Absent: not bounded.
   */
  memory?: MemoryBudget;
  /** When set, providers that take webhooks are told to POST completion hints to `${webhookBase}/…`. */
  webhookBase?: string;
  /** `WEBHOOK_SECRET`: signs each job's hint URL (http/hints.ts). Without it no hint URL is given. */
  webhookSecret?: string;
  now?: () => number;
}

/** What a step works with: the job, its payload as saved so far, and the ways to move it on. */
export interface StepContext {
  deps: GenerateDeps;
  job: GenerateJob;
  jobId: string;
  /** The payload as last saved. */
  readonly data: GeneratePayload;
  log: Logger;
  now(): number;
  /** Saves the next state: one Redis write, after which any worker carries on from it. */
  save(state: GenerateState): Promise<void>;
  /** Reports progress for status views (not saved state). */
  progress(p: GenerateProgress): Promise<void>;
  /** Waits without holding a worker slot, never past the deadline. */
  delay(ms: number): Promise<never>;
  /** The client of a configured provider. */
  provider(name: string): VideoProvider;
  /**
   * The route of the job's model at a provider: the one chosen at `prepare` where the job carries
   * it (so a model or route taken out of the catalog since does not stop it), else the catalog's.
   */
  route(provider: string): Route;
  /** The job's model, if the catalog still has it. */
  model(): ModelSpec | undefined;
}

export function createStepContext(
  deps: GenerateDeps,
  job: GenerateJob,
  token: string | undefined,
  initial: GeneratePayload,
): StepContext {
  const now = deps.now ?? Date.now;
  const jobId = job.id as string;
  let data = initial;
  const model = () => findModel(data.request.model, deps.catalog);
  return {
    deps,
    job,
    jobId,
    get data() {
      return data;
    },
    log: deps.logger.child({ jobId, model: initial.request.model }),
    now,
    async save(state) {
      data = { ...data, state };
      await job.updateData(data);
    },
    async progress(p) {
      await job.updateProgress(p as unknown as object);
    },
    async delay(ms) {
      const at = Math.min(now() + ms, data.deadlineAt + 1);
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    },
    provider(name) {
      const provider = deps.providers.get(name);
      if (!provider) throw new UnrecoverableError(`provider ${name} is not configured on this worker`);
      return provider;
    },
    route(provider) {
      const state = data.state;
      if (state.step === 'submit' && state.route?.provider === provider) return state.route;
      const route = model()?.routes.find((r) => r.provider === provider);
      if (!route) throw new UnrecoverableError(`no ${provider} route for ${data.request.model}`);
      return route;
    },
    model,
  };
}
