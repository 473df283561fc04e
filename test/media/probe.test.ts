import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FfmpegError,
  type FfmpegPaths,
  findFfmpeg,
  type Probe,
  parseProbe,
  playsInline,
  probe,
  thumbnail,
  thumbnailAt,
} from '../../src/media/ffmpeg.js';
import { brokenClip, clipPath, makeClip, removeClips, testFfmpeg } from '../helpers/clips.js';

let paths: FfmpegPaths;
beforeAll(async () => {
  paths = await testFfmpeg();
});
afterAll(removeClips);

const failure = async (p: Promise<unknown>): Promise<FfmpegError> => {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FfmpegError);
  return error as FfmpegError;
};

describe('findFfmpeg', () => {
  it('finds ffmpeg and ffprobe on PATH, as absolute paths, with the version', async () => {
    const found = await findFfmpeg({});
    expect(found?.ffmpeg).toMatch(/^\/.*\/ffmpeg$/);
    expect(found?.ffprobe).toMatch(/^\/.*\/ffprobe$/);
    expect(found?.version).toMatch(/^ffmpeg version /);
  });

  it('takes FFMPEG_PATH, with ffprobe beside it', async () => {
    const found = await findFfmpeg({ FFMPEG_PATH: paths.ffmpeg, PATH: '' });
    expect(found).toMatchObject({ ffmpeg: paths.ffmpeg, ffprobe: join(dirname(paths.ffmpeg), 'ffprobe') });
  });

  it('answers undefined for an FFMPEG_PATH or FFPROBE_PATH that is not there, or an empty PATH', async () => {
    expect(await findFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg' })).toBeUndefined();
    expect(
      await findFfmpeg({ FFMPEG_PATH: paths.ffmpeg, FFPROBE_PATH: '/nonexistent/ffprobe' }),
    ).toBeUndefined();
    expect(await findFfmpeg({ PATH: '' })).toBeUndefined();
  });

  it('answers undefined for a binary that is not ffmpeg', async () => {
    // `false` runs, and fails `-version`.
    expect(await findFfmpeg({ FFMPEG_PATH: '/bin/false', FFPROBE_PATH: paths.ffprobe })).toBeUndefined();
  });
});

describe('probe and playsInline', () => {
  it('reads an H.264/AAC MP4: duration, size, codecs; it plays inline', async () => {
    const file = await makeClip({ seconds: 3, width: 640, height: 360, audio: true });
    const p = await probe(paths, file);
    expect(p.durationS).toBeGreaterThan(2.9);
    expect(p.durationS).toBeLessThan(3.2);
    expect(p).toMatchObject({
      width: 640,
      height: 360,
      videoCodec: 'h264',
      audioCodec: 'aac',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      sizeBytes: (await stat(file)).size,
      fps: 24,
      pixFmt: 'yuv420p',
    });
    expect(p.bitRate).toBeGreaterThan(0);
    expect(playsInline(p)).toBe(true);
  });

  it('reads a clip without audio: no audioCodec', async () => {
    const p = await probe(paths, await makeClip({ seconds: 1, width: 320, height: 240, audio: false }));
    expect(p.audioCodec).toBeUndefined();
    expect('audioCodec' in p).toBe(false);
    expect(playsInline(p)).toBe(true);
  });

  it('mpeg4 in MKV and VP9 in WebM do not play inline', async () => {
    const mkv = await probe(
      paths,
      await makeClip({ seconds: 1, width: 320, height: 240, audio: true, codec: 'mpeg4', container: 'mkv' }),
    );
    expect(mkv).toMatchObject({ videoCodec: 'mpeg4', audioCodec: 'aac', formatName: 'matroska,webm' });
    expect(playsInline(mkv)).toBe(false);
    const webm = await probe(
      paths,
      await makeClip({ seconds: 1, width: 320, height: 240, audio: true, codec: 'vp9', container: 'webm' }),
    );
    expect(webm).toMatchObject({ videoCodec: 'vp9', audioCodec: 'opus', formatName: 'matroska,webm' });
    expect(playsInline(webm)).toBe(false);
  });

  it('a broken file is an FfmpegError with the tail of what ffprobe said', async () => {
    const error = await failure(probe(paths, await brokenClip()));
    expect(error.reason).toBe('failed');
    expect(error.stderrTail).toMatch(/Invalid data found/);
    expect(error.message).toMatch(/^ffprobe exited with code 1: .*Invalid data found/);
    expect(error.stderrTail.split('\n').length).toBeLessThanOrEqual(20);
  });

  it('a missing file and a missing ffprobe are FfmpegErrors too', async () => {
    expect((await failure(probe(paths, '/nonexistent/clip.mp4'))).reason).toBe('failed');
    const missing = await failure(probe({ ...paths, ffprobe: '/nonexistent/ffprobe' }, '/x.mp4'));
    expect(missing.reason).toBe('missing');
  });

  const base: Probe = {
    durationS: 5,
    width: 1920,
    height: 1080,
    videoCodec: 'h264',
    audioCodec: 'aac',
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    sizeBytes: 1,
  };
  it.each<[string, Partial<Probe>, boolean]>([
    ['H.264/AAC in MP4', {}, true],
    ['HEVC/MP3 in MOV', { videoCodec: 'hevc', audioCodec: 'mp3' }, true],
    ['10-bit HEVC', { videoCodec: 'hevc', pixFmt: 'yuv420p10le' }, true],
    ['H.264 High 4:4:4', { pixFmt: 'yuv444p' }, false],
    ['Opus audio', { audioCodec: 'opus' }, false],
    ['AV1', { videoCodec: 'av1' }, false],
    ['H.264 in Matroska', { formatName: 'matroska,webm' }, false],
  ])('playsInline: %s → %s', (_, over, expected) => {
    expect(playsInline({ ...base, ...over })).toBe(expected);
  });

  it('parseProbe: upright size of a rotated clip, cover art skipped, no video is invalid', () => {
    const format = { format_name: 'mov,mp4', duration: '2.5', size: '100' };
    const rotated = parseProbe(
      {
        streams: [
          {
            codec_type: 'video',
            codec_name: 'mjpeg',
            width: 10,
            height: 10,
            disposition: { attached_pic: 1 },
          },
          {
            codec_type: 'video',
            codec_name: 'h264',
            width: 1920,
            height: 1080,
            avg_frame_rate: '30000/1001',
            side_data_list: [{ rotation: -90 }],
          },
        ],
        format,
      },
      'a.mp4',
    );
    expect(rotated).toMatchObject({ videoCodec: 'h264', width: 1080, height: 1920, durationS: 2.5 });
    expect(rotated.fps).toBeCloseTo(29.97, 2);
    expect(() =>
      parseProbe({ streams: [{ codec_type: 'audio', codec_name: 'aac' }], format }, 'a.m4a'),
    ).toThrow(expect.objectContaining({ reason: 'invalid' }));
  });
});

describe('thumbnail', () => {
  const jpegSize = async (file: string) => {
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const p = await probe(paths, file);
    expect(p.videoCodec).toBe('mjpeg');
    return { width: p.width, height: p.height, bytes: bytes.length };
  };

  it('takes a JPEG at most 320 px on the long side, keeping the shape', async () => {
    const file = await makeClip({ seconds: 3, width: 640, height: 360, audio: true });
    const out = await clipPath('thumb-landscape.jpg');
    await thumbnail(paths, file, out);
    const size = await jpegSize(out);
    expect(size).toMatchObject({ width: 320, height: 180 });
    expect(size.bytes).toBeLessThan(200_000);
  });

  it('portrait, a short clip (its middle), and never enlarged', async () => {
    expect(thumbnailAt(10)).toBe(1);
    expect(thumbnailAt(1)).toBe(0.5);
    const portrait = await makeClip({ seconds: 1, width: 360, height: 640, audio: false });
    const out = await clipPath('thumb-portrait.jpg');
    await thumbnail(paths, portrait, out);
    expect(await jpegSize(out)).toMatchObject({ width: 180, height: 320 });
    const small = await makeClip({ seconds: 1, width: 320, height: 240, audio: false });
    await thumbnail(paths, small, out, { durationS: 1 });
    expect(await jpegSize(out)).toMatchObject({ width: 320, height: 240 });
  });

  it('a time past the end is an FfmpegError, not an empty file', async () => {
    const small = await makeClip({ seconds: 1, width: 320, height: 240, audio: false });
    const error = await failure(thumbnail(paths, small, await clipPath('none.jpg'), { atS: 30 }));
    expect(error.reason).toBe('failed');
  });
});
