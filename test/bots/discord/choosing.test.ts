import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/core/catalog.js';
import { commandModels } from '../../../src/desk/commands.js';
import { readGeneratePayload } from '../../../src/jobs/migrate.js';
import type { CommandOption } from '../../fakes/discord.js';
import { type DiscordHarness, discordHarnesses, OPT, str } from '../../helpers/discord.js';

/**
 * Choosing among many models on Discord: the `model` option is suggested as it is typed (type 4
 * interactions, answered with type 8), filtered by the text, the attachments and the server's
 * allowed models; short names work at submit; `/models model:` shows one model; a server's default
 * model stands in when a member names none.
 */

const harness = discordHarnesses();

const image = (t: DiscordHarness, name: string): CommandOption => ({
  name,
  type: OPT.attachment,
  value: t.dc.attachment(Buffer.from('png'), { filename: `${name}.png`, width: 1024, height: 1024 }),
});

/** What the bot suggests for `typed` in `/command`'s `model` option, with `options` filled so far. */
async function suggest(
  t: DiscordHarness,
  command: string,
  typed: string,
  options: CommandOption[] = [],
): Promise<string[]> {
  const i = t.dc.autocomplete({
    name: command,
    user: t.alice,
    channelId: t.channel.id,
    guildId: t.guild.id,
    options: [str('prompt', 'a fox'), ...options, str('model', typed)],
    focused: 'model',
  });
  await t.dc.waitForCall('callback', (c) => c.path.startsWith(`/interactions/${i.id}/`));
  const choices = t.dc.suggestions(String(i.id));
  expect(choices).toBeDefined();
  return (choices ?? []).map((c) => String(c.value));
}

const doing = (catalog: readonly ModelSpec[], mode: ModelSpec['modes'][number]) =>
  catalog.filter((m) => m.modes.includes(mode)).map((m) => m.id);

/** The models of the jobs queued so far. */
async function queuedModels(t: DiscordHarness): Promise<string[]> {
  const jobs = await t.app.queues.generate.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  return jobs.map((j) => readGeneratePayload(j.data)?.request.model ?? '');
}

