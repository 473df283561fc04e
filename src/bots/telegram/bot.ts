import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RunnerHandle, run } from '@grammyjs/runner';
import { Bot, webhookCallback } from 'grammy';
import type { ChatMember } from 'grammy/types';
import type { Redis } from 'ioredis';
import type { Desk } from '../../desk/desk.js';
import { type FollowerLimits, followerLimits, StatusFollower } from '../../desk/follower.js';
import { headline } from '../../desk/status.js';
import type { BotStatusStore } from '../../desk/status-store.js';
import type { Logger } from '../../log.js';
import { createDoor } from './access.js';
import { ChatAdmins } from './admins.js';
import { AlbumCollector } from './album.js';
import { describeApiError, installTransformers, type ThrottlerOptions } from './api.js';
import { createButtonHandler } from './buttons.js';
import { createCommandHandler } from './commands.js';
import { AlbumMemory } from './media.js';
import { callerOf, isGroup } from './platform.js';
import { createReplies, type TelegramFollower } from './reply.js';
import { telegramSurface } from './status.js';
import { UsernameMemory } from './usernames.js';
import { botCommands } from './words.js';

/**
 * Updates the bot asks for: messages (commands, photos, videos, albums), button presses, and its
 * own membership changing (added to a group, which may not be one it serves).
 */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

/** Whether a chat member is in the chat (a restricted one may be, or not). */
const inChat = (member: ChatMember): boolean =>
  member.status === 'creator' ||
  member.status === 'administrator' ||
  member.status === 'member' ||
  (member.status === 'restricted' && member.is_member);

export interface TelegramBotOptions {
  token: string;
  /** `TELEGRAM_API_URL`. */
  apiRoot: string;
  desk: Desk;
  /** For gathering albums (across replicas) and the album memory (replies to albums). */
  redis: Redis;
  /** The queue prefix: album keys live under it. */
  prefix: string;
  store: BotStatusStore;
  logger: Logger;
  /** With a public URL the bot takes updates by webhook (served by the http role), else by long polling. */
  publicUrl?: string;
  throttle?: ThrottlerOptions;
  /** How long an album's messages are awaited after the last one. Default 1 s. */
  albumWindowMs?: number;
  /** Long-poll timeout of `getUpdates`, in seconds. Default 30. */
  pollTimeoutSeconds?: number;
  /** Status-message pacing: 5 s between edits, 15 s for the elapsed time alone, a look every 1 s. */
  status?: { editIntervalMs?: number; elapsedEveryMs?: number; tickMs?: number } & FollowerLimits;
  now?: () => number;
}

