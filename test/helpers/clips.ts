import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFfmpeg } from '../../src/media/ffmpeg.js';
import type { FfmpegPaths } from '../../src/media/probe.js';

const run = promisify(execFile);

export interface ClipSpec {
  seconds: number;
  width: number;
  height: number;
  audio: boolean;
  codec?: 'h264' | 'mpeg4' | 'vp9';
  container?: 'mp4' | 'mkv' | 'webm';
  /** About how large the file should be: the video bitrate is set from it (h264 and vp9). */
  targetBytes?: number;
  fps?: number;
}

let dir: Promise<string> | undefined;
const made = new Map<string, Promise<string>>();

/** This test file's own temporary folder (made on first use; {@link removeClips} deletes it). */
export const clipDir = (): Promise<string> => {
  dir ??= mkdtemp(join(tmpdir(), 'reelay-clips-'));
  return dir;
};

/** A path in {@link clipDir} for a test's output. */
export const clipPath = async (name: string): Promise<string> => join(await clipDir(), name);

/** Deletes every clip this test file made (call it in `afterAll`). */
export async function removeClips(): Promise<void> {
  const current = dir;
  dir = undefined;
  made.clear();
  if (current) await rm(await current, { recursive: true, force: true });
}

let found: Promise<FfmpegPaths> | undefined;

/** ffmpeg as the tests find it (FFMPEG_PATH, else PATH); fails loudly when there is none. */
export function testFfmpeg(): Promise<FfmpegPaths> {
  found ??= findFfmpeg(process.env).then((paths) => {
    if (!paths) throw new Error('these tests need ffmpeg and ffprobe (apt-get install ffmpeg)');
    return paths;
  });
  return found;
}

const videoArgs = (spec: ClipSpec, codec: NonNullable<ClipSpec['codec']>): string[] => {
  const audioBps = spec.audio ? 128_000 : 0;
  const bitrate = spec.targetBytes
    ? String(Math.max(50_000, Math.round((spec.targetBytes * 8) / spec.seconds - audioBps)))
    : undefined;
  switch (codec) {
    case 'h264':
      return [
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
        ...(bitrate ? ['-b:v', bitrate] : ['-crf', '28']),
      ];
    case 'mpeg4':
      return ['-c:v', 'mpeg4', '-q:v', '5'];
    case 'vp9':
      return [
        ...['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1'],
        ...(bitrate ? ['-b:v', bitrate] : ['-b:v', '300k']),
      ];
  }
};

/**
 * A clip made by ffmpeg itself: `testsrc2` for the picture, a `sine` for the sound. Made once per
 * spec per test file (cached), in that file's temporary folder. An MP4 keeps its `moov` atom at the
 * end, as most encoders leave it. Each takes a second or two on 2 cores.
 */
export function makeClip(spec: ClipSpec): Promise<string> {
  const key = JSON.stringify(spec);
  let clip = made.get(key);
  if (!clip) {
    clip = generate(spec);
    made.set(key, clip);
  }
  return clip;
}

async function generate(spec: ClipSpec): Promise<string> {
  const codec = spec.codec ?? 'h264';
  const container = spec.container ?? (codec === 'vp9' ? 'webm' : 'mp4');
  const fps = spec.fps ?? 24;
  const name = `${codec}-${spec.width}x${spec.height}-${spec.seconds}s-${spec.audio ? 'a' : 'na'}-${spec.targetBytes ?? 'q'}-${fps}.${container}`;
  const out = join(await clipDir(), name);
  const size = `${spec.width}x${spec.height}`;
  const audioCodec =
    container === 'webm' ? ['-c:a', 'libopus', '-b:a', '64k'] : ['-c:a', 'aac', '-b:a', '128k'];
  await run(
    (await testFfmpeg()).ffmpeg,
    [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}:duration=${spec.seconds}`],
      ...(spec.audio
        ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`]
        : []),
      ...videoArgs(spec, codec),
      ...(spec.audio ? audioCodec : ['-an']),
      out,
    ],
    { timeout: 60_000 },
  );
  return out;
}

/**
 * A file of random bytes named like a clip: what a broken download looks like. The bytes come from
 * a fixed seed, so every run feeds ffmpeg the same garbage (truly random bytes are, rarely, taken
 * for some stream ffmpeg knows).
 */
export async function brokenClip(bytes = 64 * 1024, seed = 'reelay'): Promise<string> {
  const out = join(await clipDir(), `broken-${bytes}-${seed}.mp4`);
  const blocks: Buffer[] = [];
  let block = createHash('sha256').update(seed).digest();
  for (let made = 0; made < bytes; made += block.length) {
    blocks.push(block);
    block = createHash('sha256').update(block).digest();
  }
  await writeFile(out, Buffer.concat(blocks).subarray(0, bytes));
  return out;
}

/**
 * The top-level MP4 boxes in order ('ftyp', 'moov', 'mdat', …): `+faststart` puts `moov` before
 * `mdat`. Reads only the box headers.
 */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: string[] = [];
    const header = Buffer.alloc(16);
    for (let at = 0; at + 8 <= size; ) {
      await handle.read(header, 0, 16, at);
      let length = header.readUInt32BE(0);
      boxes.push(header.toString('latin1', 4, 8));
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      else if (length === 0) length = size - at;
      if (length < 8) break;
      at += length;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}
