import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { Api, GrammyError, HttpError } from 'grammy';
import { scrub } from '../../log.js';

/** Bottleneck settings of the outgoing-call throttler (see @grammyjs/transformer-throttler). */
export type ThrottlerOptions = NonNullable<Parameters<typeof apiThrottler>[0]>;

export interface TelegramApiOptions {
  token: string;
  /** The Bot API root, `TELEGRAM_API_URL` (no trailing slash). */
  apiRoot: string;
  /** Overrides of the throttler's limits; the defaults follow Telegram's (1/s per chat, 20/min per group, 30/s). */
  throttle?: ThrottlerOptions;
  /** Longest `retry_after` we wait out in place; a longer one fails the call (the job retries later). */
  maxRetryAfterSeconds?: number;
}

/**
 * A Bot API client with the two transformers every call needs: a throttler that keeps us inside
 * Telegram's rate limits, and auto-retry that honours a 429's `retry_after` (and retries 5xx a few
 * times). Network errors are not retried in place: the caller (a BullMQ job, a handler) decides.
 * Both the bot and the workers build one; it carries the token, so it never leaves the process.
 */
export function createTelegramApi(options: TelegramApiOptions): Api {
  return installTransformers(new Api(options.token, { apiRoot: options.apiRoot }), options);
}

/** Installs the throttler and auto-retry on an existing client (a `Bot`'s own `bot.api`). */
export function installTransformers(
  api: Api,
  options: Pick<TelegramApiOptions, 'throttle' | 'maxRetryAfterSeconds'>,
): Api {
  // Installed first, so it runs innermost: each retry of auto-retry queues through the throttler again.
  api.config.use(apiThrottler(options.throttle ?? {}));
  api.config.use(
    autoRetry({
      maxRetryAttempts: 3,
      maxDelaySeconds: options.maxRetryAfterSeconds ?? 60,
      rethrowHttpErrors: true,
    }),
  );
  return api;
}

/** Telegram's answer when an edit would change nothing: harmless, and not worth a retry. */
export const isNotModified = (error: unknown): boolean =>
  error instanceof GrammyError && /message is not modified/i.test(error.description);

/** The message to edit is gone (deleted by a person or an admin). */
export const isMessageGone = (error: unknown): boolean =>
  error instanceof GrammyError &&
  /message to edit not found|message can't be edited|MESSAGE_ID_INVALID/i.test(error.description);

/**
 * Where a reply to a message goes: its forum topic, if any, and the message itself — or no reply
 * at all if it was deleted meanwhile (`allow_sending_without_reply`), so the answer still arrives.
 */
export const replyExtra = (chatMessage: { messageId: number; threadId?: number | undefined }) => ({
  ...(chatMessage.threadId ? { message_thread_id: chatMessage.threadId } : {}),
  reply_parameters: { message_id: chatMessage.messageId, allow_sending_without_reply: true },
});

/**
 * An API error as a log field: method, code and Telegram's description, and never the request URL
 * (a network error's message quotes it, token included).
 */
export function describeApiError(error: unknown, token: string): string {
  if (error instanceof GrammyError) return `${error.method}: ${error.error_code} ${error.description}`;
  if (error instanceof HttpError) return scrub(`network error: ${String(error.error)}`, [token]);
  return scrub(error instanceof Error ? error.message : String(error), [token]);
}
