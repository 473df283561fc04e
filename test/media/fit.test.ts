import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegError, type FfmpegPaths, fitUnder, playsInline, probe } from '../../src/media/ffmpeg.js';
import {
  brokenClip,
  clipDir,
  clipPath,
  makeClip,
  removeClips,
  testFfmpeg,
  topLevelBoxes,
} from '../helpers/clips.js';

const MiB = 1024 * 1024;
const DISCORD_LIMIT = 10 * MiB; // 10 485 760 B

let paths: FfmpegPaths;
beforeAll(async () => {
  paths = await testFfmpeg();
});
afterAll(removeClips);

/** A fresh work folder in this file's clip folder, so each test can check what is left in it. */
const workDir = async (): Promise<string> => mkdtemp(join(await clipDir(), 'work-'));

/**
 * About 12 MB of 1080p: 10 s at ~9.6 Mb/s (a Kling clip's length), with a sine on AAC; `moov` at the
 * end, as encoders leave it. For 10 MiB the budget binds (7.9 Mb/s of video, under the 0.2 ceiling).
 */
const bigClip = () =>
  makeClip({ seconds: 10, width: 1920, height: 1080, audio: true, targetBytes: 12_000_000 });

const failure = async (p: Promise<unknown>): Promise<FfmpegError> => {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FfmpegError);
  return error as FfmpegError;
};

/** The command lines of live processes that mention `text` (Linux's /proc). */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

describe('fitUnder', () => {
  it('fits a ~12 MB 1080p clip under 10 MiB: a faststart H.264/AAC MP4 of the same length', async () => {
    const input = await bigClip();
    const source = await probe(paths, input);
    expect(source.sizeBytes).toBeGreaterThan(DISCORD_LIMIT);
    const output = await clipPath('fit-big.mp4');
    const work = await workDir();

    const started = performance.now();
    const result = await fitUnder(paths, input, output, DISCORD_LIMIT, { timeoutMs: 120_000, workDir: work });
    const ms = performance.now() - started;

    const size = (await stat(output)).size;
    expect(size).toBeLessThanOrEqual(DISCORD_LIMIT);
    // Two-pass spends the budget: well over the 85 % a retry would aim at.
    expect(size).toBeGreaterThan(0.85 * DISCORD_LIMIT);
    expect(result.probe.sizeBytes).toBe(size);
    expect(result.source).toEqual(source);
    expect(result.probe).toMatchObject({
      videoCodec: 'h264',
      audioCodec: 'aac',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      width: 1920,
      height: 1080,
      pixFmt: 'yuv420p',
    });
    expect(playsInline(result.probe)).toBe(true);
    expect(Math.abs(result.probe.durationS - source.durationS)).toBeLessThanOrEqual(0.2);
    expect(result.plan).toMatchObject({ width: 1920, height: 1080, scaled: false, audioBitrate: 96_000 });
    expect([2, 4]).toContain(result.passes);
    // +faststart: `moov` (the index) comes before `mdat` (the media), so a player starts at once.
    const boxes = await topLevelBoxes(output);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    // The source had it the other way round.
    const sourceBoxes = await topLevelBoxes(input);
    expect(sourceBoxes.indexOf('moov')).toBeGreaterThan(sourceBoxes.indexOf('mdat'));
    // x264's pass logs are cleaned up.
    expect(await readdir(work)).toEqual([]);
    console.info(
      `fitUnder: ${source.sizeBytes} B → ${size} B (limit ${DISCORD_LIMIT}) in ${Math.round(ms)} ms, ${result.passes} passes`,
    );
  });

  it('keeps a clip without audio without audio, stepping down to 540p when 720p would be too thin', async () => {
    const input = await makeClip({
      seconds: 4,
      width: 1280,
      height: 720,
      audio: false,
      targetBytes: 3_000_000,
    });
    const output = await clipPath('fit-silent.mp4');
    const result = await fitUnder(paths, input, output, 400_000, {
      timeoutMs: 60_000,
      workDir: await workDir(),
    });
    // Here the budget binds (0.06 bits per pixel): two-pass spends it, under the limit.
    const size = (await stat(output)).size;
    expect(size).toBeLessThanOrEqual(400_000);
    expect(size).toBeGreaterThan(0.85 * 400_000);
    expect(result.plan).toMatchObject({ width: 960, height: 540, scaled: true });
    expect(result.plan.audioBitrate).toBeUndefined();
    expect(result.probe).toMatchObject({ videoCodec: 'h264', width: 960, height: 540 });
    expect(result.probe.audioCodec).toBeUndefined();
    expect(Math.abs(result.probe.durationS - 4)).toBeLessThanOrEqual(0.2);
  });

  it('refuses at once what cannot fit (100 KB), writing nothing', async () => {
    const output = await clipPath('fit-impossible.mp4');
    const error = await failure(
      fitUnder(paths, await bigClip(), output, 100_000, { timeoutMs: 60_000, workDir: await workDir() }),
    );
    expect(error.reason).toBe('impossible');
    await expect(stat(output)).rejects.toThrow();
  });

  it('kills ffmpeg at its time limit and throws, leaving no partial output or pass log', async () => {
    const work = await workDir();
    const output = await clipPath('fit-timeout.mp4');
    const started = performance.now();
    const error = await failure(
      fitUnder(paths, await bigClip(), output, DISCORD_LIMIT, { timeoutMs: 400, workDir: work }),
    );
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/^fitting .* ran past its 400 ms limit/);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await processesMentioning(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
    await expect(stat(output)).rejects.toThrow();
  });

  it('is abortable: the signal kills ffmpeg mid-pass', async () => {
    const work = await workDir();
    const controller = new AbortController();
    const running = fitUnder(paths, await bigClip(), await clipPath('fit-aborted.mp4'), DISCORD_LIMIT, {
      timeoutMs: 60_000,
      signal: controller.signal,
      workDir: work,
    });
    setTimeout(() => controller.abort(), 400);
    const started = performance.now();
    const error = await failure(running);
    expect(error.reason).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await processesMentioning(work)).toEqual([]);
    expect(await readdir(work)).toEqual([]);
    // Already aborted: nothing starts.
    const again = await failure(
      fitUnder(paths, await bigClip(), await clipPath('x.mp4'), DISCORD_LIMIT, {
        timeoutMs: 60_000,
        signal: AbortSignal.abort(),
        workDir: work,
      }),
    );
    expect(again.reason).toBe('aborted');
  });

  it('a broken input is an FfmpegError carrying the tail of stderr', async () => {
    const error = await failure(
      fitUnder(paths, await brokenClip(), await clipPath('fit-broken.mp4'), DISCORD_LIMIT, {
        timeoutMs: 60_000,
        workDir: await workDir(),
      }),
    );
    expect(error.reason).toBe('failed');
    expect(error.stderrTail).toMatch(/Invalid data found when processing input/);
    expect(error.stderrTail.split('\n').length).toBeLessThanOrEqual(20);
    // Its message and tail name the file and what ffmpeg said, never the environment.
    expect(`${error.message}\n${error.stderrTail}`).not.toMatch(/PATH=|HOME=/);
  });
});
