import type { UserError } from './errors.js';
import type { ImageSourceRef, Requester, ValidRequest } from './request.js';

/**
 * Fetches the bytes behind an image reference of one kind (`url`, `telegram`, `file`). The worker owns
 * this port; `main.ts` (or the command-line tool) plugs in one implementation per kind. An
 * implementation reads at most `maxBytes` and throws a `MediaError` (jobs/media.ts) when the source
 * is larger, missing or unreachable.
 */
export interface ImageSource {
  fetch(
    ref: ImageSourceRef,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<{ bytes: Uint8Array; contentType?: string }>;
}

/**
 * Where a finished clip, or the news that there is none, goes. Plain JSON: it travels in jobs.
 * `telegram`: the chat, the message that asked (the clip replies to it) and its forum topic, if any.
 * No token travels: the worker posts with its own bot token.
 */
export type DeliveryTarget =
  | { kind: 'file'; path: string }
  | { kind: 'telegram'; chatId: number; messageId: number; threadId?: number | undefined }
  | DiscordTarget;

/**
 * A Discord slash command's reply. The interaction token lets anyone post as the bot for 15 minutes:
 * it travels in the job because delivery needs it, and must never be logged.
 */
export interface DiscordTarget {
  kind: 'discord';
  applicationId: string;
  interactionToken: string;
  /** When the interaction was created (epoch ms): its token works until 15 min after. */
  interactionAt: number;
  channelId: string;
  guildId?: string | undefined;
  /** The requester, mentioned by a fallback channel message. */
  userId: string;
  /** The interaction's upload limit in bytes (`attachment_size_limit`). */
  attachmentSizeLimit: number;
  /** Whether the bot may post (with files) in the channel itself: the fallback when the token is dead. */
  canPostInChannel: boolean;
}

/** A finished clip on local disk, ready to post. */
export interface ClipFile {
  path: string;
  size: number;
  contentType: string;
  /** The provider's own URL for the clip (signed, short-lived): the fallback when a file is too big to post. */
  sourceUrl: string;
  /** Until when `sourceUrl` is expected to work (epoch ms), from the provider's documented lifetime. */
  sourceExpiresAt?: number;
}

export interface DeliveryContext {
  jobId: string;
  target: DeliveryTarget;
  requester: Requester;
  request: ValidRequest;
}

/**
 * Posts results back where the request came from. One implementation per target kind, plugged in by
 * the composition root; the deliver job calls it at most once per outcome and retries it on error.
 * Implementations must be safe to call again after a crash mid-call (a retried delivery).
 */
export interface ChatDelivery {
  deliverClip(ctx: DeliveryContext, clip: ClipFile): Promise<void>;
  deliverFailure(ctx: DeliveryContext, error: UserError): Promise<void>;
}
