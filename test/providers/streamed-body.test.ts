import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { multipartFile, slicesOf, streamedBody } from '../../src/providers/http.js';
import { createRunningHub } from '../../src/providers/runninghub/client.js';
import { createRunware, imageUploadBody } from '../../src/providers/runware/client.js';
import { createRunningHubFake } from '../fakes/runninghub.js';
import { createRunwareFake } from '../fakes/runware.js';
import { parseMultipart } from '../fakes/server.js';
import { makePng } from '../helpers/media.js';

const joined = (pieces: Iterable<Uint8Array>): Buffer => Buffer.concat([...pieces]);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('bodies sent from the bytes we hold', () => {
  it('slices are views of the same memory, in order', () => {
    const bytes = randomBytes(1000);
    const slices = [...slicesOf(bytes, 300)];
    expect(slices.map((s) => s.byteLength)).toEqual([300, 300, 300, 100]);
    for (const s of slices) expect(s.buffer).toBe(bytes.buffer);
    expect(joined(slices).equals(bytes)).toBe(true);
  });

  it('a Runware imageUpload body is the same JSON as one stringified whole, at its declared length', () => {
    // Sizes around the base64 slice (3 × 64 KiB) and its padding cases.
    for (const size of [0, 1, 2, 3, 4, 196_607, 196_608, 196_609, 1_000_003]) {
      const bytes = randomBytes(size);
      const body = imageUploadBody('uuid-1', 'image/png', bytes);
      const text = joined(body.pieces);
      const whole = JSON.stringify([
        {
          taskType: 'imageUpload',
          taskUUID: 'uuid-1',
          image: `data:image/png;base64,${bytes.toString('base64')}`,
        },
      ]);
      expect(text.toString('utf8')).toBe(whole);
      expect(body.length).toBe(text.length);
    }
  });

  it('a one-file multipart form parses back to the file, at its declared length', () => {
    const bytes = randomBytes(700_001);
    const form = multipartFile('file', { bytes, contentType: 'image/jpeg', filename: 'first-frame.jpg' });
    const body = joined(form.pieces);
    expect(body.length).toBe(form.length);
    const parts = parseMultipart(body, form.contentType);
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ name: 'file', filename: 'first-frame.jpg', contentType: 'image/jpeg' });
    expect(parts[0]?.data.equals(bytes)).toBe(true);
  });

  it('streamedBody refuses redirects (undici would keep a copy of the body to replay it)', () => {
    const body = streamedBody(3, [Buffer.from('abc')]);
    expect(body).toMatchObject({ duplex: 'half', redirect: 'error', contentLength: '3' });
  });

  it('RunningHub gets the upload with a Content-Length, not chunked, byte for byte; our bytes are untouched', async () => {
    const fake = await createRunningHubFake();
    closers.push(() => fake.close());
    const rh = createRunningHub({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const copy = Buffer.from(bytes);
    const handle = await rh.stageMedia({ bytes, contentType: 'video/mp4', filename: 'reference-video.mp4' });
    const [upload] = fake.server.requestsOf('upload');
    expect(upload?.headers['transfer-encoding']).toBeUndefined();
    expect(Number(upload?.headers['content-length'])).toBe(upload?.body.length);
    const received = fake.media().find((m) => m.handle === handle);
    expect(received?.bytes.equals(copy)).toBe(true);
    expect(received?.filename).toBe('reference-video.mp4');
    expect(bytes.equals(copy)).toBe(true);
  });

  it('Runware gets the image as a data URI in a streamed JSON body, byte for byte', async () => {
    const fake = await createRunwareFake();
    closers.push(() => fake.close());
    const rw = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    const png = makePng(640, 480, 9);
    const handle = await rw.stageMedia({ bytes: png, contentType: 'image/png', filename: 'first-frame.png' });
    const [upload] = fake.server.requestsOf('upload');
    expect(upload?.headers['transfer-encoding']).toBeUndefined();
    expect(upload?.headers['content-type']).toBe('application/json');
    expect(Number(upload?.headers['content-length'])).toBe(upload?.body.length);
    expect(
      fake
        .media()
        .find((m) => m.handle === handle)
        ?.bytes.equals(png),
    ).toBe(true);
  });
});
