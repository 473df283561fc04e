import { describe, expect, it } from 'vitest';
import { nothingQueued, replyTo, telegramScenes, videoFor } from '../../helpers/telegram.js';

const scene = telegramScenes();

describe('telegram bot: --multi-shot', () => {
  it('reaches RunningHub as multiShot on, the model choosing the shots', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    const request = t.tg.send({
      chat,
      from: alice,
      text: '/video a day in the city, dawn to dusk --model kling-3.0-pro --multi-shot',
    });
    await videoFor(t, request);
    expect(t.rh.submitted()).toEqual([
      expect.objectContaining({
        prompt: 'a day in the city, dawn to dusk',
        multiShot: true,
        shotType: 'intelligence',
      }),
    ]);
  });

  it('--shots is the short name; --no-multi-shot is one shot', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    // 720p: two clips within a member's daily credits.
    for (const flags of ['--shots=yes', '--no-multi-shot']) {
      const text = `/video lanterns --model wan-2.6 --res 720p ${flags}`;
      await videoFor(t, t.tg.send({ chat, from: alice, text }));
    }
    expect(t.rh.submitted().map((b) => [b.prompt, b.shotType])).toEqual([
      ['lanterns', 'multi'],
      ['lanterns', 'single'],
    ]);
  });

  it('on a one-shot model, or not on/off, gets its own reply and costs nothing', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    const oneShot = t.tg.send({ chat, from: alice, text: '/video a fox --model kling-2.6-pro --multi-shot' });
    expect((await replyTo(t, chat, oneShot)).text).toBe(
      'kling-2.6-pro makes one continuous shot. Models that can cut between shots: kling-o3-pro, kling-o3-std, kling-3.0-pro, kling-3.0-std, wan-2.6.',
    );
    const word = t.tg.send({
      chat,
      from: alice,
      text: '/video a fox --model kling-3.0-pro --multi-shot=many',
    });
    expect((await replyTo(t, chat, word)).text).toMatch(/--multi-shot.*on or off/);
    await nothingQueued(t, alice);
  });
});
