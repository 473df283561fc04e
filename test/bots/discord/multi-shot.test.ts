import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { discordHarnesses, OPT } from '../../helpers/discord.js';

/** Several shots on Discord: the `multi_shot` option reaches the provider, or is refused with why. */

const harness = discordHarnesses();

const done = (m: APIMessage): boolean => (m.attachments?.length ?? 0) > 0;

describe('discord bot: multi_shot', () => {
  it('on: RunningHub gets multiShot with the model choosing the shots; off: one shot', async () => {
    const t = await harness();
    for (const value of [true, false]) {
      const i = t.run('video', [
        { name: 'prompt', type: OPT.string, value: 'a day in the city' },
        { name: 'model', type: OPT.string, value: 'kling-3.0-std' },
        { name: 'multi_shot', type: OPT.boolean, value },
      ]);
      await t.reply(i.token, done);
    }
    expect(t.rh.submitted().map((b) => [b.multiShot, b.shotType])).toEqual([
      [true, 'intelligence'],
      [false, undefined],
    ]);
  });

  it('on a one-shot model, the reply names the models that can, and nothing is queued', async () => {
    const t = await harness();
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'a fox' },
      { name: 'model', type: OPT.string, value: 'kling-2.5-turbo-pro' },
      { name: 'multi_shot', type: OPT.boolean, value: true },
    ]);
    expect((await t.answer(i.token)).content).toBe(
      'kling-2.5-turbo-pro makes one continuous shot. Models that can cut between shots: kling-o3-pro, kling-o3-std, kling-3.0-pro, kling-3.0-std, wan-2.6.',
    );
    expect(await t.app.queues.generate.getJobCounts()).toMatchObject({ waiting: 0, active: 0, delayed: 0 });
  });
});
