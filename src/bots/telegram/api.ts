import { autoRetry } from '@grammyjs/auto-retry';
import { apiThrottler, BottleneckStrategy } from '@grammyjs/transformer-throttler';
import { Api, GrammyError, HttpError } from 'grammy';
import { scrub } from '../../log.js';

/** Bottleneck settings of the outgoing-call throttler (see @grammyjs/transformer-throttler). */
export type ThrottlerOptions = NonNullable<Parameters<typeof apiThrottler>[0]>;

/**
 * Most calls that may wait in one chat's queue of the throttler, and in its global queue (calls
 * bound for all chats, once their chat lets them go). Past either, a new call fails at once.
 */
export interface QueueBounds {
  chat: number;
  global: number;
}

/** Per chat, 50 calls are a minute of waiting at Telegram's pace for a private chat; 1,000 globally, half a minute. */
export const QUEUE_BOUNDS: QueueBounds = { chat: 50, global: 1_000 };

/** The throttler's own defaults (Telegram's limits): an option given replaces its default whole. */
const THROTTLER_DEFAULTS: Required<ThrottlerOptions> = {
  global: { reservoir: 30, reservoirRefreshAmount: 30, reservoirRefreshInterval: 1_000 },
  group: {
    maxConcurrent: 1,
    minTime: 1_000,
    reservoir: 20,
    reservoirRefreshAmount: 20,
    reservoirRefreshInterval: 60_000,
  },
  out: { maxConcurrent: 1, minTime: 1_000 },
};

/** A call the throttler refused because too many wait already: the caller's usual error path takes it. */
export class TelegramQueueFullError extends Error {
  constructor(method: string) {
    super(`${method}: too many Telegram calls waiting; this one was dropped`);
    this.name = 'TelegramQueueFullError';
  }
}

/** The throttler's settings with their queues bounded: a flood cannot queue calls without limit. */
function bounded(throttle: ThrottlerOptions, bounds: QueueBounds): ThrottlerOptions {
  const cap = (limits: ThrottlerOptions['global'], highWater: number) => ({
    highWater,
    strategy: BottleneckStrategy.OVERFLOW,
    ...limits,
  });
  return {
    global: cap(throttle.global ?? THROTTLER_DEFAULTS.global, bounds.global),
    group: cap(throttle.group ?? THROTTLER_DEFAULTS.group, bounds.chat),
    out: cap(throttle.out ?? THROTTLER_DEFAULTS.out, bounds.chat),
  };
}

/** Bottleneck's rejection of a job it dropped (its error class is not exported to us). */
const isDropped = (error: unknown): boolean =>
  error instanceof Error &&
  error.constructor.name === 'BottleneckError' &&
  /dropped by Bottleneck/.test(error.message);

export interface TelegramApiOptions {
  token: string;
  /** The Bot API root, `TELEGRAM_API_URL` (no trailing slash). */
  apiRoot: string;
  /** Overrides of the throttler's limits; the defaults follow Telegram's (1/s per chat, 20/min per group, 30/s). */
  throttle?: ThrottlerOptions;
  /** Longest `retry_after` we wait out in place; a longer one fails the call (the job retries later). */
  maxRetryAfterSeconds?: number;
  /** How many calls may wait in the throttler's queues. Default `QUEUE_BOUNDS`. */
  queueBounds?: Partial<QueueBounds>;
}

/**
 * A Bot API client with the two transformers every call needs: a throttler that keeps us inside
 * Telegram's rate limits, and auto-retry that honours a 429's `retry_after` (and retries 5xx a few
 * times). Network errors are not retried in place: the caller (a BullMQ job, a handler) decides.
 * The throttler's queues are bounded (`QUEUE_BOUNDS`): past them a call fails at once with
 * `TelegramQueueFullError` (a delivery's job retries later; a status edit waits for its next turn).
 * Both the bot and the workers build one; it carries the token, so it never leaves the process.
 */
export function createTelegramApi(options: TelegramApiOptions): Api {
  return installTransformers(new Api(options.token, { apiRoot: options.apiRoot }), options);
}

/** Installs the throttler and auto-retry on an existing client (a `Bot`'s own `bot.api`). */
export function installTransformers(
  api: Api,
  options: Pick<TelegramApiOptions, 'throttle' | 'maxRetryAfterSeconds' | 'queueBounds'>,
): Api {
  const throttler = apiThrottler(
    bounded(options.throttle ?? {}, { ...QUEUE_BOUNDS, ...options.queueBounds }),
  );
  // Installed first, so it runs innermost: each retry of auto-retry queues through the throttler again.
  api.config.use(async (prev, method, payload, signal) => {
    try {
      return await throttler(prev, method, payload, signal);
    } catch (error) {
      throw isDropped(error) ? new TelegramQueueFullError(method) : error;
    }
  });
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
