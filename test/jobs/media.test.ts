import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import {
  createUrlSource,
  imageSize,
  loadImage,
  loadVideo,
  MediaError,
  mp4Duration,
  sniffType,
} from '../../src/jobs/media.js';
import { FakeFileHost } from '../fakes/files.js';
import { clipMp4, documentPdf, localNetwork, makePng, photoJpeg } from '../helpers/media.js';

const limits = CATALOG.find((m) => m.id === 'kling-2.5-turbo-pro')!.images;
const sources = { url: createUrlSource({ network: localNetwork() }) };
let host: FakeFileHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const ref = (url: string) => ({ source: { kind: 'url', id: url } });
const failure = async (p: Promise<unknown>): Promise<MediaError> => {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
};

describe('what the bytes are', () => {
  it('knows JPEG, PNG, WebP, GIF, PDF and MP4 by their first bytes', () => {
    expect(sniffType(photoJpeg())).toBe('image/jpeg');
    expect(sniffType(makePng(10, 10))).toBe('image/png');
    expect(sniffType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffType(Buffer.from('GIF89a......'))).toBe('image/gif');
    expect(sniffType(documentPdf())).toBe('application/pdf');
    expect(sniffType(clipMp4())).toBe('video/mp4');
    expect(sniffType(Buffer.from('hello world'))).toBeUndefined();
  });

  it('reads dimensions from PNG and JPEG headers', () => {
    expect(imageSize(makePng(321, 654), 'image/png')).toEqual({ width: 321, height: 654 });
    expect(imageSize(photoJpeg(), 'image/jpeg')).toEqual({ width: 480, height: 360 });
  });

  it('reads an MP4 length from its mvhd box', () => {
    expect(mp4Duration(clipMp4())).toBeCloseTo(1, 1);
    expect(mp4Duration(Buffer.from('no boxes here'))).toBeUndefined();
  });
});

describe('loading an image for a model', () => {
  it('returns the exact bytes with the sniffed type', async () => {
    host = await FakeFileHost.start();
    const bytes = photoJpeg();
    // The host lies about the type: the bytes decide.
    const media = await loadImage(ref(host.put('x.png', bytes, 'image/png')), limits, 'first-frame', sources);
    expect(Buffer.from(media.bytes)).toEqual(bytes);
    expect(media.contentType).toBe('image/jpeg');
    expect(media.filename).toBe('first-frame.jpg');
  });

  it('a PDF named .png is refused by its bytes', async () => {
    host = await FakeFileHost.start();
    const e = await failure(
      loadImage(ref(host.put('cat.png', documentPdf())), limits, 'first-frame', sources),
    );
    expect(e.userError).toMatchObject({ id: 'image-type-unsupported', details: { type: 'application/pdf' } });
    expect(e.retryable).toBe(false);
  });

  it('text that is no image at all is image-not-an-image', async () => {
    host = await FakeFileHost.start();
    const e = await failure(
      loadImage(ref(host.put('a.png', Buffer.from('<html>'))), limits, 'reference-1', sources),
    );
    expect(e.userError.id).toBe('image-not-an-image');
  });

  it('stops reading a 40 MB image at the limit', async () => {
    host = await FakeFileHost.start();
    const big = Buffer.concat([makePng(400, 400), Buffer.alloc(40 * 1024 * 1024)]);
    const e = await failure(loadImage(ref(host.put('big.png', big)), limits, 'first-frame', sources));
    // The source does not know which input it fetched; the error names it all the same.
    expect(e.userError).toMatchObject({
      id: 'image-too-large',
      details: { input: 'first-frame', max: 20 * 1024 * 1024 },
    });
  });

  it('checks the real dimensions: too small and too large', async () => {
    host = await FakeFileHost.start();
    const small = await failure(
      loadImage(ref(host.put('s.png', makePng(200, 400))), limits, 'first-frame', sources),
    );
    expect(small.userError).toMatchObject({ id: 'image-too-small', details: { min: 300 } });
    const wide = await failure(
      loadImage(ref(host.put('w.png', makePng(2100, 400))), limits, 'first-frame', sources),
    );
    expect(wide.userError).toMatchObject({ id: 'image-dimensions-too-large', details: { max: 2048 } });
  });

  it('a 404 (expired link) is final; a 503 may be tried again', async () => {
    host = await FakeFileHost.start();
    const gone = await failure(
      loadImage(ref(`${host.server.baseUrl}/nothing.png`), limits, 'first-frame', sources),
    );
    expect(gone).toMatchObject({
      retryable: false,
      userError: { id: 'image-download-failed', details: { input: 'first-frame' } },
    });
    host.server.inject('server-error');
    const busy = await failure(
      loadImage(ref(host.put('b.png', makePng(400, 400))), limits, 'first-frame', sources),
    );
    expect(busy.retryable).toBe(true);
  });

  it('a source kind with no source plugged in is refused, not guessed', async () => {
    const e = await failure(
      loadImage({ source: { kind: 'telegram', id: 'abc' } }, limits, 'first-frame', sources),
    );
    expect(e.userError.id).toBe('image-download-failed');
  });

  it('a reference video must be an MP4 within its length', async () => {
    host = await FakeFileHost.start();
    const o3 = CATALOG.find((m) => m.id === 'kling-o3-pro')!.referenceVideo!;
    const video = await loadVideo(ref(host.put('v.mp4', clipMp4(), 'video/mp4')), o3, sources);
    expect(Buffer.from(video.bytes)).toEqual(clipMp4());
    const e = await failure(loadVideo(ref(host.put('v.mp4', photoJpeg(), 'video/mp4')), o3, sources));
    expect(e.userError.id).toBe('image-type-unsupported');
    const short = await failure(
      loadVideo(ref(host.put('v.mp4', clipMp4(), 'video/mp4')), { ...o3, maxSeconds: 0.5 }, sources),
    );
    expect(short.userError).toMatchObject({
      id: 'video-too-long',
      details: { input: 'reference-video', seconds: 1, max: 0.5 },
    });
  });
});
