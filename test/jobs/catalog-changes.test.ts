import { readFile } from 'node:fs/promises';
import type { Message } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import type { RetiredModel } from '../../src/catalog/retired.js';
import type { ModelSpec } from '../../src/core/catalog.js';
import type { Requester } from '../../src/core/request.js';
import { AGAIN_LABEL } from '../../src/desk/delivered.js';
import { fileTarget } from '../../src/jobs/file-delivery.js';
import { type Harness, memberUsage, startHarness } from '../helpers/harness.js';
import { photoJpeg } from '../helpers/media.js';
import { answerTo, replyTo, telegramScenes, videoFor } from '../helpers/telegram.js';

/**
 * Safe catalog changes: a job already in flight finishes when its model leaves the catalog (it
 * carries the route it was prepared for); one that has not started is refunded and told what
 * replaced its model; a request or an Again naming a retired model is told the same.
 */

const bob: Requester = { platform: 'telegram', userId: 'bob' };
const RETIRED: RetiredModel[] = [
  { id: 'kling-o1', replacedBy: 'kling-o3-pro', note: 'It keeps subjects just as consistent.' },
];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The shipped catalog as an array a test may take a model out of while the app runs. */
const changeable = (): ModelSpec[] => [...CATALOG];

const remove = (catalog: ModelSpec[], id: string): void => {
  catalog.splice(
    catalog.findIndex((m) => m.id === id),
    1,
  );
};

describe('a job in flight when its model leaves the catalog', () => {
  it('prepared before the model left: it is submitted on the route it was prepared for, and delivered', async () => {
    const catalog = changeable();
    const t = await startHarness({ providers: ['runninghub'], catalog, retired: RETIRED });
    h = t;
    // The upload of the first frame is held: the model leaves the catalog while it is staged.
    t.rh.server.hold('upload');
    const frame = t.files.put('cat.jpg', photoJpeg(), 'image/jpeg');
    const out = t.out('clip.mp4');
    const accepted = await t.app.intake.submit(
      {
        model: 'kling-o1',
        prompt: 'the cat turns its head',
        quality: 'pro',
        firstFrame: { source: { kind: 'url', id: frame }, contentType: 'image/jpeg' },
      },
      bob,
      fileTarget(out),
    );
    if (!accepted.ok) throw new Error(`refused: ${JSON.stringify(accepted.error)}`);
    const held = await t.rh.server.nextHeld();
    remove(catalog, 'kling-o1');
    held.release();

    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('completed');
    expect(await readFile(out)).toEqual(t.rh.video);
    expect(t.rh.server.requestsOf('submit').map((r) => r.path)).toEqual([
      '/openapi/v2/kling-video-o1/image-to-video',
    ]);
    expect(t.rh.submitted()).toEqual([
      {
        prompt: 'the cat turns its head',
        aspectRatio: '16:9',
        duration: '5',
        firstImageUrl: t.rh.media()[0]?.handle,
        mode: 'pro',
      },
    ]);
    // Charged as it was priced when it was taken.
    expect((await memberUsage(t.app, bob)).used).toBe(280);
  });

  it('not started yet: refunded, and told the model is retired and what replaced it', async () => {
    const catalog = changeable();
    const t = await startHarness({ providers: ['runninghub'], catalog, retired: RETIRED, workers: false });
    h = t;
    const accepted = await t.app.intake.submit(
      { model: 'kling-o1', prompt: 'a kite over the dunes' },
      bob,
      fileTarget(t.out('clip.mp4')),
    );
    if (!accepted.ok) throw new Error(`refused: ${JSON.stringify(accepted.error)}`);
    remove(catalog, 'kling-o1');
    t.app.startWorkers();

    const done = await t.finished(accepted.value.jobId);
    expect(done.state).toBe('failed');
    expect(done.deliver?.data.outcome).toEqual({
      kind: 'failure',
      error: {
        id: 'model-retired',
        details: {
          model: 'kling-o1',
          replacement: 'kling-o3-pro',
          note: 'It keeps subjects just as consistent.',
        },
      },
      refunded: true,
    });
    expect(t.rh.submitCount()).toBe(0);
    expect((await memberUsage(t.app, bob)).used).toBe(0);
  });
});

describe('a retired model named by a member', () => {
  const scene = telegramScenes();

  it('/video --model <retired id> is answered with its replacement, and nothing is queued', async () => {
    const catalog = CATALOG.filter((m) => m.id !== 'kling-o1');
    const { h: t, alice, chat } = await scene({ catalog, retired: RETIRED });
    const request = t.tg.send({ chat, from: alice, text: '/video a fox in the snow --model kling-o1' });
    const reply = await replyTo(t, chat, request);
    expect(reply.text).toBe(
      'kling-o1 is no longer offered: use kling-o3-pro instead. It keeps subjects just as consistent.',
    );
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
  });

  it('Again of a clip whose model was retired since says so, at no charge', async () => {
    const catalog = changeable();
    const { h: t, alice } = await scene({ catalog, retired: RETIRED });
    const group = t.tg.groupChat();
    const request = t.tg.send({
      chat: group,
      from: alice,
      photo: t.tg.photo(photoJpeg(), 480, 360),
      caption: '/video the cat turns its head --model kling-o1',
    });
    const sent = await videoFor(t, request);
    const clip = (sent.response as { result: Message }).result;
    remove(catalog, 'kling-o1');

    const press = t.tg.press(clip, { text: AGAIN_LABEL }, alice);
    expect((await answerTo(t, press)).text).toBe(
      'kling-o1 is no longer offered: use kling-o3-pro instead. It keeps subjects just as consistent.',
    );
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(1);
  });
});
