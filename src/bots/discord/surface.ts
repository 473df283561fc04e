import { type REST, Routes } from 'discord.js';
import type { EditResult, StatusSurface } from '../../desk/follower.js';
import type { Logger } from '../../log.js';
import { describeDiscordError, INTERACTION_TOKEN_MS, isDeadToken } from './errors.js';
import { type DiscordMessageBody, factsOf, finalMessage, liveMessage } from './status.js';

/** A status message: a command's reply, edited through its interaction's token. */
export interface InteractionReply {
  applicationId: string;
  interactionToken: string;
  /** When the interaction was created (epoch ms): its token works until 15 min after. */
  interactionAt: number;
  channelId: string;
  messageId: string;
}

/** A status message's reply as its record keeps it; undefined when the handle is gone or malformed. */
function readHandle(record: {
  chatId: string;
  messageId: string;
  handle?: string;
}): InteractionReply | undefined {
  if (record.handle === undefined) return undefined;
  try {
    const h = JSON.parse(record.handle) as { app?: unknown; token?: unknown; at?: unknown };
    if (typeof h.app !== 'string' || typeof h.token !== 'string' || typeof h.at !== 'number')
      return undefined;
    return {
      applicationId: h.app,
      interactionToken: h.token,
      interactionAt: h.at,
      channelId: record.chatId,
      messageId: record.messageId,
    };
  } catch {
    return undefined;
  }
}

/** What the Discord status surface needs, and its pace. */
export interface DiscordSurfaceOptions {
  rest: REST;
  logger: Logger;
  /** Least time between two edits of one status message. Default 3 s. */
  intervalMs?: number;
  /** Least time between edits that change only the elapsed time. Default: the interval. */
  elapsedEveryMs?: number;
}

/**
 * How the desk's status follower shows a job on Discord: the command's reply, edited through the
 * interaction token (no bot-wide rate limit applies to it) while the token lives. The worker writes
 * the outcome itself (`delivery.ts`), so the follower only stops at the end (`showsFinal: false`);
 * `renderFinal` puts the outcome back when a live edit of ours raced the worker's.
 */
export function createDiscordSurface(
  o: DiscordSurfaceOptions,
): StatusSurface<InteractionReply, DiscordMessageBody> {
  const intervalMs = o.intervalMs ?? 3_000;
  return {
    intervalMs,
    elapsedEveryMs: o.elapsedEveryMs ?? intervalMs,
    showsFinal: false,
    recordOf: (ref) => ({ chatId: ref.channelId, messageId: ref.messageId }),
    // The token is a secret: it is kept in Redis (as the job's payload keeps it) only while it works.
    handleOf: (ref) => ({
      handle: JSON.stringify({ app: ref.applicationId, token: ref.interactionToken, at: ref.interactionAt }),
      expiresAt: ref.interactionAt + INTERACTION_TOKEN_MS,
    }),
    refOf: (record) => readHandle(record),
    editable: (ref, now) => now < ref.interactionAt + INTERACTION_TOKEN_MS,
    renderLive: liveMessage,
    renderFinal: (outcome, view) => finalMessage(outcome, factsOf(view), view.elapsedMs),
    async edit(ref, body): Promise<EditResult> {
      try {
        await o.rest.patch(Routes.webhookMessage(ref.applicationId, ref.interactionToken, '@original'), {
          auth: false,
          body,
        });
        return 'ok';
      } catch (error) {
        // Nothing more can be edited with this token; the worker posts the outcome in the channel.
        if (isDeadToken(error)) return 'gone';
        o.logger.warn({ err: describeDiscordError(error) }, 'discord status edit failed');
        return 'failed';
      }
    },
  };
}
