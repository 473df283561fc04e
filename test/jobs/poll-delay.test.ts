import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/jobs/generate/poll.js';

describe('when a task is asked again', () => {
  it('every poll interval when the provider reports no progress', () => {
    expect(nextPollDelay(5_000, undefined, 12_000)).toBe(5_000);
    expect(nextPollDelay(5_000, 0, 12_000)).toBe(5_000);
  });

  it('when the clip is due by its progress, if that is sooner', () => {
    // 80 % after 16 s: 4 s to go.
    expect(nextPollDelay(5_000, 80, 16_000)).toBe(4_000);
    // 25 % after 5 s: 15 s to go, but never later than the interval.
    expect(nextPollDelay(5_000, 25, 5_000)).toBe(5_000);
  });

  it('never sooner than a second, even at 99 % or 100 %', () => {
    expect(nextPollDelay(5_000, 99, 20_000)).toBe(1_000);
    expect(nextPollDelay(5_000, 100, 20_000)).toBe(1_000);
  });

  it('an interval shorter than a second is kept as it is', () => {
    expect(nextPollDelay(100, 99, 2_000)).toBe(100);
  });

  it('without a submit time, the interval', () => {
    expect(nextPollDelay(5_000, 90, undefined)).toBe(5_000);
  });
});
