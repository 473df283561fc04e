import { describe, expect, it } from 'vitest';
import { readGeneratePayload } from '../../../src/jobs/migrate.js';
import type { TelegramHarness } from '../../helpers/telegram.js';
import { answerText, say, statusOf, telegramScenes } from '../../helpers/telegram.js';

/**
 * Choosing among many models on Telegram: `--model` takes short names and says which models an
 * ambiguous one could be; `/models` groups models by family within one message; `/models <name>`
 * shows one model.
 */

const scene = telegramScenes();

/** The models of the jobs queued so far. */
async function queuedModels(t: TelegramHarness): Promise<string[]> {
  const jobs = await t.app.queues.generate.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  return jobs.map((j) => readGeneratePayload(j.data)?.request.model ?? '');
}

describe('telegram: choosing a model', () => {
  it('--model takes a short name, an alias or a unique prefix', async () => {
    const { h: t, alice, chat } = await scene({ workers: false, env: { QUOTA_DAILY_CREDITS: '100000' } });
    for (const [typed, id] of [
      ['kling3', 'kling-3.0-pro'],
      ['Kling-2.1-Mas', 'kling-2.1-master'],
      ['o1', 'kling-o1'],
    ]) {
      const sent = t.tg.send({ chat, from: alice, text: `/video a fox in the snow --model ${typed}` });
      await statusOf(t, chat, sent);
      expect((await queuedModels(t)).includes(id as string), typed).toBe(true);
    }
  });

  it('an ambiguous --model is answered with the models it could be, and nothing is queued', async () => {
    const { h: t, alice, chat } = await scene({ workers: false });
    expect(await answerText(t, chat, alice, '/video a fox --model kling-2.1')).toBe(
      '"kling-2.1" could be kling-2.1-master or kling-2.1-pro. Say which with --model.',
    );
    expect(await answerText(t, chat, alice, '/video a fox --model sora-9')).toMatch(
      /^There is no model called "sora-9"\./,
    );
    expect(await queuedModels(t)).toEqual([]);
  });

  it('/models groups the models by family in one message; /models <name> shows one', async () => {
    const { h: t, alice, chat } = await scene({ workers: false });
    const list = (await say(t, chat, alice, '/models')).text ?? '';
    expect(list.length).toBeLessThan(4096);
    expect(list).toContain('▸ Kling');
    for (const m of t.app.catalog) expect(list).toContain(m.id);
    expect(list).toContain('Choose one with --model (short names work: ');

    const one = await answerText(t, chat, alice, '/models kling3');
    expect(one).toMatch(/^🎞 Kling 3\.0 Pro\n\nKling 3\.0 Pro · kling-3\.0-pro\n/);
    expect(one).toContain('• Sound (--sound): on by default');
    expect(one).toContain('Credits per clip\n• 72 per second\n• with sound 90 per second');
    const several = await answerText(t, chat, alice, '/models kling-2.1');
    expect(several).toMatch(/^🎞 “kling-2\.1” could be 2 models\n\nkling-2\.1-master text, image/);
    expect(await answerText(t, chat, alice, '/models sora-9')).toMatch(
      /^There is no model called “sora-9”\.\n\nKling: kling-2\.5-turbo-pro, /,
    );
  });
});
