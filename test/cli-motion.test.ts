import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/catalog/models.js';
import { parseGenerateArgs } from '../src/cli.js';
import { validate } from '../src/core/validate.js';
import { clipMp4, photoJpeg } from './helpers/media.js';

describe('reelay generate --motion-video', () => {
  it('makes a motion-control request: --first-frame is the character, the video the motion', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelay-motion-'));
    try {
      const image = join(dir, 'knight.jpg');
      const video = join(dir, 'moves.mp4');
      await writeFile(image, photoJpeg());
      await writeFile(video, clipMp4());
      const { request } = await parseGenerateArgs([
        ...['--model', 'kling-2.6-std', '--prompt', 'the knight dances', '--out', join(dir, 'out.mp4')],
        ...['--first-frame', image, '--motion-video', video],
      ]);
      expect(request).toMatchObject({ mode: 'motion', firstFrame: { source: { kind: 'file' } } });
      expect(request.referenceVideo?.source.id).toBe(video);
      const checked = validate(request, CATALOG);
      expect(checked.ok && checked.value).toMatchObject({ mode: 'motion', duration: 10, credits: 210 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
