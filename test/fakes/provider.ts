import type { FakeServer } from './server.js';

/** An input file as a provider fake received it (an upload, or an inline data URI). */
export interface ReceivedMedia {
  bytes: Buffer;
  contentType?: string;
  filename?: string;
  /** The handle the fake gave back for it (a download URL, an image UUID). */
  handle: string;
}

/**
 * What both provider fakes (RunningHub's, Runware's) offer a test, so the shared contract suite and
 * the pipeline tests drive either one the same way. Each fake also exposes `server` for recording,
 * fault injection and holds (see `FakeServer`).
 */
export interface ProviderFake {
  readonly server: FakeServer;
  /** Base to configure as `RUNNINGHUB_API_URL` / `RUNWARE_API_URL`. */
  readonly baseUrl: string;
  /** The key it accepts; any other Bearer value is a bad key. */
  readonly apiKey: string;
  /** The MP4 it serves as every task's result. */
  readonly video: Buffer;
  /**
   * How a task advances: each status query moves it one step, QUEUED → RUNNING (with progress) →
   * SUCCESS after this many queries. Default 3.
   */
  pollsToComplete: number;
  /**
   * When set, a task succeeds this many milliseconds after submit instead (the benchmark's 20 s
   * clip); queries before then answer RUNNING with progress by elapsed time.
   */
  generationMs: number | undefined;
  /** How many generation tasks were submitted (accepted or not). */
  submitCount(): number;
  /** The JSON body of every accepted submit, in order (Runware: the task object, not the array). */
  submitted(): Record<string, unknown>[];
  /** Every input file received, in order. */
  media(): ReceivedMedia[];
  /** Where a finished task's clip is served (requests to it are recorded with kind `download`). */
  videoUrlFor(taskId: string): string;
  close(): Promise<void>;
}
