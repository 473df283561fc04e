import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { defaultClipCredits, defaultMemberLimit } from '../../src/jobs/limits.js';

describe('the default member limit', () => {
  it('is QUOTA_DAILY_VIDEOS clips of the default model when no credits are set', () => {
    expect(defaultClipCredits(CATALOG)).toBe(175);
    expect(defaultMemberLimit({ quotaDailyVideos: 5, quotaDailyCredits: undefined }, CATALOG)).toEqual({
      credits: 875,
      source: 'videos',
    });
    expect(defaultMemberLimit({ quotaDailyVideos: 0, quotaDailyCredits: undefined }, CATALOG)).toEqual({
      credits: 0,
      source: 'videos',
    });
  });

  it('is QUOTA_DAILY_CREDITS when set, even 0', () => {
    expect(defaultMemberLimit({ quotaDailyVideos: 5, quotaDailyCredits: 1_350 }, CATALOG)).toEqual({
      credits: 1_350,
      source: 'credits',
    });
    expect(defaultMemberLimit({ quotaDailyVideos: 5, quotaDailyCredits: 0 }, CATALOG)).toEqual({
      credits: 0,
      source: 'credits',
    });
  });

  it('is 0 with an empty catalog', () => {
    expect(defaultMemberLimit({ quotaDailyVideos: 5, quotaDailyCredits: undefined }, [])).toEqual({
      credits: 0,
      source: 'videos',
    });
  });
});
