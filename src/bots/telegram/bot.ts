import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RunnerHandle, run } from '@grammyjs/runner';
import { Bot, type Context, webhookCallback } from 'grammy';
import type { Message, MessageEntity } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { UserError } from '../../core/errors.js';
import { messageFor } from '../../core/messages.js';
import type { DeliveryTarget } from '../../core/ports.js';
import { type GenerationRequest, type Requester, userKey } from '../../core/request.js';
import type { Intake } from '../../jobs/intake.js';
import type { Queues } from '../../jobs/queues.js';
import type { Quota } from '../../jobs/quota.js';
import type { Logger } from '../../log.js';
import { CANCEL_ANSWERS, DEFAULT_REFERENCE_MODEL, DEFAULT_VIDEO_MODEL } from '../shared.js';
import type { StatusStore } from '../status-store.js';
import { AlbumCollector } from './album.js';
import { describeApiError, installTransformers, replyExtra, type ThrottlerOptions } from './api.js';
import { imageOf, type MessageImage, overDownloadLimit, TELEGRAM_DOWNLOAD_LIMIT } from './images.js';
import { parseArgs, toRequest } from './parse.js';
import { cancelKeyboard, liveText, StatusTracker } from './status.js';
import { BOT_COMMANDS, helpText, modelsText, quotaText } from './texts.js';

/** Updates the bot asks for: messages (commands, photos, albums) and button presses. */
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;
/** Album parts are remembered this long, so a later reply to an album finds all of its photos. */
const ALBUM_TTL_S = 2 * 24 * 3600;
const MAX_REFERENCE_IMAGES = 7;

export interface TelegramBotOptions {
  token: string;
  /** `TELEGRAM_API_URL`. */
  apiRoot: string;
  intake: Intake;
  quota: Quota;
  queues: Queues;
  redis: Redis;
  store: StatusStore;
  logger: Logger;
  /** With a public URL the bot takes updates by webhook (served by the http role), else by long polling. */
  publicUrl?: string;
  throttle?: ThrottlerOptions;
  /** How long an album's messages are awaited after the last one. Default 1 s. */
  albumWindowMs?: number;
  /** Long-poll timeout of `getUpdates`, in seconds. Default 30. */
  pollTimeoutSeconds?: number;
  /** Status-message pacing (see StatusTracker). */
  status?: { editIntervalMs?: number; elapsedEveryMs?: number; tickMs?: number };
  now?: () => number;
}

export interface TelegramBot {
  bot: Bot;
  /** The secret webhook path (`/telegram/<hex>`), derived from the token so every replica agrees. */
  webhookPath: string;
  /** The node:http handler for `webhookPath` (checks Telegram's secret-token header). */
  webhookHandler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  tracker: StatusTracker;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const digest = (label: string, token: string): string =>
  createHash('sha256').update(`reelay:${label}:${token}`).digest('hex');

/** A command at the very start of a text or caption: `/video@ReelayBot a fox` → video, ReelayBot, "a fox". */
export function commandOf(message: Message): { name: string; mention?: string; args: string } | undefined {
  const text = message.text ?? message.caption;
  const entities: MessageEntity[] | undefined = message.entities ?? message.caption_entities;
  const first = entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!text || !first) return undefined;
  const [name, mention] = text.slice(1, first.length).split('@') as [string, string | undefined];
  const command: { name: string; mention?: string; args: string } = {
    name: name.toLowerCase(),
    args: text.slice(first.length).trim(),
  };
  if (mention) command.mention = mention;
  return command;
}

/** The forum topic a message was sent in, if any. */
const topicOf = (message: Message): number | undefined =>
  message.is_topic_message ? message.message_thread_id : undefined;

const requesterOf = (from: NonNullable<Message['from']>): Requester => ({
  platform: 'telegram',
  userId: String(from.id),
  displayName: from.username
    ? `@${from.username}`
    : [from.first_name, from.last_name].filter(Boolean).join(' '),
});

const mb = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;

/**
 * The Telegram front end: commands in (text, captions of photos, image files and albums, replies to
 * them), jobs onto the shared queue through the intake, a status message that follows each job.
 * Clips go out from the workers (`delivery.ts`), which need only the token, not this process.
 */
