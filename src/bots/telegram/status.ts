import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Vocabulary } from '../../core/words.js';
import { actionId } from '../../desk/actions.js';
import { creditsText } from '../../desk/content.js';
import type { EditResult, StatusSurface } from '../../desk/follower.js';
import {
  clipFacts,
  type FinalOutcome,
  failureText,
  headline,
  outcomeTitle,
  PAID_NOTE,
  type StatusView,
  stopLabel,
  stoppable,
  timing,
} from '../../desk/status.js';
import type { Logger } from '../../log.js';
import { describeApiError, isMessageGone, isNotModified } from './api.js';
import { telegramWords } from './words.js';

/**
 * Status messages on Telegram: the bot posts "Queued — #N in line" when it takes a request, and the
 * desk's follower edits that one message as the job moves, through this surface: plain text and an
 * inline keyboard. One writer per message — the bot process that posted it, or the worker once that
 * process is gone (`delivery.ts`) — so the pace of edits and a 429's wait are kept by construction.
 */

/** A status message: where it is, and how many images its request had (to name them in a failure). */
export interface StatusRef {
  chatId: number;
  messageId: number;
  images: number;
}

/** An inline button: its label and the action it carries (`src/desk/actions.ts`). */
export interface Button {
  text: string;
  data: string;
}

/** A message as the bot sends it: text and rows of inline buttons. Plain JSON (the follower compares it). */
export interface MessageBody {
  text: string;
  buttons: Button[][];
}

/** The inline keyboard of a body, as `reply_markup` (none when it has no buttons). */
export const markupOf = (buttons: readonly Button[][]): { reply_markup?: InlineKeyboardMarkup } =>
  buttons.length === 0
    ? {}
    : {
        reply_markup: {
          inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
        },
      };

/** The clip a status is about, and what it costs. */
export type ClipCost = Pick<StatusView, 'model' | 'duration' | 'credits'>;

/** "kling-2.5-turbo-pro · 5s · 175 credits"; `given back` once a failure refunded them. */
export const costLine = (clip: ClipCost, givenBack = false): string =>
  `${clip.model} · ${clip.duration}s · ${creditsText(clip.credits)}${givenBack ? ' given back' : ''}`;

/**
 * A job on its way: the headline; model, length, cost and (once it started) elapsed time and ETA;
 * what a stop would cost once the provider has the task; and the stop button, labelled by that cost.
 */
export function liveBody(view: StatusView): MessageBody {
  const started = view.state === 'queued' ? '' : ` · ${timing(view)}`;
  const lines = [headline(view), `${costLine(view)}${started}`, ...(view.paid ? [PAID_NOTE] : [])];
  const stop = { text: stopLabel(view), data: actionId({ kind: 'cancel', jobId: view.jobId }) };
  return { text: lines.join('\n'), buttons: stoppable(view) ? [[stop]] : [] };
}

/**
 * How a job ended, for its status message (or the worker's own reply when there is none), and, when
 * the clip is known, its cost on the last line.
 */
export function finalText(
  outcome: FinalOutcome,
  words: Vocabulary,
  elapsedMs?: number,
  clip?: ClipCost,
): string {
  const title = outcomeTitle(outcome, elapsedMs);
  const cost = (givenBack: boolean) => (clip ? `\n${costLine(clip, givenBack)}` : '');
  switch (outcome.kind) {
    case 'clip':
      return [`${title}: your clip is below.`, ...clipFacts(outcome)].join('\n') + cost(false);
    case 'link':
      return `${title}: the clip is too big to upload here, so it is below as a link.${cost(false)}`;
    case 'failure':
      return `${title}.\n${failureText(outcome, words)}${cost(outcome.refunded)}`;
  }
}

/** One edit of a message. `gone`: deleted, nothing left to edit; an edit that changes nothing is fine. */
export async function editMessage(
  api: Api,
  at: { chatId: number; messageId: number },
  body: MessageBody,
  warn: (error: unknown) => void,
): Promise<EditResult> {
  try {
    await api.editMessageText(at.chatId, at.messageId, body.text, markupOf(body.buttons));
    return 'ok';
  } catch (error) {
    if (isNotModified(error)) return 'ok';
    if (isMessageGone(error)) return 'gone';
    warn(error);
    return 'failed';
  }
}

/** The client that edits status messages, and the pace of its edits. */
export interface TelegramSurfaceOptions {
  api: Api;
  logger: Logger;
  /** For scrubbing error text. */
  token: string;
  /** Least time between two edits of one status message. Default 5 s (Telegram's flood limits). */
  editIntervalMs?: number;
  /** Least time between edits that only move the elapsed time. Default 15 s. */
  elapsedEveryMs?: number;
}

/** The image count a status is worded for when its record does not say (as `telegramWords`' default). */
const DEFAULT_IMAGES = 2;

/** How the follower shows a status on Telegram. The bot shows outcomes itself (`showsFinal`). */
export function telegramSurface(o: TelegramSurfaceOptions): StatusSurface<StatusRef, MessageBody> {
  const intervalMs = o.editIntervalMs ?? 5_000;
  return {
    intervalMs,
    elapsedEveryMs: Math.max(intervalMs, o.elapsedEveryMs ?? 15_000),
    showsFinal: true,
    recordOf: (ref) => ({ chatId: String(ref.chatId), messageId: String(ref.messageId) }),
    handleOf: (ref) => ({ handle: String(ref.images) }),
    // A record kept before handles were (no image count) still names the message: the words'
    // default count then.
    refOf: (record) => {
      const ref = { chatId: Number(record.chatId), messageId: Number(record.messageId) };
      if (!Number.isSafeInteger(ref.chatId) || !Number.isSafeInteger(ref.messageId)) return undefined;
      const images = Number(record.handle);
      return { ...ref, images: Number.isSafeInteger(images) ? images : DEFAULT_IMAGES };
    },
    editable: () => true,
    renderLive: liveBody,
    renderFinal: (outcome, view, ref) => ({
      text: finalText(outcome, telegramWords(ref.images), view.elapsedMs, view),
      buttons: [],
    }),
    edit: (ref, body) =>
      editMessage(o.api, ref, body, (error) =>
        o.logger.warn(
          { chat: ref.chatId, err: describeApiError(error, o.token) },
          'telegram status edit failed',
        ),
      ),
  };
}
