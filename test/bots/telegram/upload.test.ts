import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { createTelegramDelivery } from '../../../src/bots/telegram/delivery.js';
import { replyTo, TG_TOKEN, telegramScenes } from '../../helpers/telegram.js';

const scene = telegramScenes();

describe('telegram delivery: the clip is streamed from its file on disk', () => {
  it('sendVideo goes as a chunked stream read from the file (grammY’s InputFile(path)), bytes intact', async () => {
    const s = await scene();
    const request = s.h.tg.send({ chat: s.chat, from: s.alice, text: '/help' });
    await replyTo(s.h, s.chat, request);
    // Several read-stream chunks (64 KiB each): a buffered upload would carry a Content-Length.
    const bytes = randomBytes(3 * 1024 * 1024 + 11);
    const path = s.h.out('clip.mp4');
    await writeFile(path, bytes);

    const delivery = createTelegramDelivery({
      api: s.h.telegram.bot.api,
      store: s.h.store,
      logger: s.h.logger,
      token: TG_TOKEN,
      attachWaitMs: 50,
    });
    await delivery.deliverClip(
      {
        jobId: '1f0e0d0c-0b0a-4908-8706-050403020100',
        target: { platform: 'telegram', data: { chatId: s.chat.id, messageId: request.message_id } },
        requester: { platform: 'telegram', userId: String(s.alice.id) },
        request: {
          model: 'kling-2.5-turbo-pro',
          mode: 'text',
          prompt: 'x',
          duration: 5,
          images: {},
          credits: 1,
        },
      },
      { path, size: bytes.length, contentType: 'video/mp4', sourceUrl: 'http://127.0.0.1:1/x.mp4' },
    );

    const [upload] = s.h.tg.server.requestsOf('sendVideo');
    expect(upload?.headers['transfer-encoding']).toBe('chunked');
    expect(upload?.headers['content-length']).toBeUndefined();
    const [posted] = s.h.tg.calls('sendVideo');
    if (!posted) throw new Error('no sendVideo');
    const video = (posted.response as { result: Message }).result.video;
    expect(s.h.tg.file(video?.file_id as string)?.bytes.equals(bytes)).toBe(true);
  });
});
