import type { Chat, Message, User } from 'grammy/types';
import { afterEach } from 'vitest';
import { createStatusStore, type StatusStore } from '../../src/bots/status-store.js';
import { createTelegramBot, type TelegramBot, type TelegramBotOptions } from '../../src/bots/telegram/bot.js';
import { createTelegramDelivery } from '../../src/bots/telegram/delivery.js';
import { createTelegramImageSource } from '../../src/bots/telegram/source.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { FakeTelegram, type TelegramCall } from '../fakes/telegram.js';
import {
  CHAT_TOKENS,
  type Harness,
  type HarnessOptions,
  nothingQueued as nothingQueuedFor,
  startHarness,
} from './harness.js';

export const TG_TOKEN = CHAT_TOKENS.TELEGRAM_BOT_TOKEN;

export interface TelegramHarnessOptions extends HarnessOptions {
  /** Status pacing; tests default to fast edits (the 5 s production pace has its own test). */
  status?: TelegramBotOptions['status'];
  albumWindowMs?: number;
  /** Upload limit of the worker's delivery (a small one sends clips as links). */
  uploadLimit?: number;
  /**
   * Webhook mode: the app's http server starts on a loopback port, the bot registers it as its
   * public URL and serves its secret route there.
   */
  webhook?: boolean;
  /** Status pacing as in production (5 s between edits) instead of the fast test pacing. */
  productionPacing?: boolean;
}

export interface TelegramHarness extends Harness {
  tg: FakeTelegram;
  telegram: TelegramBot;
  store: StatusStore;
  /** The http server, in webhook mode. */
  http?: HttpServer;
}

/**
 * The real grammY bot and the real workers against the fake Bot API and the provider fakes, on a
 * queue prefix of their own. The throttler runs with no pacing (its limits are the library's
 * business); auto-retry and everything else run as in production.
 */
export async function startTelegramHarness(options: TelegramHarnessOptions = {}): Promise<TelegramHarness> {
  const tg = await FakeTelegram.start({ token: TG_TOKEN });
  const h = await startHarness({
    ...options,
    workers: false,
    env: { TELEGRAM_API_URL: tg.apiUrl, REELAY_ROLES: 'telegram,worker', ...options.env },
  });
  const store = createStatusStore(h.app.redis, h.prefix, 'tg');
  const throttle = { global: {}, group: {}, out: {} };
  const routes: NonNullable<Parameters<typeof startHttpServer>[0]['routes']> = [];
  const http = options.webhook
    ? await startHttpServer({
        port: 0,
        host: '127.0.0.1',
        redis: h.app.redis,
        queues: h.app.queues,
        logger: h.logger,
        routes,
      })
    : undefined;
  const telegram = createTelegramBot({
    token: TG_TOKEN,
    apiRoot: tg.apiUrl,
    intake: h.app.intake,
    quota: h.app.quota,
    queues: h.app.queues,
    redis: h.app.redis,
    store,
    logger: h.logger,
    throttle,
    albumWindowMs: options.albumWindowMs ?? 300,
    pollTimeoutSeconds: 2,
    ...(options.productionPacing
      ? {}
      : { status: { editIntervalMs: 200, elapsedEveryMs: 60_000, tickMs: 25, ...options.status } }),
    ...(http ? { publicUrl: http.url } : {}),
  });
  routes.push({ path: telegram.webhookPath, handler: telegram.webhookHandler });
  const api = telegram.bot.api;
  h.app.startWorkers({
    deliveries: {
      telegram: createTelegramDelivery({
        api,
        store,
        logger: h.logger,
        token: TG_TOKEN,
        attachWaitMs: 2_000,
        ...(options.uploadLimit ? { uploadLimit: options.uploadLimit } : {}),
      }),
    },
    imageSources: { telegram: createTelegramImageSource({ api, token: TG_TOKEN, apiRoot: tg.apiUrl }) },
  });
  await telegram.start();
  return {
    ...h,
    tg,
    telegram,
    store,
    ...(http ? { http } : {}),
    async close() {
      await telegram.stop();
      await http?.close();
      await h.close();
      await tg.close();
    },
  };
}

export interface Scene {
  h: TelegramHarness;
  alice: User;
  chat: Chat;
}

/** A harness with one user, Alice (@alice), and her private chat with the bot. */
export async function startScene(options: TelegramHarnessOptions = {}): Promise<Scene> {
  const t = await startTelegramHarness(options);
  const alice = t.tg.user(1001, 'Alice', { username: 'alice' });
  return { h: t, alice, chat: t.tg.privateChat(alice) };
}

/** The bot's reply to a message: the first bot message replying to it. */
export const replyTo = (
  t: TelegramHarness,
  chat: Chat,
  request: Message,
  timeoutMs = 10_000,
): Promise<Message> =>
  t.tg.waitForMessage(chat.id, (m) => m.reply_to_message?.message_id === request.message_id, timeoutMs);

/** The video the bot sent in reply to a request. */
export const videoFor = (t: TelegramHarness, request: Message, timeoutMs = 20_000): Promise<TelegramCall> =>
  t.tg.waitForCall(
    'sendVideo',
    (c) =>
      c.status === 200 &&
      (c.params.reply_parameters as { message_id?: number } | undefined)?.message_id === request.message_id,
    timeoutMs,
  );

/** Nothing was queued and no quota was used by `user`. */
/** Nothing was queued or charged for `user`. */
export const nothingQueued = (t: TelegramHarness, user: User): Promise<void> =>
  nothingQueuedFor(t, { platform: 'telegram', userId: String(user.id) });

/** Every text a status message showed, in order: the first post, then each successful edit. */
export function statusTexts(t: TelegramHarness, chatId: number, messageId: number): string[] {
  const texts: string[] = [];
  for (const c of t.tg.calls()) {
    if (c.status !== 200) continue;
    if (
      c.method === 'sendMessage' &&
      (c.response as { result?: Message })?.result?.message_id === messageId
    ) {
      texts.push(String(c.params.text));
    }
    if (c.method === 'editMessageText' && c.params.chat_id === chatId && c.params.message_id === messageId) {
      texts.push(String(c.params.text));
    }
  }
  return texts;
}

/**
 * For a test file: closes each test's harness after it, and returns the function that starts one
 * (a scene with Alice).
 */
export function telegramScenes(): (options?: TelegramHarnessOptions) => Promise<Scene> {
  let current: TelegramHarness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    const s = await startScene(options);
    current = s.h;
    return s;
  };
}
