import { describe, expect, it } from 'vitest';
import { ERROR_IDS, type UserError } from '../../src/core/errors.js';
import { messageFor } from '../../src/core/messages.js';

/** Details of the shape each producer of the id passes (validate, intake, worker). */
const SAMPLE: UserError['details'] = {
  model: 'kling-o1',
  allowed: ['5', '10'],
  min: 2,
  max: 2000,
  length: 2400,
  step: 0.1,
  duration: 7,
  aspectRatio: '4:3',
  quality: 'ultra',
  mode: 'text',
  count: 8,
  which: 'first_frame',
  type: 'application/pdf',
  size: 40 * 1024 * 1024,
  limit: 5,
  used: 5,
  resetsAt: Date.UTC(2026, 10, 22),
};

describe('messages', () => {
  for (const id of ERROR_IDS) {
    it(`${id} reads as a sentence with its facts filled in`, () => {
      const text = messageFor({ id, details: SAMPLE });
      expect(text.length).toBeGreaterThan(5);
      expect(text).not.toMatch(/undefined|NaN|\[object/);
      expect(text).toMatch(/[.!]$/);
    });
  }

  it('names the limit and the reset time when the quota is used up', () => {
    expect(
      messageFor({ id: 'quota-exhausted', details: { limit: 5, used: 5, resetsAt: Date.UTC(2026, 10, 22) } }),
    ).toBe("You've used your 5 videos for today. Your quota resets at 00:00 UTC.");
  });

  it('names file types the way people do', () => {
    const text = messageFor({
      id: 'image-type-unsupported',
      details: { which: 'first_frame', type: 'application/pdf', allowed: ['image/jpeg', 'image/png'] },
    });
    expect(text).toBe('first_frame is a PDF; please send a JPEG or PNG image.');
  });

  it('says sizes in MB', () => {
    expect(
      messageFor({
        id: 'image-too-large',
        details: { which: 'image2', size: 40 * 1024 * 1024, max: 20 * 1024 * 1024 },
      }),
    ).toBe('image2 is 40 MB; the limit is 20 MB.');
  });
});