export function createTelegramBot(o: TelegramBotOptions): TelegramBot {
  const bot = new Bot(o.token, { client: { apiRoot: o.apiRoot } });
  installTransformers(bot.api, o.throttle ? { throttle: o.throttle } : {});
  const now = o.now ?? Date.now;
  const owner = randomUUID();
  const tracker = new StatusTracker({
    api: bot.api,
    store: o.store,
    generateQueue: o.queues.generate,
    logger: o.logger,
    token: o.token,
    owner,
    ...o.status,
    now,
  });
  const albumKey = (chatId: number, group: string) => `${o.queues.prefix}:tg:album:${chatId}:${group}`;

  /** Replies to a message (in its forum topic), even if it was deleted meanwhile. */
  const replyTo = (message: Message, text: string, extra: Record<string, unknown> = {}) =>
    bot.api.sendMessage(message.chat.id, text, {
      ...replyExtra({ messageId: message.message_id, threadId: topicOf(message) }),
      link_preview_options: { is_disabled: true },
      ...extra,
    });

  const say = (message: Message, error: UserError | string) =>
    replyTo(message, typeof error === 'string' ? error : messageFor(error));

  /** The images a command uses: its own (or its album's), else those of the message it replies to. */
  async function imagesFor(messages: Message[], command: Message): Promise<MessageImage[]> {
    const own = messages.map(imageOf).filter((i): i is MessageImage => i !== undefined);
    if (own.length > 0) return own;
    const replied = command.reply_to_message;
    if (!replied) return [];
    if (replied.media_group_id) {
      const stored = await o.redis
        .lrange(albumKey(command.chat.id, replied.media_group_id), 0, -1)
        .catch(() => [] as string[]);
      const byId = new Map<number, MessageImage>();
      for (const item of stored) {
        const image = JSON.parse(item) as MessageImage;
        byId.set(image.messageId, image);
      }
      const one = imageOf(replied);
      if (one) byId.set(one.messageId, one);
      return [...byId.values()].sort((a, b) => a.messageId - b.messageId);
    }
    const one = imageOf(replied);
    return one ? [one] : [];
  }

  async function generate(kind: 'video' | 'reference', args: string, messages: Message[], message: Message) {
    const from = message.from as NonNullable<Message['from']>;
    const parsed = parseArgs(args);
    if (!parsed.ok) return say(message, parsed.error);
    const images = await imagesFor(messages, message);
    const tooBig = overDownloadLimit(images);
    if (tooBig) {
      return say(
        message,
        `${tooBig.label} is ${mb(tooBig.ref.size ?? 0)}; Telegram lets bots download files of at most ${mb(TELEGRAM_DOWNLOAD_LIMIT)}. Please send a smaller image.`,
      );
    }
    let request: GenerationRequest;
    if (kind === 'video') {
      if (images.length > 2) {
        return say(
          message,
          `/video takes one photo (to animate) or two (first and last frame); you sent ${images.length}. For up to ${MAX_REFERENCE_IMAGES} reference photos, use /reference.`,
        );
      }
      request = toRequest(parsed.value, DEFAULT_VIDEO_MODEL);
      if (images[0]) request.firstFrame = images[0].ref;
      if (images[1]) request.lastFrame = images[1].ref;
    } else {
      if (images.length === 0) {
        return say(
          message,
          `/reference needs photos: send it as the caption of an album of 1–${MAX_REFERENCE_IMAGES} photos, or as a reply to them.`,
        );
      }
      request = toRequest(parsed.value, DEFAULT_REFERENCE_MODEL);
      request.references = images.map((i) => i.ref);
    }
    if (request.prompt === undefined || request.prompt.trim() === '') {
      return say(
        message,
        'Please describe the video you want, for example: /video a red fox running through snow',
      );
    }
    const target: DeliveryTarget = {
      kind: 'telegram',
      chatId: message.chat.id,
      messageId: message.message_id,
      threadId: topicOf(message),
    };
    const accepted = await o.intake.submit(request, requesterOf(from), target);
    if (!accepted.ok) return say(message, accepted.error);
    const { jobId, position, request: valid } = accepted.value;
    const startedAt = now();
    const text = liveText({ position, model: valid.model, duration: valid.duration, elapsedMs: 0 });
    const status = await replyTo(message, text, { reply_markup: cancelKeyboard(jobId) });
    const tracked = {
      jobId,
      chatId: message.chat.id,
      messageId: status.message_id,
      model: valid.model,
      duration: valid.duration,
      position,
      startedAt,
    };
    try {
      await o.store.attach(jobId, {
        chatId: String(message.chat.id),
        messageId: String(status.message_id),
        owner,
      });
      tracker.track(tracked, text, now());
    } catch (error) {
      // The job runs anyway; without a recorded status the worker answers with a message of its own.
      o.logger.warn({ jobId, err: String(error) }, 'could not record the telegram status message');
    }
    o.logger.info(
      { jobId, chat: message.chat.id, model: valid.model, mode: valid.mode },
      'telegram request queued',
    );
  }

  async function cancelAll(message: Message) {
    const requester = requesterOf(message.from as NonNullable<Message['from']>);
    let ids: string[];
    try {
      ids = await o.quota.pending(userKey(requester));
    } catch {
      return say(message, { id: 'service-busy' });
    }
    let cancelling = 0;
    for (const id of ids) {
      if ((await o.intake.cancel(id, requester).catch(() => 'not-found')) === 'cancelling') {
        cancelling += 1;
        tracker.markCancelling(id);
      }
    }
    return say(
      message,
      cancelling === 0
        ? 'You have nothing queued or running.'
        : `Cancelling ${cancelling} job${cancelling === 1 ? '' : 's'}. This doesn't count against your quota.`,
    );
  }

  /** One command message (with the rest of its album, if any). */
  async function handle(messages: Message[]) {
    const message = messages.find((m) => commandOf(m)) ?? messages[0];
    if (!message?.from || message.from.is_bot) return;
    const command = commandOf(message);
    if (!command) {
      // A photo without a command, in a private chat: say how to use it. In groups, stay quiet.
      if (message.chat.type === 'private' && imageOf(message) && !message.media_group_id) {
        await say(
          message,
          'To animate this image, send it again with /video and a description as the caption.',
        );
      }
      return;
    }
    if (command.mention && command.mention.toLowerCase() !== bot.botInfo.username.toLowerCase()) return;
    switch (command.name) {
      case 'start':
      case 'help':
        return say(message, helpText(bot.botInfo.username));
      case 'models':
        return say(message, modelsText());
      case 'quota': {
        const requester = requesterOf(message.from);
        const usage = await o.quota.usage(userKey(requester)).catch(() => undefined);
        return say(message, usage ? quotaText(usage, now()) : messageFor({ id: 'service-busy' }));
      }
      case 'cancel':
        return cancelAll(message);
      case 'video':
      case 'reference':
        return generate(command.name, command.args, messages, message);
      default:
        if (message.chat.type === 'private') return say(message, `I don't know /${command.name}. Try /help.`);
    }
  }

  const onError = (error: unknown) =>
    o.logger.error({ err: describeApiError(error, o.token) }, 'telegram update failed');

  const albums = new AlbumCollector(o.albumWindowMs ?? 1_000, async (messages) => {
    await handle(messages).catch(onError);
  });

  bot.on('message', async (ctx: Context) => {
    const message = ctx.message as Message;
    if (message.media_group_id) {
      // Remember every album part, so a reply to the album later finds all of its photos.
      const image = imageOf(message);
      if (image) {
        const key = albumKey(message.chat.id, message.media_group_id);
        await o.redis
          .multi()
          .rpush(key, JSON.stringify(image))
          .expire(key, ALBUM_TTL_S)
          .exec()
          .catch(() => undefined);
      }
      albums.add(message);
      return;
    }
    await handle([message]);
  });

  bot.on('callback_query:data', async (ctx) => {
    const match = /^cancel:([A-Za-z0-9-]{8,64})$/.exec(ctx.callbackQuery.data);
    if (!match) return ctx.answerCallbackQuery();
    const jobId = match[1] as string;
    const requester = requesterOf(ctx.callbackQuery.from);
    const outcome = await o.intake.cancel(jobId, requester).catch(() => 'busy' as const);
    if (outcome === 'cancelling') tracker.markCancelling(jobId);
    await ctx.answerCallbackQuery({ text: CANCEL_ANSWERS[outcome], show_alert: outcome === 'not-yours' });
  });

  bot.catch((error) => onError(error.error));

  const secretToken = digest('webhook-secret', o.token);
  const webhookPath = `/telegram/${digest('webhook-path', o.token).slice(0, 32)}`;
  const callback = webhookCallback(bot, 'http', { secretToken, onTimeout: 'return' });
  let runner: RunnerHandle | undefined;

  return {
    bot,
    webhookPath,
    tracker,
    webhookHandler: (req, res) => callback(req, res),
    async start() {
      await bot.init();
      await bot.api.setMyCommands(BOT_COMMANDS).catch((error: unknown) => {
        o.logger.warn({ err: describeApiError(error, o.token) }, 'could not set the telegram command list');
      });
      tracker.start();
      if (o.publicUrl) {
        await bot.api.setWebhook(`${o.publicUrl}${webhookPath}`, {
          secret_token: secretToken,
          allowed_updates: [...ALLOWED_UPDATES],
        });
        o.logger.info({ bot: bot.botInfo.username, mode: 'webhook' }, 'telegram bot started');
        return;
      }
      await bot.api.deleteWebhook();
      runner = run(bot, {
        runner: {
          fetch: { timeout: o.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] },
          silent: true,
        },
      });
      o.logger.info({ bot: bot.botInfo.username, mode: 'polling' }, 'telegram bot started');
    },
    async stop() {
      if (runner?.isRunning()) await runner.stop();
      await albums.flush();
      await tracker.stop();
    },
  };
}
