import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError, type FfmpegPaths, fitUnder, RETRY_FACTOR } from '../../src/media/ffmpeg.js';
import { clipDir, makeClip, removeClips, testFfmpeg } from '../helpers/clips.js';

/**
 * The retry is hard to provoke with a real encoder on a small clip, so here ffmpeg is a stand-in:
 * a Node script that logs each call's `-pass` and `-b:v`, and for pass 2 writes either `overBytes`
 * of padding (while `-b:v` is above `fitsBelowBps`) or a copy of a real small clip. ffprobe is real.
 */
async function fakeFfmpeg(opts: { overBytes: number; fitsBelowBps: number; realClip: string }) {
  const dir = await mkdtemp(join(await clipDir(), 'fake-'));
  const log = join(dir, 'calls.jsonl');
  const script = join(dir, 'ffmpeg');
  await writeFile(
    script,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
const pass = Number(value('-pass'));
const bps = Number(value('-b:v'));
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ pass, bps }) + '\\n');
if (pass === 2) {
  const out = args.at(-1).replace(/^file:/, '');
  if (bps > ${opts.fitsBelowBps}) fs.writeFileSync(out, Buffer.alloc(${opts.overBytes}));
  else fs.copyFileSync(${JSON.stringify(opts.realClip)}, out);
}
`,
  );
  await chmod(script, 0o755);
  const calls = async () =>
    (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { pass: number; bps: number });
  return { script, calls, dir };
}

let real: FfmpegPaths;
let big: string;
let small: string;
beforeAll(async () => {
  real = await testFfmpeg();
  big = await makeClip({ seconds: 2, width: 640, height: 360, audio: true, targetBytes: 600_000 });
  small = await makeClip({ seconds: 2, width: 320, height: 240, audio: true });
});
afterAll(removeClips);

const LIMIT = 400_000;

describe('fitUnder retries once, lower, when the result is still over', () => {
  it('a result over the limit is encoded again at 85 % of the bitrate, and kept when it fits', async () => {
    const fake = await fakeFfmpeg({ overBytes: LIMIT + 1_000, fitsBelowBps: 1_000_000, realClip: small });
    const paths = { ...real, ffmpeg: fake.script };
    const work = await mkdtemp(join(fake.dir, 'work-'));
    const result = await fitUnder(paths, big, join(fake.dir, 'out.mp4'), LIMIT, {
      timeoutMs: 30_000,
      workDir: work,
    });
    const calls = await fake.calls();
    expect(calls.map((c) => c.pass)).toEqual([1, 2, 1, 2]);
    const [first, , second] = calls;
    // LIMIT + 1 000 is only just over: 85 % is the lower of the two.
    expect(second!.bps).toBe(Math.floor(first!.bps * RETRY_FACTOR));
    expect(result.passes).toBe(4);
    expect(result.plan.videoBitrate).toBe(second!.bps);
    expect(result.probe.sizeBytes).toBe((await stat(small)).size);
  });

  it('far over, the retry is lower in proportion; still over after it: FfmpegError too-big, no output', async () => {
    const fake = await fakeFfmpeg({ overBytes: 2 * LIMIT, fitsBelowBps: 0, realClip: small });
    const paths = { ...real, ffmpeg: fake.script };
    const work = await mkdtemp(join(fake.dir, 'work-'));
    const output = join(fake.dir, 'out.mp4');
    const error = await fitUnder(paths, big, output, LIMIT, { timeoutMs: 30_000, workDir: work }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).reason).toBe('too-big');
    const calls = await fake.calls();
    expect(calls.map((c) => c.pass)).toEqual([1, 2, 1, 2]);
    // Twice the target: 0.95 × target ÷ result is about 0.45.
    const ratio = calls[2]!.bps / calls[0]!.bps;
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.5);
    await expect(stat(output)).rejects.toThrow();
    expect(await readdir(work)).toEqual([]);
  });
});
