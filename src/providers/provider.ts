import type { Route } from '../core/catalog.js';
import type { ValidRequest } from '../core/request.js';
import type { ProviderError } from './errors.js';
import type { Fetch } from './http.js';

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
  /** The route of the request's model that this provider serves; its `params` are the provider's. */
  route: Route;
  request: ValidRequest;
  media: StagedMedia;
  /**
   * Our own id for the task, for providers with {@link VideoProvider.clientTaskIds}. The worker saves
   * it in the job before calling `submit`, so a submit cut short by a crash can be looked up.
   */
  clientTaskId?: string;
  /** Where the provider may POST a completion hint, when we have a public URL and it takes one. */
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
  readonly name: string;
  /** True when `submit` takes our own task id (Runware's `taskUUID`); see {@link SubmitInput.clientTaskId}. */
  readonly clientTaskIds: boolean;
  /** Puts one file where the provider can read it; returns the handle to put in the task body. */
  stageMedia(media: Media, options?: CallOptions): Promise<string>;
  /** Starts a task. */
  submit(input: SubmitInput, options?: CallOptions): Promise<SubmitResult>;
  /** Asks where a task stands. Throws a `not-found` ProviderError for an unknown task id. */
  check(taskId: string, options?: CallOptions): Promise<TaskStatus>;
}

/** How to reach a provider: its key and base URL from the environment, and test overrides. */
export interface ProviderConnection {
  apiKey: string;
  /** The base URL, as the provider's descriptor documents it. */
  baseUrl: string;
  fetch?: Fetch;
  /** Per-call time limit of its submits and queries. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Per-call limit of an upload (a video can be 50 MB). Default {@link DEFAULT_UPLOAD_TIMEOUT_MS}. */
  uploadTimeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 120_000;

/**
 * Everything the rest of the service knows about one provider, said once, in the provider's own
 * folder, and listed in `registry.ts`: its name, its settings, how to check its routes in the
 * catalog, how long its result links live, whether it takes webhooks, and how to build a client.
 */
export interface ProviderDescriptor {
  /** The name routes and jobs use (`runninghub`); lowercase letters and digits. */
  readonly name: string;
  /** As people write it (`RunningHub`). */
  readonly label: string;
  /** Its environment variables: the key, and the base URL with its default. */
  readonly env: { apiKey: string; apiUrl: string; defaultApiUrl: string; urlMeaning: string };
  /** Problems with a catalog route of this provider (its `params` and `modes`); empty when it is good. */
  checkRoute(route: Route): string[];
  /**
   * Whether the route sends a request's `multiShot` on every endpoint but motion control (which
   * validation refuses it for). Absent: never; a model taking several shots can't use the route.
   */
  sendsMultiShot?(route: Route): boolean;
  /**
   * How long a result URL keeps working after the clip is ready, as documented; a shade under, to
   * be safe. A clip too big to upload is posted as this link, saying when it expires.
   */
  readonly resultUrlLifetimeMs: number;
  /**
   * Whether its tasks take a URL to POST a completion hint to. A hint only wakes the job's next
   * poll early (`POST /webhooks/{name}/{jobId}`): the provider's query stays the source of truth.
   */
  readonly acceptsWebhooks: boolean;
  create(connection: ProviderConnection): VideoProvider;
}
