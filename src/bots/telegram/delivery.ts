import { type Api, InputFile } from 'grammy';
import type { ChatDelivery, ClipFile, DeliveryContext } from '../../core/ports.js';
import { actionId } from '../../desk/actions.js';
import { AGAIN_LABEL, linkText, seedText } from '../../desk/delivered.js';
import { type FinalOutcome, postedOutcome } from '../../desk/status.js';
import type { StatusStore } from '../../desk/status-store.js';
import type { Logger } from '../../log.js';
import { describeApiError, replyExtra } from './api.js';
import { readTarget, type TelegramTarget } from './platform.js';
import { editMessage, finalText, markupOf } from './status.js';
import { imagesOf, telegramWords } from './words.js';

/** The Bot API's upload limit for bots: a larger clip goes as a link. */
export const TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024;
/** Telegram's caption limit, in characters. */
const CAPTION_MAX = 1024;

/** What the worker's Telegram delivery needs: a Bot API client, the status records, a logger. */
export interface TelegramDeliveryOptions {
  api: Api;
  store: StatusStore;
  logger: Logger;
  token: string;
  /** How long a failure waits for the bot to record its status message before answering itself. */
  attachWaitMs?: number;
  uploadLimit?: number;
}

/** The clip's caption: the prompt (shortened to fit), then model, length, who asked, and the seed. */
export function captionFor(ctx: DeliveryContext): string {
  const { request, requester } = ctx;
  const who = requester.displayName ? ` · for ${requester.displayName}` : '';
  const seed = request.seed === undefined ? '' : `\n${seedText(request.seed, telegramWords())}`;
  const tail = `\n${request.model} · ${request.duration}s${who}${seed}`;
  const room = CAPTION_MAX - tail.length - 2;
  const prompt = request.prompt.length > room ? `${request.prompt.slice(0, room - 1)}…` : request.prompt;
  return `“${prompt}”${tail}`;
}

/** When the provider's link stops working, as a person reads it: "at 2026-11-22 14:05 UTC". */
const expiry = (clip: ClipFile): string | undefined =>
  clip.sourceExpiresAt === undefined
    ? undefined
    : `at ${new Date(clip.sourceExpiresAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The `telegram` delivery, run by the worker: the clip as a video replying to the request (a link
 * when it is over the upload limit), with an Again button; the outcome recorded for the bot's
 * status message. Posting is guarded by a once-only `sent` marker set after the post, so a retried
 * delivery does not post twice — except after a crash between Telegram's answer and that marker,
 * which no Bot API call can rule out.
 */
export function createTelegramDelivery(options: TelegramDeliveryOptions): ChatDelivery {
  const { api, store, logger, token } = options;
  const uploadLimit = options.uploadLimit ?? TELEGRAM_UPLOAD_LIMIT;
  const wordsFor = (ctx: DeliveryContext) => telegramWords(imagesOf(ctx.request));

  /**
   * Records the outcome for the bot that owns the status message. When that bot is gone (restarted,
   * crashed: its heartbeat lapsed), the worker edits the status message itself — one edit, nothing
   * else edits it now. True when the status message shows the outcome (or will, by its owner).
   */
  async function finish(ctx: DeliveryContext, outcome: FinalOutcome): Promise<boolean> {
    await store.setFinal(ctx.jobId, outcome);
    // Read after the outcome is recorded: a replica may have taken the status over since the
    // caller's wait for it, and none claims it once an outcome is there (status-store.ts).
    const status = await store.read(ctx.jobId);
    if (status.messageId === undefined || status.chatId === undefined) return false;
    if (status.owner && (await store.isAlive(status.owner))) return true;
    const at = { chatId: Number(status.chatId), messageId: Number(status.messageId) };
    const body = { text: finalText(outcome, wordsFor(ctx), undefined, ctx.request), buttons: [] };
    const shown = await editMessage(api, at, body, (error) =>
      logger.warn({ jobId: ctx.jobId, err: describeApiError(error, token) }, 'telegram status edit failed'),
    );
    return shown === 'ok';
  }

  /** Posts the clip (or its link) once, with the Again button. */
  async function post(ctx: DeliveryContext, target: TelegramTarget, clip: ClipFile, big: boolean) {
    const again = markupOf([[{ text: AGAIN_LABEL, data: actionId({ kind: 'again', jobId: ctx.jobId }) }]]);
    if (big) {
      const text = `🎬 ${captionFor(ctx)}\n\n${linkText(clip.size, expiry(clip))}:\n${clip.sourceUrl}`;
      await api.sendMessage(target.chatId, text, {
        ...replyExtra(target),
        ...again,
        link_preview_options: { is_disabled: true },
      });
      return;
    }
    await api.sendChatAction(target.chatId, 'upload_video').catch(() => undefined);
    await api.sendVideo(target.chatId, new InputFile(clip.path, `reelay-${ctx.jobId.slice(0, 8)}.mp4`), {
      ...replyExtra(target),
      ...again,
      caption: captionFor(ctx),
      supports_streaming: true,
      // With the probed length and shape, the clip plays inline at the right size at once.
      ...(clip.video
        ? {
            duration: Math.round(clip.video.durationS),
            width: clip.video.width,
            height: clip.video.height,
          }
        : {}),
      ...(clip.thumbnailPath ? { thumbnail: new InputFile(clip.thumbnailPath, 'thumb.jpg') } : {}),
    });
  }

  return {
    uploadLimit: () => uploadLimit,

    async deliverClip(ctx, clip) {
      const target = readTarget(ctx.target);
      const big = clip.size > uploadLimit;
      if (!(await store.isMarked(ctx.jobId, 'sent'))) {
        try {
          await post(ctx, target, clip, big);
        } catch (error) {
          const err = describeApiError(error, token);
          logger.warn({ jobId: ctx.jobId, err }, 'telegram clip post failed');
          throw new Error(`telegram post failed: ${err}`);
        }
        await store.markOnce(ctx.jobId, 'sent');
      }
      await finish(ctx, big ? { kind: 'link', size: clip.size } : postedOutcome(clip));
    },

    async deliverFailure(ctx, { error, refunded }) {
      const target = readTarget(ctx.target);
      // The failure is shown in the status message. Wait briefly for the bot to record that message
      // (a job can fail within milliseconds of being queued); without one, answer with a reply.
      const deadline = Date.now() + (options.attachWaitMs ?? 5_000);
      let record = await store.read(ctx.jobId);
      while (record.messageId === undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        record = await store.read(ctx.jobId);
      }
      const outcome: FinalOutcome = { kind: 'failure', error, refunded };
      if (await finish(ctx, outcome)) return;
      if (await store.isMarked(ctx.jobId, 'sent')) return;
      try {
        await api.sendMessage(
          target.chatId,
          finalText(outcome, wordsFor(ctx), undefined, ctx.request),
          replyExtra(target),
        );
      } catch (e) {
        throw new Error(`telegram failure notice failed: ${describeApiError(e, token)}`);
      }
      await store.markOnce(ctx.jobId, 'sent');
    },
  };
}
