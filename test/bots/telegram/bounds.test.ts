import type { Api } from 'grammy';
import type { ChatMember, Message } from 'grammy/types';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChatAdmins } from '../../../src/bots/telegram/admins.js';
import { AlbumCollector, MAX_ALBUM_PARTS } from '../../../src/bots/telegram/album.js';
import { cleanRedis, REDIS_URL } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/wait.js';

describe('per-process memories of the Telegram bot stay bounded', () => {
  it('the admin answers: past the most kept, the oldest go even before they expire', async () => {
    const asked: string[] = [];
    const api: Pick<Api, 'getChatMember'> = {
      getChatMember: async (chatId, userId) => {
        asked.push(`${chatId}:${userId}`);
        return { status: 'member' } as ChatMember;
      },
    };
    // Answers kept an hour, at most 3 of them.
    const admins = new ChatAdmins(api, () => 0, 3_600_000, 3);
    for (const user of [1, 2, 3, 4, 5]) await admins.isAdmin(-100, user);
    expect(asked).toHaveLength(5);
    // The newest are still known; the oldest were let go, and are asked again.
    await admins.isAdmin(-100, 5);
    expect(asked).toHaveLength(5);
    await admins.isAdmin(-100, 1);
    expect(asked).toHaveLength(6);
  });

  describe('albums', () => {
    const redis = new Redis(REDIS_URL);
    const prefix = `test-bounds-${process.pid}-${Date.now()}`;
    afterEach(async () => {
      await cleanRedis(prefix);
    });
    afterAll(async () => {
      await redis.quit();
    });

    const part = (id: number, group: string): Message =>
      ({
        message_id: id,
        date: 0,
        chat: { id: -42, type: 'group', title: 'g' },
        media_group_id: group,
        photo: [{ file_id: `f${id}`, file_unique_id: `u${id}`, width: 1, height: 1 }],
      }) as Message;

    /** A collector over `on`, and the albums it handed over (their message ids). */
    function collecting(on: Redis, windowMs: number) {
      const handed: number[][] = [];
      const collector = new AlbumCollector({
        redis: on,
        prefix,
        windowMs,
        onAlbum: async (messages) => {
          handed.push(messages.map((m) => m.message_id));
        },
      });
      return { collector, handed };
    }

    it('an album flooded with parts is handed over with at most 10 of them, and keeps no more in Redis', async () => {
      const { collector, handed } = collecting(redis, 150);
      for (let id = 1; id <= 50; id++) await collector.add(part(id, 'flood'));
      expect(await redis.llen(`${prefix}:tg:gather:{-42:flood}:parts`)).toBeLessThanOrEqual(
        2 * MAX_ALBUM_PARTS,
      );
      await waitFor(() => handed.length === 1);
      expect(handed[0]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await collector.flush();
    });

    it('with Redis unreachable, an album gathered here alone keeps at most 10 parts', async () => {
      const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => null });
      down.on('error', () => undefined);
      const { collector, handed } = collecting(down, 100);
      for (let id = 1; id <= 30; id++) await collector.add(part(id, 'alone'));
      await waitFor(() => handed.length === 1);
      expect(handed[0]).toHaveLength(MAX_ALBUM_PARTS);
      await collector.flush();
      down.disconnect();
    });
  });
});
