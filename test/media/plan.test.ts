import { describe, expect, it } from 'vitest';
import { FIT, type FitPlan, type Probe, planFit, rungsFor, scaledTo } from '../../src/media/ffmpeg.js';

const MiB = 1024 * 1024;

const clip = (over: Partial<Probe> = {}): Probe => ({
  durationS: 10,
  width: 1920,
  height: 1080,
  videoCodec: 'h264',
  audioCodec: 'aac',
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  sizeBytes: 20_000_000,
  bitRate: 16_000_000,
  fps: 30,
  ...over,
});

const plan = (p: Probe, maxBytes: number): FitPlan => {
  const result = planFit(p, maxBytes);
  if (result === 'impossible') throw new Error('expected a plan');
  return result;
};

describe('planFit', () => {
  it('keeps 1080p for a 10 s clip under 10 MiB: 7.9 Mb/s is 0.13 bits per pixel at 30 fps', () => {
    const p = plan(clip(), 10 * MiB);
    expect(p).toMatchObject({ width: 1920, height: 1080, scaled: false, audioBitrate: 96_000, fps: 30 });
    expect(p.targetBytes).toBe(Math.floor(10 * MiB * (1 - FIT.margin)));
    // The budget: (maxBytes × 0.95 × 8 / duration) − audio.
    expect(p.videoBitrate).toBe(Math.floor((p.targetBytes * 8) / 10 - 96_000));
    expect(p.bitsPerPixel).toBeGreaterThan(0.12);
    // Video and audio add up to the target, not to the limit.
    expect(((p.videoBitrate + 96_000) * 10) / 8).toBeLessThanOrEqual(p.targetBytes);
  });

  it('steps down to 720p when 1080p would fall under the decent floor', () => {
    // 30 s for 10 MiB: 2.56 Mb/s of video, 0.041 bpp at 1080p30, 0.093 at 720p30.
    const p = plan(clip({ durationS: 30 }), 10 * MiB);
    expect(p).toMatchObject({ width: 1280, height: 720, scaled: true });
    expect(p.bitsPerPixel).toBeGreaterThanOrEqual(FIT.decentBpp);
  });

  it('steps down to 540p for a 15 s clip in 1 MB, with 64 kb/s audio', () => {
    const p = plan(clip({ durationS: 15 }), 1_000_000);
    expect(p).toMatchObject({ width: 960, height: 540, audioBitrate: 64_000 });
    // Under the decent floor, over the least one: the lowest rung still goes.
    expect(p.bitsPerPixel).toBeLessThan(FIT.decentBpp);
    expect(p.bitsPerPixel).toBeGreaterThanOrEqual(FIT.minBpp);
  });

  it("answers 'impossible' for 100 KB, and for a clip with no length", () => {
    expect(planFit(clip({ durationS: 15 }), 100_000)).toBe('impossible');
    expect(planFit(clip({ durationS: 5 }), 100_000)).toBe('impossible');
    expect(planFit(clip({ durationS: 0 }), 10 * MiB)).toBe('impossible');
    expect(planFit(clip(), 0)).toBe('impossible');
  });

  it('gives no audio bitrate to a clip without audio, and its share to the video', () => {
    const { audioCodec: _, ...silent } = clip();
    const p = plan(silent, 10 * MiB);
    expect(p.audioBitrate).toBeUndefined();
    expect('audioBitrate' in p).toBe(false);
    expect(p.videoBitrate).toBe(Math.floor((p.targetBytes * 8) / 10));
  });

  it('keeps a portrait clip portrait, stepping by its short side', () => {
    const p = plan(clip({ width: 1080, height: 1920, durationS: 15 }), 1_000_000);
    expect(p).toMatchObject({ width: 540, height: 960 });
  });

  it('never upscales: a 480p source stays at 480p, or is impossible', () => {
    const small = clip({ width: 854, height: 480, durationS: 10 });
    expect(plan(small, 2_000_000)).toMatchObject({ width: 854, height: 480, scaled: false });
    expect(planFit(small, 150_000)).toBe('impossible');
  });

  it('starts a 1440p source at 1080p', () => {
    expect(plan(clip({ width: 2560, height: 1440 }), 10 * MiB)).toMatchObject({ width: 1920, height: 1080 });
  });

  it('counts with the real frame rate (30 when unknown)', () => {
    // 20 s for 10 MiB: 3.9 Mb/s of video — 0.079 bpp at 1080p24, but 0.039 at 1080p60.
    expect(plan(clip({ durationS: 20, fps: 24 }), 10 * MiB).height).toBe(1080);
    expect(plan(clip({ durationS: 20, fps: 60 }), 10 * MiB).height).toBe(720);
    const { fps: _, ...unknown } = clip();
    expect(plan(unknown, 10 * MiB).fps).toBe(30);
  });

  it('spends no more than the ceiling however large the budget', () => {
    const p = plan(clip({ durationS: 10, fps: 24 }), 50_000_000);
    expect(p.videoBitrate).toBe(Math.floor(FIT.maxBpp * 1920 * 1080 * 24));
    expect(p.bitsPerPixel).toBeCloseTo(FIT.maxBpp, 5);
  });

  it('ladders and sizes: rungs never above the source, sizes even', () => {
    expect(rungsFor(1080)).toEqual([1080, 720, 540]);
    expect(rungsFor(2160)).toEqual([1080, 720, 540]);
    expect(rungsFor(720)).toEqual([720, 540]);
    expect(rungsFor(600)).toEqual([600, 540]);
    expect(rungsFor(360)).toEqual([360]);
    expect(scaledTo({ width: 1920, height: 1080 }, 720)).toEqual({ width: 1280, height: 720 });
    expect(scaledTo({ width: 1080, height: 1920 }, 540)).toEqual({ width: 540, height: 960 });
    expect(scaledTo({ width: 1000, height: 1001 }, 540)).toEqual({ width: 540, height: 540 });
  });
});
