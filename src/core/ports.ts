import { z } from 'zod';
import type { UserError } from './errors.js';
import type { MediaSourceRef, Requester, ValidRequest } from './request.js';

/**
 * Fetches the bytes behind a media reference of one kind (`url`, `file`, or a chat platform's own).
 * The worker owns this port; the composition root plugs in one implementation per kind. An
 * implementation reads at most `maxBytes` and throws a `MediaError` (jobs/media.ts) when the source
 * is larger, missing or unreachable.
 */
export interface MediaSource {
  fetch(
    ref: MediaSourceRef,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<{ bytes: Uint8Array; contentType?: string }>;
  /**
   * Whether the inputs can still be fetched, asked before a clip is made again from them. Answers,
   * in order, a reference to use now (the same, or a fresh one where the platform re-signs its
   * links) or `undefined` when the input is gone for good. A source without it is taken as lasting.
   */
  refresh?(refs: readonly MediaSourceRef[]): Promise<(MediaSourceRef | undefined)[]>;
}

/** Media sources by kind. */
export type MediaSources = Readonly<Record<string, MediaSource>>;

/**
 * Where a finished clip, or the news that there is none, goes: a platform by its adapter's name and
 * that adapter's own data (a chat and a message; an interaction to answer). Plain JSON: it travels in
 * jobs. Core and jobs never look inside `data`; the platform's delivery parses it with its own schema.
 * It may carry a short-lived credential (an interaction token), so it is never logged.
 */
export const deliveryTargetSchema = z.object({
  platform: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});
export type DeliveryTarget = z.infer<typeof deliveryTargetSchema>;

/** A finished clip on local disk, ready to post. */
export interface ClipFile {
  path: string;
  size: number;
  contentType: string;
  /** The provider's own URL for the clip (signed, short-lived): the fallback when a file is too big to post. */
  sourceUrl: string;
  /** Until when `sourceUrl` is expected to work (epoch ms), from the provider's documented lifetime. */
  sourceExpiresAt?: number;
  /** What ffprobe says of the file (absent without ffmpeg): platforms show the length and shape. */
  video?: { durationS: number; width: number; height: number; codec: string };
  /** A JPEG frame of the clip, for platforms that take a thumbnail (absent without ffmpeg). */
  thumbnailPath?: string;
  /** The provider's clip was transcoded to fit the target's upload limit; its size before. */
  compressedFrom?: number;
}

export interface DeliveryContext {
  jobId: string;
  target: DeliveryTarget;
  requester: Requester;
  request: ValidRequest;
}

/**
 * Why a job ended without a clip, for the person: the reason, and whether its quota unit was given
 * back (only when the provider did not charge us: before it accepted the task, or when it reported
 * the task failed).
 */
export interface Failure {
  error: UserError;
  refunded: boolean;
}

/**
 * Posts results back where the request came from. One implementation per platform, plugged in by
 * the composition root; the deliver job calls it at most once per outcome and retries it on error.
 * Implementations must be safe to call again after a crash mid-call (a retried delivery).
 */
export interface ChatDelivery {
  /**
   * The most bytes a clip may have to be uploaded to this target. A larger clip is compressed to fit
   * first (with ffmpeg), or, when nothing fits, handed over as it is for the delivery to post as a link.
   */
  uploadLimit?(ctx: DeliveryContext): number;
  deliverClip(ctx: DeliveryContext, clip: ClipFile): Promise<void>;
  deliverFailure(ctx: DeliveryContext, failure: Failure): Promise<void>;
}
