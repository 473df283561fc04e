import { afterEach, describe, expect, it } from 'vitest';
import {
  createTelegramApi,
  type QueueBounds,
  TelegramQueueFullError,
  type ThrottlerOptions,
} from '../../../src/bots/telegram/api.js';
import { editMessage } from '../../../src/bots/telegram/status.js';
import { FakeTelegram } from '../../fakes/telegram.js';
import { TG_TOKEN } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

describe('the Telegram throttler’s bounded queues', () => {
  let tg: FakeTelegram | undefined;
  afterEach(async () => {
    await tg?.close();
    tg = undefined;
  });

  /** The fake, a private chat with a user, and a client paced and bounded as given. */
  async function bounded(user: number, throttle: ThrottlerOptions, queueBounds: Partial<QueueBounds>) {
    tg = await FakeTelegram.start({ token: TG_TOKEN });
    const chat = tg.privateChat(tg.user(user, `User ${user}`));
    const api = createTelegramApi({ token: TG_TOKEN, apiRoot: tg.apiUrl, throttle, queueBounds });
    return { fake: tg, chat, api };
  }

  it('more calls than a chat’s queue holds: the excess fails at once, the rest go out at the pace, nothing hangs', async () => {
    // One call per 150 ms to a chat, at most 3 waiting.
    const { fake, chat, api } = await bounded(
      2002,
      { global: {}, group: {}, out: { maxConcurrent: 1, minTime: 150 } },
      { chat: 3 },
    );
    const started = Date.now();
    const settled: { ok: boolean; after: number; error?: unknown }[] = [];
    const calls = Array.from({ length: 12 }, (_, i) =>
      api.sendMessage(chat.id, `flood ${i}`).then(
        () => settled.push({ ok: true, after: Date.now() - started }),
        (error: unknown) => settled.push({ ok: false, after: Date.now() - started, error }),
      ),
    );
    // The excess is refused before the first paced call after the first could even go out.
    await waitFor(() => settled.filter((s) => !s.ok).length >= 7, { timeoutMs: 2_000, what: 'refusals' });
    const refused = settled.filter((s) => !s.ok);
    expect(Math.max(...refused.map((s) => s.after))).toBeLessThan(150);
    for (const s of refused) expect(s.error).toBeInstanceOf(TelegramQueueFullError);
    expect(String((refused[0]?.error as Error | undefined)?.message)).toBe(
      'sendMessage: too many Telegram calls waiting; this one was dropped',
    );

    await Promise.race([
      Promise.all(calls),
      new Promise((_, reject) => setTimeout(() => reject(new Error('a queued call hangs')), 5_000)),
    ]);
    const sent = settled.filter((s) => s.ok).length;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(5);
    expect(sent + refused.length).toBe(12);
    // What was refused never reached Telegram.
    expect(fake.calls('sendMessage')).toHaveLength(sent);
  });

  it('the global queue is bounded too: calls let through by their chats wait there, the excess fails at once', async () => {
    const { fake, chat, api } = await bounded(
      2004,
      { global: { maxConcurrent: 1, minTime: 150 }, group: {}, out: {} },
      { global: 2 },
    );
    const results = await Promise.race([
      Promise.allSettled(Array.from({ length: 8 }, (_, i) => api.sendMessage(chat.id, `flood ${i}`))),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a queued call hangs')), 5_000)),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) expect(r.reason).toBeInstanceOf(TelegramQueueFullError);
    expect(fake.calls('sendMessage')).toHaveLength(8 - refused.length);
  });

  it('a status edit refused by a full queue is skipped (failed, to be tried at its next turn), not waited for', async () => {
    const { chat, api } = await bounded(
      2003,
      { global: {}, group: {}, out: { maxConcurrent: 1, minTime: 1_000 } },
      { chat: 1 },
    );
    const first = await api.sendMessage(chat.id, 'status');
    // The chat's queue fills: the next call waits its second, one more waits behind it.
    const waiting = [api.sendMessage(chat.id, 'a'), api.sendMessage(chat.id, 'b')].map((p) =>
      p.catch(() => undefined),
    );
    const warned: unknown[] = [];
    const at = Date.now();
    const result = await editMessage(
      api,
      { chatId: chat.id, messageId: first.message_id },
      { text: 'edited', buttons: [] },
      (error) => warned.push(error),
    );
    expect(result).toBe('failed');
    expect(Date.now() - at).toBeLessThan(500);
    expect(warned[0]).toBeInstanceOf(TelegramQueueFullError);
    await Promise.all(waiting);
  });
});
