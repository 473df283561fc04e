import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FfmpegError,
  type FfmpegPaths,
  makePlayable,
  type Probe,
  playableAction,
  playsInline,
  probe,
} from '../../src/media/ffmpeg.js';
import { brokenClip, clipPath, makeClip, removeClips, testFfmpeg, topLevelBoxes } from '../helpers/clips.js';

const run = promisify(execFile);

let paths: FfmpegPaths;
beforeAll(async () => {
  paths = await testFfmpeg();
});
afterAll(removeClips);

/** A hash of a stream's packets: equal for two files exactly when the stream was copied, not re-encoded. */
async function packetHash(file: string, stream: 'v' | 'a'): Promise<string> {
  const { stdout } = await run(paths.ffmpeg, [
    ...['-hide_banner', '-nostdin', '-v', 'error', '-i', file],
    ...['-map', `0:${stream}:0`, '-c', 'copy', '-f', 'hash', '-hash', 'md5', '-'],
  ]);
  return stdout.trim();
}

const expectPlayableMp4 = async (p: Probe, file: string) => {
  expect(playsInline(p)).toBe(true);
  expect(p.formatName).toBe('mov,mp4,m4a,3gp,3g2,mj2');
  const boxes = await topLevelBoxes(file);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
};

describe('makePlayable', () => {
  it('transcodes mpeg4 in MKV to H.264/AAC in MP4, at the same size and length', async () => {
    const input = await makeClip({
      seconds: 2,
      width: 320,
      height: 240,
      audio: true,
      codec: 'mpeg4',
      container: 'mkv',
    });
    const output = await clipPath('mpeg4.mp4');
    const p = await makePlayable(paths, input, output, { timeoutMs: 60_000 });
    expect(p).toMatchObject({
      videoCodec: 'h264',
      audioCodec: 'aac',
      width: 320,
      height: 240,
      pixFmt: 'yuv420p',
    });
    expect(Math.abs(p.durationS - 2)).toBeLessThanOrEqual(0.2);
    await expectPlayableMp4(p, output);
  });

  it('transcodes VP9/Opus in WebM to H.264/AAC', async () => {
    const input = await makeClip({
      seconds: 2,
      width: 320,
      height: 240,
      audio: true,
      codec: 'vp9',
      container: 'webm',
    });
    const output = await clipPath('vp9.mp4');
    const p = await makePlayable(paths, input, output, { timeoutMs: 60_000 });
    expect(p).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac' });
    await expectPlayableMp4(p, output);
  });

  it('remuxes H.264/AAC in MKV: the streams are copied, fast', async () => {
    const input = await makeClip({ seconds: 3, width: 1280, height: 720, audio: true, container: 'mkv' });
    const source = await probe(paths, input);
    expect(playsInline(source)).toBe(false);
    expect(playableAction(source)).toEqual({ video: 'copy', audio: 'copy' });
    const output = await clipPath('remuxed.mp4');
    const started = performance.now();
    const p = await makePlayable(paths, input, output, { timeoutMs: 60_000 });
    const ms = performance.now() - started;
    expect(p).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', width: 1280, height: 720 });
    await expectPlayableMp4(p, output);
    expect(await packetHash(output, 'v')).toBe(await packetHash(input, 'v'));
    expect(await packetHash(output, 'a')).toBe(await packetHash(input, 'a'));
    // Copying packets is a matter of milliseconds, not an encode of 72 frames of 720p.
    expect(ms).toBeLessThan(1_500);
    expect(Math.abs((await stat(output)).size - source.sizeBytes)).toBeLessThan(0.05 * source.sizeBytes);
  });

  it('plans per stream: copy what plays, encode the rest', () => {
    const base: Probe = {
      durationS: 1,
      width: 2,
      height: 2,
      videoCodec: 'h264',
      formatName: 'matroska,webm',
      sizeBytes: 1,
    };
    expect(playableAction(base)).toEqual({ video: 'copy', audio: 'none' });
    expect(playableAction({ ...base, audioCodec: 'opus' })).toEqual({ video: 'copy', audio: 'aac' });
    expect(playableAction({ ...base, videoCodec: 'vp9', audioCodec: 'aac' })).toEqual({
      video: 'h264',
      audio: 'aac',
    });
    expect(playableAction({ ...base, pixFmt: 'yuv444p', audioCodec: 'mp3' })).toEqual({
      video: 'h264',
      audio: 'aac',
    });
  });

  it('a broken input is an FfmpegError, and nothing is left at the output', async () => {
    const output = await clipPath('broken-out.mp4');
    const error = await makePlayable(paths, await brokenClip(), output, { timeoutMs: 60_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).stderrTail).toMatch(/Invalid data/);
    await expect(stat(output)).rejects.toThrow();
  });

  it('a time limit stops it', async () => {
    const input = await makeClip({
      seconds: 2,
      width: 320,
      height: 240,
      audio: true,
      codec: 'mpeg4',
      container: 'mkv',
    });
    const error = await makePlayable(paths, input, await clipPath('late.mp4'), { timeoutMs: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).reason).toBe('timeout');
    expect((error as FfmpegError).message).toMatch(/^making .* playable ran past its 1 ms limit/);
  });
});
