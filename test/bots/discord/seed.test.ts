import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { discordHarnesses, OPT } from '../../helpers/discord.js';

/** The seed on Discord: the chosen one reaches the provider and is shown with the clip, to make it again. */

const harness = discordHarnesses();

const done = (m: APIMessage): boolean => (m.attachments?.length ?? 0) > 0;
const seedField = (m: APIMessage) => m.embeds?.[0]?.fields?.find((f) => f.name === 'Seed');

describe('discord bot: seed', () => {
  it('a chosen seed reaches the provider, and the clip shows it and how to make it again', async () => {
    const t = await harness();
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'a dragon over the city' },
      { name: 'model', type: OPT.string, value: 'kling-2.1-master' },
      { name: 'seed', type: OPT.integer, value: 424242 },
    ]);
    const final = await t.reply(i.token, done);
    expect(t.rw.submitted()).toEqual([expect.objectContaining({ model: 'klingai:5@3', seed: 424242 })]);
    expect(seedField(final)?.value).toBe('Seed 424242: add `seed` 424242 to make it again');
  });

  it('a clip made without a seed shows none', async () => {
    const t = await harness();
    const i = t.run('video', [
      { name: 'prompt', type: OPT.string, value: 'a dragon over the city' },
      { name: 'model', type: OPT.string, value: 'kling-2.1-master' },
    ]);
    const final = await t.reply(i.token, done);
    expect(t.rw.submitted()[0]).not.toHaveProperty('seed');
    expect(seedField(final)).toBeUndefined();
  });
});
