import { type Api, GrammyError } from 'grammy';
import type { CallbackQuery } from 'grammy/types';
import { messageFor } from '../../core/messages.js';
import { parseAction } from '../../desk/actions.js';
import { CANCEL_ANSWERS, REPLAY_ANSWERS } from '../../desk/content.js';
import type { Desk } from '../../desk/desk.js';
import { shorten } from '../../desk/format.js';
import type { HistoryEntry } from '../../jobs/credits.js';
import type { Logger } from '../../log.js';
import type { ChatAdmins } from './admins.js';
import { describeApiError, replyExtra } from './api.js';
import { cancelMessage } from './commands.js';
import { callerOf, deliveryTarget, requesterOf, targetAt, topicOf } from './platform.js';
import { cut } from './render.js';
import type { Replies } from './reply.js';
import { imagesOf, telegramWords } from './words.js';

/** Telegram's longest answer to a button press (a notice or an alert). */
const ANSWER_MAX = 200;

/** The answer to a button press: a short notice, or an alert the presser must dismiss. */
export interface ButtonAnswer {
  text?: string;
  show_alert?: boolean;
}

/** A clip posted again from `/history`: the start of its prompt, and its model. */
export const replayCaption = (entry: Pick<HistoryEntry, 'model' | 'prompt'>): string =>
  `“${shorten(entry.prompt, 200)}”\n${entry.model} · posted again from /history`;

/** What the button handler works with. */
export interface ButtonDeps {
  desk: Desk;
  replies: Replies;
  /** For posting a clip again from `/history`. */
  api: Pick<Api, 'sendVideo'>;
  admins: ChatAdmins;
  logger: Logger;
  /** For scrubbing error text. */
  token: string;
}

/**
 * What the bot does with a press of one of its buttons: Cancel (the status's, or one choice of
 * `/cancel`), "All of them", Again under a clip, and a clip of `/history`. Each is one desk call; its
 * answer is the text of the press's answer, or for Again, a new status message replying to the clip,
 * or for a clip of `/history`, the clip posted again.
 */
export function createButtonHandler(d: ButtonDeps) {
  const { desk, replies } = d;

  /** Where an answer to a press goes: a reply to the pressed message, in its topic. */
  const targetOfPress = (query: CallbackQuery) => {
    const at = query.message;
    if (!at) return undefined;
    const topic = 'is_topic_message' in at ? topicOf(at) : undefined;
    return { chat: at.chat, to: targetAt(at.chat.id, at.message_id, topic) };
  };

  /** Again: the same clip for whoever pressed, under their quota, replying to the clip message. */
  async function again(query: CallbackQuery, jobId: string): Promise<ButtonAnswer> {
    const where = targetOfPress(query);
    if (!where) return {};
    const { chat, to } = where;
    const caller = callerOf(query.from, chat, (chatId, userId) => d.admins.isAdmin(chatId, userId));
    const accepted = await desk.again(jobId, caller, deliveryTarget(to));
    if (!accepted.ok) {
      return { text: cut(messageFor(accepted.error, telegramWords()), ANSWER_MAX), show_alert: true };
    }
    await replies.queued(to, accepted.value, imagesOf(accepted.value.request));
    return {};
  }

  /**
   * A clip of `/history`, for the person who made it, while the provider's link lives: posted as a
   * video from its URL (Telegram fetches it), or as the link when Telegram refuses that URL.
   */
  async function replay(query: CallbackQuery, jobId: string): Promise<ButtonAnswer> {
    const result = await desk.replay(jobId, requesterOf(query.from));
    if (!result.ok) return { text: REPLAY_ANSWERS[result.reason], show_alert: result.reason !== 'busy' };
    const where = targetOfPress(query);
    if (!where) return {};
    const caption = replayCaption(result.entry);
    try {
      await d.api.sendVideo(where.to.chatId, result.url, {
        ...replyExtra(where.to),
        caption,
        supports_streaming: true,
      });
    } catch (error) {
      if (!(error instanceof GrammyError)) throw error;
      d.logger.info(
        { jobId, err: describeApiError(error, d.token) },
        'telegram refused the clip url: posting the link',
      );
      await replies.reply(where.to, `🎬 ${caption}\n\n${result.url}`);
    }
    return {};
  }

  return async function onButton(query: CallbackQuery & { data: string }): Promise<ButtonAnswer> {
    const action = parseAction(query.data);
    const requester = requesterOf(query.from);
    switch (action?.kind) {
      case 'cancel': {
        const outcome = await desk.cancel(action.jobId, requester);
        return { text: CANCEL_ANSWERS[outcome], show_alert: outcome === 'not-yours' };
      }
      case 'cancel-all':
        return { text: cut(cancelMessage(await desk.cancelAll(requester)).text, ANSWER_MAX) };
      case 'again':
        return again(query, action.jobId);
      case 'replay':
        return replay(query, action.jobId);
      default:
        return {};
    }
  };
}
