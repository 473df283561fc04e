import type { ProviderName, Route } from '../core/catalog.js';
import type { ValidRequest } from '../core/request.js';
import type { ProviderError } from './errors.js';

/** Bytes of one input file, already downloaded and checked by the worker. */
export interface Media {
  bytes: Uint8Array;
  /** `image/jpeg`, `image/png`, `video/mp4`. */
  contentType: string;
  filename: string;
}

/**
 * Provider handles for the staged inputs: whatever the provider reads in its body (an upload URL, an
 * uploaded image's UUID).
 */
export interface StagedMedia {
  first?: string | undefined;
  last?: string | undefined;
  references?: string[] | undefined;
  video?: string | undefined;
}

export interface SubmitInput {
  /** The route of the request's model that this provider serves. */
  route: Route;
  request: ValidRequest;
  media: StagedMedia;
  /**
   * Our own id for the task, for providers with {@link VideoProvider.clientTaskIds}. The worker saves
   * it in the job before calling `submit`, so a submit cut short by a crash can be looked up.
   */
  clientTaskId?: string;
  /** Where the provider may POST a completion hint, when we have a public URL. */
  webhookUrl?: string;
}

/** Where a task stands at the provider. */
export type TaskStatus =
  /** `progress` is a percentage, 0–100, when the provider reports one. */
  | { state: 'pending'; phase: 'queued' | 'running'; progress?: number }
  | { state: 'succeeded'; videoUrl: string; cost?: number }
  | { state: 'failed'; error: ProviderError };

export interface SubmitResult {
  taskId: string;
  /** A submit may already answer with the finished clip. */
  status: TaskStatus;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * A video API, reduced to what the worker needs. Every method throws a `ProviderError` whose kind
 * says what to do next; `check` reports a task's own failure as a `failed` status instead.
 */
export interface VideoProvider {
  readonly name: ProviderName;
  /** True when `submit` takes our own task id (Runware's `taskUUID`); see {@link SubmitInput.clientTaskId}. */
  readonly clientTaskIds: boolean;
  /** Puts one file where the provider can read it; returns the handle to put in the task body. */
  stageMedia(media: Media, options?: CallOptions): Promise<string>;
  /** Starts a task. */
  submit(input: SubmitInput, options?: CallOptions): Promise<SubmitResult>;
  /** Asks where a task stands. Throws a `not-found` ProviderError for an unknown task id. */
  check(taskId: string, options?: CallOptions): Promise<TaskStatus>;
}

/**
 * How long a provider's result URL keeps working after the clip is ready, as documented (see
 * ../shared/reference/providers.md): RunningHub about a day, Runware seven days. A shade under, to be safe.
 */
export const RESULT_URL_LIFETIME_MS: Record<'runninghub' | 'runware', number> = {
  runninghub: 23 * 3_600_000,
  runware: 7 * 24 * 3_600_000 - 3_600_000,
};
