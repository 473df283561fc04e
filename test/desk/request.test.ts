import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import type { MediaRef } from '../../src/core/request.js';
import { offeredSettings } from '../../src/desk/commands.js';
import { type Attachment, checkCommand, type GenerateCommand, requestOf } from '../../src/desk/request.js';

const image = (n: number, extra: Partial<MediaRef> = {}): MediaRef => ({
  source: { kind: 'chat', id: `file-${n}` },
  contentType: 'image/png',
  width: 800,
  height: 600,
  size: 1000,
  ...extra,
});
const video = (): MediaRef => ({
  source: { kind: 'chat', id: 'video-1' },
  contentType: 'video/mp4',
  size: 2000,
});

const command = (
  name: GenerateCommand['command'],
  attachments: Attachment[] = [],
  settings: GenerateCommand['settings'] = {},
): GenerateCommand => ({
  command: name,
  requester: { platform: 'chat', userId: '1' },
  place: { platform: 'chat' },
  target: { platform: 'chat', data: {} },
  prompt: 'a lighthouse in a storm',
  settings,
  attachments,
});

const unslotted = (...refs: MediaRef[]): Attachment[] =>
  refs.map((ref) => ({ ref, kind: ref.contentType?.startsWith('video/') ? 'video' : 'image' }));

describe('the desk places attachments where they go', () => {
  it('/video: one image animates, two are the first and last frame, in order', () => {
    const one = requestOf(command('video', unslotted(image(1))), CATALOG);
    expect(one).toMatchObject({ ok: true, value: { model: 'kling-2.5-turbo-pro', firstFrame: image(1) } });
    const two = requestOf(command('video', unslotted(image(1), image(2))), CATALOG);
    expect(two).toMatchObject({ ok: true, value: { firstFrame: image(1), lastFrame: image(2) } });
  });

  it('/video: where a platform names the places, the names decide', () => {
    const named = requestOf(
      command('video', [
        { ref: image(2), kind: 'image', slot: 'last' },
        { ref: image(1), kind: 'image', slot: 'first' },
      ]),
      CATALOG,
    );
    expect(named).toMatchObject({ ok: true, value: { firstFrame: image(1), lastFrame: image(2) } });
    const lastOnly = checkCommand(
      command('video', [{ ref: image(2), kind: 'image', slot: 'last' }]),
      CATALOG,
    );
    expect(lastOnly).toMatchObject({ ok: false, error: { id: 'last-frame-without-first' } });
  });

  it('/video: three images are one too many, and the reply points to /reference', () => {
    const three = requestOf(command('video', unslotted(image(1), image(2), image(3))), CATALOG);
    expect(three).toEqual({ ok: false, error: { id: 'too-many-frames', details: { count: 3, max: 7 } } });
  });

  it('/reference: every image is a reference and the first video the reference video', () => {
    const r = requestOf(command('reference', unslotted(image(1), image(2), video())), CATALOG);
    expect(r).toMatchObject({
      ok: true,
      value: { model: 'kling-o3-pro', references: [image(1), image(2)], referenceVideo: video() },
    });
    expect(checkCommand(command('reference', unslotted(image(1), video())), CATALOG).ok).toBe(true);
  });

  it('a video on /video is refused, naming the models that take one', () => {
    const r = checkCommand(command('video', unslotted(video())), CATALOG);
    expect(r).toMatchObject({
      ok: false,
      error: {
        id: 'mode-unsupported',
        details: { mode: 'reference-video', models: ['kling-o3-pro', 'kling-o3-std'] },
      },
    });
  });

  it("refuses what the platform will not let a bot download, naming the input and the platform's limit", () => {
    const big: Attachment = {
      ref: image(2, { size: 30 * 1024 * 1024 }),
      kind: 'image',
      maxBytes: 20 * 1024 * 1024,
    };
    const r = requestOf(command('video', [{ ref: image(1), kind: 'image' }, big]), CATALOG);
    expect(r).toEqual({
      ok: false,
      error: {
        id: 'image-too-large',
        details: { input: 'last-frame', size: 30 * 1024 * 1024, max: 20 * 1024 * 1024, reason: 'platform' },
      },
    });
  });

  it('passes the settings through and leaves checking them to validate', () => {
    const r = checkCommand(
      command('video', [], { model: 'kling-o1', quality: 'pro', duration: 10 }),
      CATALOG,
    );
    expect(r).toMatchObject({
      ok: true,
      value: { model: 'kling-o1', quality: 'pro', duration: 10, credits: 560 },
    });
    const refused = checkCommand(command('video', [], { quality: 'std' }), CATALOG);
    expect(refused).toMatchObject({
      ok: false,
      error: {
        id: 'quality-unsupported',
        // Among the models that have std (the whole list is validate's to test).
        details: { models: expect.arrayContaining(['kling-o1', 'kling-o3-std', 'kling-3.0-std']) },
      },
    });
  });
});

describe('each command offers only the settings some of its models take', () => {
  it('/video: every setting; /reference: no negative prompt, no guidance, no resolution, no seed', () => {
    expect(offeredSettings('video', CATALOG).map((s) => s.key)).toEqual([
      'model',
      'duration',
      'aspectRatio',
      'negativePrompt',
      'quality',
      'cfgScale',
      'sound',
      'resolution',
      'seed',
      'multiShot',
    ]);
    expect(offeredSettings('reference', CATALOG).map((s) => s.key)).toEqual([
      'model',
      'duration',
      'aspectRatio',
      'sound',
      'multiShot',
    ]);
  });
});
