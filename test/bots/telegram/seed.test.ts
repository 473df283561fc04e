import { describe, expect, it } from 'vitest';
import { nothingQueued, replyTo, telegramScenes, videoFor } from '../../helpers/telegram.js';

const scene = telegramScenes();

describe('telegram bot: --seed', () => {
  it('reaches the provider, and the clip says its seed and how to make it again', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    const request = t.tg.send({
      chat,
      from: alice,
      text: '/video a dragon over the city --model kling-2.1-master --seed 424242',
    });
    const video = await videoFor(t, request);
    expect(t.rw.submitted()).toEqual([expect.objectContaining({ model: 'klingai:5@3', seed: 424242 })]);
    expect(video.params.caption).toContain('\nSeed 424242: add --seed 424242 to make it again');
  });

  it('a clip made without a seed says none', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    const request = t.tg.send({ chat, from: alice, text: '/video a dragon --model kling-2.1-master' });
    const video = await videoFor(t, request);
    expect(t.rw.submitted()[0]).not.toHaveProperty('seed');
    expect(video.params.caption).not.toContain('Seed');
  });

  it('a seed out of range, or on a model without seeds, gets its own reply and costs nothing', async () => {
    const { h: t, alice, chat } = await scene();
    await t.tg.waitForPoll();
    const zero = t.tg.send({ chat, from: alice, text: '/video a fox --model kling-2.1-master --seed 0' });
    expect((await replyTo(t, chat, zero)).text).toBe(
      'The seed must be a whole number from 1 to 2147483647; "0" is not one.',
    );
    const unseeded = t.tg.send({ chat, from: alice, text: '/video a fox --seed 5' });
    expect((await replyTo(t, chat, unseeded)).text).toBe(
      'kling-2.5-turbo-pro does not take --seed. Models that do: kling-2.1-master, kling-2.1-pro.',
    );
    const word = t.tg.send({ chat, from: alice, text: '/video a fox --seed lucky' });
    expect((await replyTo(t, chat, word)).text).toMatch(/--seed.*a whole number like 12345/);
    await nothingQueued(t, alice);
  });
});