export interface TelegramBot {
  bot: Bot;
  /** The secret webhook path (`/telegram/<hex>`), derived from the token so every replica agrees. */
  webhookPath: string;
  /** The node:http handler for `webhookPath` (checks Telegram's secret-token header). */
  webhookHandler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Edits this process's status messages as their jobs move. */
  follower: TelegramFollower;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const digest = (label: string, token: string): string =>
  createHash('sha256').update(`reelay:${label}:${token}`).digest('hex');

/**
 * The Telegram front end, a translator over the front desk: commands in (text, captions of photos,
 * image files, videos and albums, replies to them) become desk calls; the desk's answers and status
 * views become plain-text replies with inline keyboards. Clips go out from the workers
 * (`delivery.ts`), which need only the token, not this process.
 */
export function createTelegramBot(o: TelegramBotOptions): TelegramBot {
  const bot = new Bot(o.token, { client: { apiRoot: o.apiRoot } });
  installTransformers(bot.api, o.throttle ? { throttle: o.throttle } : {});
  const now = o.now ?? Date.now;
  const follower: TelegramFollower = new StatusFollower({
    surface: telegramSurface({
      api: bot.api,
      logger: o.logger,
      token: o.token,
      ...(o.status?.editIntervalMs ? { editIntervalMs: o.status.editIntervalMs } : {}),
      ...(o.status?.elapsedEveryMs ? { elapsedEveryMs: o.status.elapsedEveryMs } : {}),
    }),
    status: (jobId) => o.desk.status(jobId),
    store: o.store,
    logger: o.logger,
    owner: randomUUID(),
    headline,
    now,
    ...(o.status?.tickMs ? { tickMs: o.status.tickMs } : {}),
    ...followerLimits(o.status),
  });
  const replies = createReplies(bot.api, follower, o.logger);
  const albums = new AlbumMemory(o.redis, o.prefix);
  const admins = new ChatAdmins(bot.api, now);
  const usernames = new UsernameMemory(o.redis, o.prefix);
  const door = createDoor({ desk: o.desk, api: bot.api, logger: o.logger, token: o.token });
  const handle = createCommandHandler({
    desk: o.desk,
    albums,
    replies,
    admins,
    usernames,
    door,
    username: () => bot.botInfo.username,
    now,
  });
  const onButton = createButtonHandler({
    desk: o.desk,
    replies,
    api: bot.api,
    admins,
    logger: o.logger,
    token: o.token,
  });

  const onError = (error: unknown) =>
    o.logger.error({ err: describeApiError(error, o.token) }, 'telegram update failed');
  // Albums are gathered through Redis, so behind several webhook replicas each is handled once, whole.
  const collector = new AlbumCollector({
    redis: o.redis,
    prefix: o.prefix,
    windowMs: o.albumWindowMs ?? 1_000,
    onAlbum: async (messages) => {
      await handle(messages).catch(onError);
    },
    onError: (error) =>
      o.logger.warn(
        { err: String(error) },
        'telegram album gathering: redis failed (an album is then gathered in one process)',
      ),
  });
  /**
   * Everyone whose update the bot handles is remembered by @username, beside the handling (a lost
   * write costs little, and a slow Redis must not hold a command up).
   */
  const remember = (user: Parameters<UsernameMemory['remember']>[0]): void => {
    usernames.remember(user).catch((error: unknown) => {
      o.logger.warn({ err: String(error) }, 'could not remember a telegram username');
    });
  };

  bot.on('my_chat_member', async (ctx) => {
    const change = ctx.myChatMember;
    remember(change.from);
    // Added to a group (by anyone): one the bot does not serve is told so once and left at once.
    if (!isGroup(change.chat) || inChat(change.old_chat_member) || !inChat(change.new_chat_member)) return;
    const caller = callerOf(change.from, change.chat, (chatId, userId) => admins.isAdmin(chatId, userId));
    await door(caller, change.chat, (text) =>
      bot.api.sendMessage(change.chat.id, text, { link_preview_options: { is_disabled: true } }),
    );
  });

  bot.on('message', async (ctx) => {
    const message = ctx.message;
    remember(message.from);
    if (!message.media_group_id) {
      await handle([message]);
      return;
    }
    // Remember every album part, so a reply to the album later finds all of its inputs.
    await albums.remember(message);
    await collector.add(message);
  });

  bot.on('callback_query:data', async (ctx) => {
    remember(ctx.callbackQuery.from);
    const answer = await onButton(ctx.callbackQuery).catch((error: unknown) => {
      onError(error);
      return {};
    });
    await ctx.answerCallbackQuery(answer);
  });

  bot.catch((error) => onError(error.error));

  const secretToken = digest('webhook-secret', o.token);
  const webhookPath = `/telegram/${digest('webhook-path', o.token).slice(0, 32)}`;
  const callback = webhookCallback(bot, 'http', { secretToken, onTimeout: 'return' });
  let runner: RunnerHandle | undefined;

  return {
    bot,
    webhookPath,
    follower,
    webhookHandler: (req, res) => callback(req, res),
    async start() {
      await bot.init();
      // Members see their commands; a group's admins (and only there) see /admin too.
      await Promise.all([
        bot.api.setMyCommands(botCommands(o.desk.catalog)),
        bot.api.setMyCommands(botCommands(o.desk.catalog, true), {
          scope: { type: 'all_chat_administrators' },
        }),
      ]).catch((error: unknown) => {
        o.logger.warn({ err: describeApiError(error, o.token) }, 'could not set the telegram command list');
      });
      follower.start();
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
      await collector.flush();
      await follower.stop();
    },
  };
}
