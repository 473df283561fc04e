import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/catalog/models.js';
import { parseGenerateArgs } from '../src/cli.js';
import { validate } from '../src/core/validate.js';

const base = ['--prompt', 'lanterns over the river', '--out', 'clip.mp4'];

describe('reelay generate: resolution, seed and several shots', () => {
  it('passes --resolution, --seed and --multi-shot to the request the validator checks', async () => {
    const { request } = await parseGenerateArgs([
      ...['--model', 'wan-2.6', ...base],
      ...['--resolution', '720p', '--multi-shot'],
    ]);
    expect(request).toMatchObject({ resolution: '720p', multiShot: true });
    const checked = validate(request, CATALOG);
    expect(checked.ok && checked.value).toMatchObject({
      resolution: '720p',
      multiShot: true,
      credits: 5 * 60,
    });
    const seeded = await parseGenerateArgs(['--model', 'kling-2.1-master', ...base, '--seed', '424242']);
    expect(seeded.request.seed).toBe(424242);
    const valid = validate(seeded.request, CATALOG);
    expect(valid.ok && valid.value.seed).toBe(424242);
  });

  it('refuses a seed that is not a number before anything is sent', async () => {
    await expect(
      parseGenerateArgs(['--model', 'kling-2.1-master', ...base, '--seed', 'lucky']),
    ).rejects.toThrow('--seed: expected a number, got "lucky"');
  });
});
