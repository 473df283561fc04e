import type { Chat, Message, User } from 'grammy/types';
import { afterEach } from 'vitest';
import { createTelegramApi } from '../../src/bots/telegram/api.js';
import { createTelegramBot, type TelegramBot, type TelegramBotOptions } from '../../src/bots/telegram/bot.js';
import { createTelegramDelivery } from '../../src/bots/telegram/delivery.js';
import { TELEGRAM, TELEGRAM_STORE } from '../../src/bots/telegram/platform.js';
import { createTelegramSource } from '../../src/bots/telegram/source.js';
import type { Desk } from '../../src/desk/desk.js';
import { type BotStatusStore, createStatusStore } from '../../src/desk/status-store.js';
import { type HttpServer, startHttpServer } from '../../src/http/server.js';
import { type CallbackAnswer, FakeTelegram, type TelegramCall } from '../fakes/telegram.js';
import {
  CHAT_TOKENS,
  type Harness,
  type HarnessOptions,
  nothingQueued as nothingQueuedFor,
  startHarness,
} from './harness.js';
import { waitFor } from './wait.js';

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
  desk: Desk;
  store: BotStatusStore;
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
  const store = createStatusStore(h.app.redis, h.prefix, TELEGRAM_STORE);
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
  // The workers' API client: its own, as in production (main.ts), not the bot's.
  const api = createTelegramApi({ token: TG_TOKEN, apiRoot: tg.apiUrl, throttle });
  const source = createTelegramSource({ api, token: TG_TOKEN, apiRoot: tg.apiUrl, network: h.config.media });
  // The app has every connection the desk needs (intake, quota, queues, redis, catalog).
  const desk = h.app.desk({ [TELEGRAM]: source });
  const telegram = createTelegramBot({
    token: TG_TOKEN,
    apiRoot: tg.apiUrl,
    desk,
    redis: h.app.redis,
    prefix: h.prefix,
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
  h.app.startWorkers({
    deliveries: {
      [TELEGRAM]: createTelegramDelivery({
        api,
        store,
        logger: h.logger,
        token: TG_TOKEN,
        attachWaitMs: 2_000,
        ...(options.uploadLimit ? { uploadLimit: options.uploadLimit } : {}),
      }),
    },
    sources: { [TELEGRAM]: source },
  });
  await telegram.start();
  return {
    ...h,
    tg,
    telegram,
    desk,
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

/**
 * Another bot replica beside the harness's: the same token, fake, Redis, desk and status store, so
 * what the replicas share goes through Redis as in production. Not started: a test runs what it needs.
 */
export const telegramReplica = (
  t: TelegramHarness,
  extra: Partial<Pick<TelegramBotOptions, 'albumWindowMs' | 'status'>> = {},
): TelegramBot =>
  createTelegramBot({
    token: TG_TOKEN,
    apiRoot: t.tg.apiUrl,
    desk: t.desk,
    redis: t.app.redis,
    prefix: t.prefix,
    store: t.store,
    logger: t.logger,
    throttle: { global: {}, group: {}, out: {} },
    ...extra,
  });

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

/** Waits until the bot remembered every part of an album, so a reply to one part finds them all. */
export const albumRemembered = (t: TelegramHarness, parts: readonly Message[]): Promise<boolean> =>
  waitFor(
    async () =>
      (
        await t.app.redis.lrange(
          `${t.prefix}:tg:album:${parts[0]?.chat.id}:${parts[0]?.media_group_id}`,
          0,
          -1,
        )
      ).length === parts.length,
  );

/** Nothing was queued or charged for `user`. */
export const nothingQueued = (t: TelegramHarness, user: User): Promise<void> =>
  nothingQueuedFor(t, { platform: TELEGRAM, userId: String(user.id) });

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

/** The status message of a request: the bot's reply saying it is queued. */
export const statusOf = (
  t: TelegramHarness,
  chat: Chat,
  request: Message,
  timeoutMs = 10_000,
): Promise<Message> =>
  t.tg.waitForMessage(
    chat.id,
    (m) => m.reply_to_message?.message_id === request.message_id && /Queued/.test(m.text ?? ''),
    timeoutMs,
  );

/** Waits until a message's current text matches. */
export const messageMatching = (
  t: TelegramHarness,
  chatId: number,
  messageId: number,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<Message> =>
  t.tg.waitForMessage(chatId, (m) => m.message_id === messageId && pattern.test(m.text ?? ''), timeoutMs);

/** Waits until a bot message has a button whose label matches, and returns it. */
export const buttonMatching = (t: TelegramHarness, message: Message, label: RegExp, timeoutMs = 15_000) =>
  waitFor(() => t.tg.buttons(message).find((b) => label.test(b.text)), {
    timeoutMs,
    what: `a button ${label} on message ${message.message_id}`,
  });

/** The bot's answer to a button press, once it gave one. */
export const answerTo = (t: TelegramHarness, queryId: string): Promise<CallbackAnswer> =>
  waitFor(() => t.tg.callbackAnswer(queryId), { what: `the answer to press ${queryId}` });

/** A person says something in a chat (optionally replying to a message) and the bot replies: that reply. */
export async function say(
  t: TelegramHarness,
  chat: Chat,
  from: User,
  text: string,
  options: { replyTo?: Message; timeoutMs?: number } = {},
): Promise<Message> {
  const sent = t.tg.send({ chat, from, text, ...(options.replyTo ? { replyTo: options.replyTo } : {}) });
  return replyTo(t, chat, sent, options.timeoutMs);
}

/** The text of the bot's reply to what a person says. */
export const answerText = async (
  t: TelegramHarness,
  chat: Chat,
  from: User,
  text: string,
  options: { replyTo?: Message } = {},
): Promise<string> => (await say(t, chat, from, text, options)).text ?? '';

/** The getChatMember calls the bot made about a user. */
export const memberLookups = (t: TelegramHarness, user: User): number =>
  t.tg.calls('getChatMember').filter((c) => c.params.user_id === user.id).length;