describe('discord: choosing a model', () => {
  it('registers model options as autocomplete, with no choices, and Discord takes them', async () => {
    const t = await harness({ workers: false });
    await t.register();
    const commands = t.dc.commands();
    const model = (name: string, sub?: string) => {
      const command = commands.find((c) => c.name === name) as unknown as {
        options?: Record<string, unknown>[];
      };
      const options = sub
        ? ((command.options?.find((o) => o.name === sub)?.options ?? []) as Record<string, unknown>[])
        : (command.options ?? []);
      return options.find((o) => o.name === 'model');
    };
    for (const [name, sub] of [
      ['video'],
      ['reference'],
      ['models'],
      ['admin', 'default'],
      ['admin', 'models'],
    ]) {
      const option = model(name as string, sub);
      expect(option, `${name} ${sub ?? ''}`).toMatchObject({ type: OPT.string, autocomplete: true });
      expect(option).not.toHaveProperty('choices');
    }
    expect(model('models')?.required).toBeFalsy();
  });

  it('suggests by what was typed, best first, at most 25', async () => {
    const t = await harness({ workers: false });
    const catalog = t.app.catalog;
    const all = await suggest(t, 'video', '');
    expect(all).toEqual(
      commandModels('video', catalog)
        .slice(0, 25)
        .map((m) => m.id),
    );
    // A prefix of the ids: those models, in catalog order.
    expect(await suggest(t, 'video', 'kling-3')).toEqual(['kling-3.0-pro', 'kling-3.0-std']);
    // Case and punctuation don't matter; an alias counts first, then other ids starting so.
    expect((await suggest(t, 'video', 'KLING3'))[0]).toBe('kling-3.0-pro');
    // A word inside the label.
    expect(await suggest(t, 'video', 'master')).toEqual(['kling-2.1-master']);
    expect(await suggest(t, 'video', 'nothing-like-it')).toEqual([]);
  });

  it('suggests only models that take the attachments given so far', async () => {
    const t = await harness({ workers: false });
    const catalog = t.app.catalog;
    const framed = await suggest(t, 'video', 'kling', [image(t, 'first_frame')]);
    expect(framed).toEqual(
      doing(catalog, 'first-frame')
        .filter((id) => id.startsWith('kling'))
        .slice(0, 25),
    );
    expect(framed).toContain('kling-2.5-turbo-std');
    const firstLast = await suggest(t, 'video', 'kling', [image(t, 'first_frame'), image(t, 'last_frame')]);
    expect(firstLast).toEqual(doing(catalog, 'first-last').filter((id) => id.startsWith('kling')));
    expect(firstLast).not.toContain('kling-2.5-turbo-std');
    expect(firstLast).not.toContain('kling-2.6-pro');
    // Text alone: the image-only model is still offered (frames may come after the model).
    expect(await suggest(t, 'video', 'kling-2.5')).toEqual(['kling-2.5-turbo-pro', 'kling-2.5-turbo-std']);
    expect(await suggest(t, 'reference', '', [image(t, 'image1')])).toEqual(doing(catalog, 'reference'));
  });

  it("suggests only the server's allowed models; /models suggests every one", async () => {
    const t = await harness({ workers: false });
    expect(await t.adminSays('models', [str('action', 'deny'), str('model', 'kling-3.0-std')])).toContain(
      'kling-3.0-std is denied here.',
    );
    expect(await suggest(t, 'video', 'kling-3')).toEqual(['kling-3.0-pro']);
    expect(await suggest(t, 'models', 'kling-3')).toEqual(['kling-3.0-pro', 'kling-3.0-std']);
  });

  it('takes a short name at submit; an unknown model gets the clear reply', async () => {
    const t = await harness({ workers: false });
    const ok = t.run('video', [str('prompt', 'a fox in the snow'), str('model', 'Kling3')]);
    await t.outcome(ok.token);
    expect(await queuedModels(t)).toEqual(['kling-3.0-pro']);
    const unknown = t.run('video', [str('prompt', 'a fox in the snow'), str('model', 'sora-9')]);
    expect((await t.answer(unknown.token)).content).toContain('There is no model called "sora-9"');
    const ambiguous = t.run('video', [str('prompt', 'a fox in the snow'), str('model', 'kling-2.1')]);
    expect((await t.answer(ambiguous.token)).content).toBe(
      '"kling-2.1" could be kling-2.1-master or kling-2.1-pro. Say which with `model`.',
    );
    expect(await queuedModels(t)).toEqual(['kling-3.0-pro']);
  });

  it('/models model: shows one model, and the choice when a name fits several', async () => {
    const t = await harness({ workers: false });
    const one = (await t.answer(t.run('models', [str('model', 'kling3')]).token)).content ?? '';
    expect(one).toContain('## 🎞 Kling 3.0 Pro');
    expect(one).toContain('Length: 3–15 s (5 s by default)');
    expect(one).toContain('Sound (`sound`): on by default');
    expect(one).toContain('**Credits per clip**');
    expect(one).toContain('with sound 90 per second');
    const several = (await t.answer(t.run('models', [str('model', 'kling-2.1')]).token)).content ?? '';
    expect(several).toContain('could be 2 models');
    expect(several).toContain('`kling-2.1-master`');
    expect(several).toContain('`kling-2.1-pro`');
    const list = (await t.answer(t.run('models').token)).content ?? '';
    expect(list.length).toBeLessThanOrEqual(2000);
    for (const m of t.app.catalog) expect(list).toContain(`\`${m.id}\``);
  });

  it("a server's default model is used when a member names none; it must be allowed; off restores", async () => {
    const t = await harness({ workers: false, env: { QUOTA_DAILY_CREDITS: '100000' } });
    expect(await t.adminSays('default', [str('model', 'o1')])).toContain(
      'kling-o1 is now the default model here.',
    );
    expect(await t.adminSays('settings')).toContain('Default model:** kling-o1');
    await t.outcome(t.video('a fox in the snow').token);
    // Named models still win; a reference request keeps its own default (O1 takes no references).
    await t.outcome(t.run('video', [str('prompt', 'a fox'), str('model', 'kling-3.0-pro')]).token);
    await t.outcome(t.run('reference', [str('prompt', 'the two friends'), image(t, 'image1')]).token);
    expect((await queuedModels(t)).sort()).toEqual(['kling-3.0-pro', 'kling-o1', 'kling-o3-pro']);

    await t.adminSays('models', [str('action', 'deny'), str('model', 'kling-3.0-std')]);
    expect(await t.adminSays('default', [str('model', 'kling-3.0-std')])).toContain(
      'kling-3.0-std is denied here.',
    );
    expect(await t.adminSays('default', [str('model', 'off')])).toContain(
      'The default model here is the usual one again.',
    );
    await t.outcome(t.video('a hare in the snow').token);
    expect(await queuedModels(t)).toContain('kling-2.5-turbo-pro');
  });
});
