import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../../../src/bots/telegram/bot.js';
import {
  statusOf,
  statusTexts,
  type TelegramHarness,
  telegramReplica,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();
/** Fast pacing, and a look for orphans every 100 ms. */
const STATUS = { editIntervalMs: 200, elapsedEveryMs: 60_000, tickMs: 25, adoptEveryMs: 100 };

describe('telegram status messages behind several bot replicas', () => {
  const replicas: TelegramBot[] = [];
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
  });

  /** Another bot replica over the same Redis, desk and fake: only its status follower runs. */
  async function replica(t: TelegramHarness): Promise<TelegramBot> {
    const r = telegramReplica(t, { status: STATUS });
    replicas.push(r);
    await r.bot.init();
    r.follower.start();
    return r;
  }

  it('when the replica that posted a status stops, one surviving replica takes it over, edits it on, and shows the outcome once', async () => {
    const { h: t, alice, chat } = await scene({ status: STATUS });
    const [b, c] = [await replica(t), await replica(t)];
    // The provider takes 4 s, reporting its percent as it goes.
    t.rh.generationMs = 4_000;
    const request = t.tg.send({ chat, from: alice, text: '/video a lighthouse in a storm' });
    const status = await statusOf(t, chat, request);
    const a = t.telegram.follower;
    await waitFor(() => a.size === 1, { what: 'replica A to follow its status' });
    expect(b.follower.size + c.follower.size).toBe(0);

    // Replica A goes: its follower stops, and its heartbeat with it.
    await a.stop();
    const stoppedAt = Date.now();
    const taker = await waitFor(() => [b, c].find((r) => r.follower.size === 1), {
      what: 'a surviving replica to take the status over',
    });
    const edited = () =>
      t.tg
        .calls('editMessageText')
        .filter((call) => call.at > stoppedAt && call.status === 200)
        .filter((call) => call.params.chat_id === chat.id && call.params.message_id === status.message_id);
    // Its edits continue: the percent moves on after the takeover.
    await waitFor(() => edited().some((call) => /Generating… .* \d+%/.test(String(call.params.text))), {
      what: 'a live edit after the takeover',
    });

    await videoFor(t, request);
    await waitFor(() => /^✅ Done/.test(t.tg.message(chat.id, status.message_id)?.text ?? ''), {
      what: 'the outcome in the status message',
    });
    // Exactly one replica took it, the worker left the outcome to it, and it was shown once.
    expect([b, c].filter((r) => r !== taker).every((r) => r.follower.size === 0)).toBe(true);
    await waitFor(() => taker.follower.size === 0);
    const done = statusTexts(t, chat.id, status.message_id).filter((text) => /^✅ Done/.test(text));
    expect(done).toHaveLength(1);
    expect(edited().filter((call) => /^✅ Done/.test(String(call.params.text)))).toHaveLength(1);
    // Nothing is left open once it ended.
    expect(await t.app.redis.zcard(`${t.prefix}:tg:open`)).toBe(0);
  });
});
