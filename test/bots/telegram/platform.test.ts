import { describe, expect, it } from 'vitest';
import { deliveryTarget, readTarget, TELEGRAM, targetAt } from '../../../src/bots/telegram/platform.js';
import { readDeliverPayload } from '../../../src/jobs/migrate.js';

describe('the telegram delivery target', () => {
  it('reads a target queued by version 1 (before targets were opaque), topic included', () => {
    const v1 = {
      v: 1,
      generateJobId: 'job-1',
      request: {
        model: 'kling-2.5-turbo-pro',
        mode: 'text',
        prompt: 'a fox',
        duration: 5,
        images: {},
        credits: 175,
      },
      requester: { platform: 'telegram', userId: '42' },
      target: { kind: 'telegram', chatId: -1001234567890, messageId: 7, threadId: 3 },
      outcome: { kind: 'failure', error: { id: 'timeout' } },
      readyAt: 1_700_000_000_000,
    };
    const payload = readDeliverPayload(v1);
    expect(payload && readTarget(payload.target)).toEqual({
      chatId: -1001234567890,
      messageId: 7,
      threadId: 3,
    });
  });

  it('round-trips through the desk and the jobs as plain JSON, without an absent topic', () => {
    const target = deliveryTarget(targetAt(1001, 5));
    expect(JSON.parse(JSON.stringify(target))).toEqual({
      platform: TELEGRAM,
      data: { chatId: 1001, messageId: 5 },
    });
    expect(readTarget(target)).toEqual({ chatId: 1001, messageId: 5 });
  });

  it("refuses another platform's target and a malformed one", () => {
    expect(() => readTarget({ platform: 'discord', data: { chatId: 1, messageId: 1 } })).toThrow(/discord/);
    expect(() => readTarget({ platform: TELEGRAM, data: { chatId: 1, messageId: 0 } })).toThrow();
  });
});
