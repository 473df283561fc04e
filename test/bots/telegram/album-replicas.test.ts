import type { Message, Update } from 'grammy/types';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlbumCollector } from '../../../src/bots/telegram/album.js';
import type { TelegramBot } from '../../../src/bots/telegram/bot.js';
import { REDIS_URL } from '../../helpers/harness.js';
import { makePng } from '../../helpers/media.js';
import { telegramReplica, telegramScenes, videoFor } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

describe('telegram albums behind several replicas', () => {
  let replica: TelegramBot | undefined;
  afterEach(async () => {
    await replica?.stop();
    replica = undefined;
  });

  it('an album whose parts reach two bot replicas is one /video job with all its images, and one reply', async () => {
    // Replica A is the harness's bot; replica B a second bot over the same Redis, desk and fake.
    // Both take updates by webhook; here they are handed each part in turn, as a load balancer would.
    const { h: t, alice, chat } = await scene({ webhook: true });
    await t.telegram.bot.api.deleteWebhook(); // the fake pushes nothing: the test is the balancer
    replica = telegramReplica(t, { albumWindowMs: 300 });
    await replica.bot.init();

    const first = makePng(320, 400, 1);
    const last = makePng(320, 400, 2);
    const parts = t.tg.album({ chat, from: alice, caption: '/video day turns into night' }, [
      { photo: t.tg.photo(first, 320, 400) },
      { photo: t.tg.photo(last, 320, 400) },
    ]);
    const bots = [t.telegram, replica];
    let updateId = 900_000;
    for (const [i, message] of parts.entries()) {
      const update = { update_id: updateId++, message } as Update;
      await bots[i % 2]?.bot.handleUpdate(update);
    }

    await videoFor(t, parts[0] as Message);
    expect(t.rh.submitCount()).toBe(1);
    expect(t.rh.media().map((m) => m.bytes)).toEqual([first, last]);
    const jobs = await t.app.queues.generate.getJobs(['completed', 'active', 'delayed', 'waiting']);
    expect(jobs).toHaveLength(1);
    const partIds = new Set(parts.map((p) => p.message_id));
    const replies = t.tg
      .messages(chat.id, { fromBot: true })
      .filter((m) => m.reply_to_message && partIds.has(m.reply_to_message.message_id) && !m.video);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.text).toMatch(/Queued|Generating|Done/);
    // Nothing of the gathering is left behind.
    await waitFor(async () => (await t.app.redis.keys(`${t.prefix}:tg:gather:*:parts`)).length === 0);
  });
});

describe('AlbumCollector (shared through Redis)', () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: false });
  const prefix = `test-album-${process.pid}-${Date.now()}`;
  const collectors: AlbumCollector[] = [];
  afterEach(async () => {
    await Promise.allSettled(collectors.splice(0).map((c) => c.flush()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  const part = (id: number, group: string, caption?: string): Message =>
    ({
      message_id: id,
      date: 0,
      chat: { id: -42, type: 'group', title: 'g' },
      media_group_id: group,
      photo: [{ file_id: `f${id}`, file_unique_id: `u${id}`, width: 1, height: 1 }],
      ...(caption ? { caption } : {}),
    }) as Message;

  const replicas = (n: number, windowMs: number) => {
    const handed: { replica: number; ids: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      collectors.push(
        new AlbumCollector({
          redis,
          prefix,
          windowMs,
          onAlbum: async (messages) => {
            handed.push({ replica: i, ids: messages.map((m) => m.message_id) });
          },
        }),
      );
    }
    return handed;
  };

  it('three replicas each given parts of one album hand it over once, whole and in order', async () => {
    const handed = replicas(3, 150);
    const order = [3, 1, 5, 2, 4];
    for (const [i, id] of order.entries())
      await collectors[i % 3]?.add(part(id, 'g1', id === 1 ? '/video' : undefined));
    await waitFor(() => handed.length === 1);
    // Another album given to every replica after it: once it is handed over, every replica's look
    // at the first album (scheduled earlier, with the same window) has come and gone.
    for (const c of collectors) await c.add(part(10 + collectors.indexOf(c), 'later'));
    await waitFor(() => handed.length === 2);
    expect(handed.map((h) => h.ids)).toEqual([
      [1, 2, 3, 4, 5],
      [10, 11, 12],
    ]);
  });

  it('a part delivered twice (a webhook retry) counts once', async () => {
    const handed = replicas(2, 100);
    await collectors[0]?.add(part(1, 'g2'));
    await collectors[1]?.add(part(1, 'g2'));
    await collectors[1]?.add(part(2, 'g2'));
    await waitFor(() => handed.length === 1);
    expect(handed[0]?.ids).toEqual([1, 2]);
  });

  it('shutdown hands over what a replica is watching at once', async () => {
    const handed = replicas(1, 60_000);
    await collectors[0]?.add(part(7, 'g3'));
    await collectors[0]?.add(part(8, 'g3'));
    await collectors.splice(0)[0]?.flush();
    expect(handed).toEqual([{ replica: 0, ids: [7, 8] }]);
  });

  it('with Redis unreachable, a replica gathers the album by itself', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => undefined);
    const handed: number[][] = [];
    const collector = new AlbumCollector({
      redis: down,
      prefix,
      windowMs: 50,
      onAlbum: async (messages) => {
        handed.push(messages.map((m) => m.message_id));
      },
    });
    collectors.push(collector);
    await collector.add(part(2, 'g4'));
    await collector.add(part(1, 'g4'));
    await waitFor(() => handed.length === 1);
    expect(handed).toEqual([[1, 2]]);
    down.disconnect();
  });
});
