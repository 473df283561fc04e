import { type Api, InputFile } from 'grammy';
import type { UserError } from '../../core/errors.js';
import type { ChatDelivery, ClipFile, DeliveryContext, DeliveryTarget } from '../../core/ports.js';
import type { Logger } from '../../log.js';
import { type FinalOutcome, LINK_LIFETIME_TEXT } from '../shared.js';
import type { StatusRecord, StatusStore } from '../status-store.js';
import { describeApiError, isMessageGone, isNotModified, replyExtra } from './api.js';
import { finalText } from './status.js';

/** The Bot API's upload limit for bots: a larger clip goes as a link. */
export const TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024;
/** Telegram's caption limit, in characters. */
const CAPTION_MAX = 1024;

type TelegramTarget = Extract<DeliveryTarget, { kind: 'telegram' }>;

export interface TelegramDeliveryOptions {
  api: Api;
  store: StatusStore;
  logger: Logger;
  token: string;
  /** How long a failure waits for the bot to record its status message before answering itself. */
  attachWaitMs?: number;
  uploadLimit?: number;
}

/** The clip's caption: the prompt (shortened to fit), then model, length and who asked. */
export function captionFor(ctx: DeliveryContext): string {
  const { request, requester } = ctx;
  const who = requester.displayName ? ` · for ${requester.displayName}` : '';
  const tail = `\n${request.model} · ${request.duration}s${who}`;
  const room = CAPTION_MAX - tail.length - 2;
  const prompt = request.prompt.length > room ? `${request.prompt.slice(0, room - 1)}…` : request.prompt;
  return `“${prompt}”${tail}`;
}

const telegramTarget = (ctx: DeliveryContext): TelegramTarget => {
  if (ctx.target.kind !== 'telegram') throw new Error(`telegram delivery given a ${ctx.target.kind} target`);
  return ctx.target;
};

/**
 * The `telegram` delivery, run by the worker: the clip as a video replying to the request (a link when
 * it is over the upload limit), the outcome recorded for the bot's status message. Posting is guarded
 * by a once-only marker set after the post, so a retried delivery does not post twice — except after a
 * crash between Telegram's answer and that marker, which no Bot API call can rule out.
 */
export function createTelegramDelivery(options: TelegramDeliveryOptions): ChatDelivery {
  const { api, store, logger } = options;
  const uploadLimit = options.uploadLimit ?? TELEGRAM_UPLOAD_LIMIT;

  /**
   * Records the outcome for the bot that owns the status message. When that bot is gone (restarted,
   * crashed: its heartbeat lapsed), the worker edits the status message itself — one edit, nothing
   * else edits it now. True when the status message shows the outcome (or will, by its owner).
   */
  const finish = async (jobId: string, outcome: FinalOutcome, record?: StatusRecord): Promise<boolean> => {
    await store.setFinal(jobId, outcome);
    const status = record ?? (await store.read(jobId));
    if (status.messageId === undefined || status.chatId === undefined) return false;
    if (status.owner && (await store.isAlive(status.owner))) return true;
    try {
      await api.editMessageText(Number(status.chatId), Number(status.messageId), finalText(outcome));
      return true;
    } catch (error) {
      if (isNotModified(error)) return true;
      if (!isMessageGone(error)) {
        logger.warn({ jobId, err: describeApiError(error, options.token) }, 'telegram status edit failed');
      }
      return false;
    }
  };

  /** When the provider's link stops working, as a person reads it. */
  const expiry = (clip: ClipFile): string =>
    clip.sourceExpiresAt
      ? `the link works until ${new Date(clip.sourceExpiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
      : LINK_LIFETIME_TEXT;

  return {
    async deliverClip(ctx, clip) {
      const target = telegramTarget(ctx);
      const big = clip.size > uploadLimit;
      if (!(await store.isMarked(ctx.jobId, 'sent'))) {
        try {
          if (big) {
            const mb = Math.round(clip.size / (1024 * 1024));
            await api.sendMessage(
              target.chatId,
              `🎬 ${captionFor(ctx)}\n\nAt ${mb} MB the clip is over Telegram's ${Math.round(uploadLimit / (1024 * 1024))} MB limit for bots, so here is a link (download it soon: ${expiry(clip)}):\n${clip.sourceUrl}`,
              { ...replyExtra(target), link_preview_options: { is_disabled: true } },
            );
          } else {
            await api.sendChatAction(target.chatId, 'upload_video').catch(() => undefined);
            await api.sendVideo(
              target.chatId,
              new InputFile(clip.path, `reelay-${ctx.jobId.slice(0, 8)}.mp4`),
              {
                ...replyExtra(target),
                caption: captionFor(ctx),
                supports_streaming: true,
              },
            );
          }
        } catch (error) {
          logger.warn(
            { jobId: ctx.jobId, err: describeApiError(error, options.token) },
            'telegram clip post failed',
          );
          throw new Error(`telegram post failed: ${describeApiError(error, options.token)}`);
        }
        await store.markOnce(ctx.jobId, 'sent');
      }
      await finish(ctx.jobId, big ? { kind: 'link', size: clip.size } : { kind: 'clip' });
    },

    async deliverFailure(ctx, error: UserError) {
      const target = telegramTarget(ctx);
      // The failure is shown in the status message. Wait briefly for the bot to record that message
      // (a job can fail within milliseconds of being queued); without one, answer with a reply.
      const deadline = Date.now() + (options.attachWaitMs ?? 5_000);
      let record = await store.read(ctx.jobId);
      while (record.messageId === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        record = await store.read(ctx.jobId);
      }
      if (await finish(ctx.jobId, { kind: 'failure', error }, record)) return;
      if (await store.isMarked(ctx.jobId, 'sent')) return;
      try {
        await api.sendMessage(target.chatId, finalText({ kind: 'failure', error }), replyExtra(target));
      } catch (e) {
        throw new Error(`telegram failure notice failed: ${describeApiError(e, options.token)}`);
      }
      await store.markOnce(ctx.jobId, 'sent');
    },
  };
}
