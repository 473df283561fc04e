import type { Api } from 'grammy';
import type { Message } from 'grammy/types';
import type { Accepted } from '../../desk/desk.js';
import type { StatusFollower } from '../../desk/follower.js';
import type { Logger } from '../../log.js';
import { replyExtra } from './api.js';
import type { TelegramTarget } from './platform.js';
import { type Button, liveBody, type MessageBody, markupOf, type StatusRef } from './status.js';

/** The follower of this bot's status messages. */
export type TelegramFollower = StatusFollower<StatusRef, MessageBody>;

/** How the bot answers: a reply in place, and the status of a request it took. */
export interface Replies {
  /** Replies to a message (in its topic), even if it was deleted meanwhile; plain text, no preview. */
  reply(to: TelegramTarget, text: string, buttons?: Button[][]): Promise<Message>;
  /**
   * Posts the first status of a request the desk took, as a reply to `to`, and follows it.
   * `images`: how many images the request had (its outcome names them).
   */
  queued(to: TelegramTarget, accepted: Accepted, images: number): Promise<void>;
}

export function createReplies(api: Api, follower: TelegramFollower, logger: Logger): Replies {
  const reply: Replies['reply'] = (to, text, buttons = []) =>
    api.sendMessage(to.chatId, text, {
      ...replyExtra(to),
      ...markupOf(buttons),
      link_preview_options: { is_disabled: true },
    });
  return {
    reply,
    async queued(to, accepted, images) {
      const body = liveBody(accepted.view);
      const status = await reply(to, body.text, body.buttons);
      await follower.follow(
        accepted.jobId,
        { chatId: to.chatId, messageId: status.message_id, images },
        body,
      );
      const { model, mode } = accepted.request;
      logger.info({ jobId: accepted.jobId, chat: to.chatId, model, mode }, 'telegram request queued');
    },
  };
}
