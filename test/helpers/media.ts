import { readFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { MediaError } from '../../src/jobs/media.js';

/** What `work` threw, checked to be a MediaError (a source's or a loader's refusal). */
export async function mediaError(work: Promise<unknown>): Promise<MediaError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
};

/**
 * A real PNG of `width`×`height`, filled with a colour derived from `seed`, so two calls with
 * different seeds give different bytes (tests check the provider got exactly these).
 */
export function makePng(width: number, height: number, seed = 1): Buffer {
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) {
    row[1 + x * 3] = (seed * 37) & 0xff;
    row[2 + x * 3] = (seed * 91 + x) & 0xff;
    row[3 + x * 3] = (seed * 53) & 0xff;
  }
  return png(width, height, Buffer.concat(Array.from({ length: height }, () => row)));
}

/** A PNG of `width`×`height` truecolour pixels from `raw` (filtered rows), deflated. */
function png(width: number, height: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A PNG that claims `width`×`height` in its header, with no real pixel data: enough for every check
 * that reads dimensions from the header, at any size (10000×10000 is a few dozen bytes).
 */
export const pngHeader = (width: number, height: number): Buffer => png(width, height, Buffer.alloc(0));

/**
 * Download settings that let media sources reach fakes on 127.0.0.1: their hosts allowed
 * (`MEDIA_ALLOW_HOSTS`) and private addresses too (`MEDIA_ALLOW_PRIVATE`), as the harness sets them.
 */
export const localNetwork = (...baseUrls: string[]): { allowHosts: string[]; allowPrivate: boolean } => ({
  allowHosts: baseUrls.map((url) => new URL(url).host),
  allowPrivate: true,
});

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** A small real MP4 (H.264, 1 s): what the provider fakes serve as every clip. */
export const clipMp4 = (): Buffer => fixture('clip.mp4');

/** The fixture clip, claiming to last `seconds` (its movie header's duration rewritten). */
export function mp4Lasting(seconds: number): Buffer {
  const bytes = Buffer.from(clipMp4());
  const at = bytes.indexOf('mvhd', 0, 'latin1');
  if (bytes[at + 4] === 1) {
    bytes.writeBigUInt64BE(BigInt(seconds * bytes.readUInt32BE(at + 24)), at + 28);
  } else {
    bytes.writeUInt32BE(seconds * bytes.readUInt32BE(at + 16), at + 20);
  }
  return bytes;
}

/** A real 480×360 JPEG. */
export const photoJpeg = (): Buffer => fixture('photo.jpg');

/** A minimal PDF, for "a PDF as an image" tests. */
export const documentPdf = (): Buffer =>
  Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
