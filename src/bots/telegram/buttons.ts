import type { CallbackQuery } from 'grammy/types';
import { messageFor } from '../../core/messages.js';
import { parseAction } from '../../desk/actions.js';
import { CANCEL_ANSWERS } from '../../desk/content.js';
import type { Desk } from '../../desk/desk.js';
import { cancelMessage } from './commands.js';
import { deliveryTarget, requesterOf, targetAt, topicOf } from './platform.js';
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

/**
 * What the bot does with a press of one of its buttons: Cancel (the status's, or one choice of
 * `/cancel`), "All of them", and Again under a clip. Each is one desk call; its answer is the text of
 * the press's answer, or for Again, a new status message replying to the clip.
 */
export function createButtonHandler(d: { desk: Desk; replies: Replies }) {
  const { desk, replies } = d;

  /** Again: the same clip for whoever pressed, under their quota, replying to the clip message. */
  async function again(query: CallbackQuery, jobId: string): Promise<ButtonAnswer> {
    const clip = query.message;
    if (!clip) return {};
    const topic = 'is_topic_message' in clip ? topicOf(clip) : undefined;
    const to = targetAt(clip.chat.id, clip.message_id, topic);
    const accepted = await desk.again(jobId, requesterOf(query.from), deliveryTarget(to));
    if (!accepted.ok) {
      return { text: cut(messageFor(accepted.error, telegramWords()), ANSWER_MAX), show_alert: true };
    }
    await replies.queued(to, accepted.value, imagesOf(accepted.value.request));
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
      default:
        return {};
    }
  };
}
