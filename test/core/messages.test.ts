import { describe, expect, it } from 'vitest';
import { ERROR_IDS, type UserError } from '../../src/core/errors.js';
import { messageFor } from '../../src/core/messages.js';
import { ordinal, PLAIN_WORDS, type Vocabulary } from '../../src/core/words.js';

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
  resolution: '8k',
  seed: -3,
  mode: 'text',
  count: 8,
  input: 'first-frame',
  seconds: 12,
  type: 'application/pdf',
  size: 40 * 1024 * 1024,
  limit: 5,
  used: 5,
  resetsAt: Date.UTC(2026, 10, 22),
  clearsAt: Date.UTC(2026, 10, 21, 12, 0, 30),
  now: Date.UTC(2026, 10, 21, 12),
  credits: 350,
  word: 'gore',
  models: ['kling-o1'],
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

  it('names the credits, what the clip costs, and the reset time when they are used up', () => {
    expect(
      messageFor({
        id: 'quota-exhausted',
        details: { limit: 875, used: 700, credits: 350, resetsAt: Date.UTC(2026, 10, 22) },
      }),
    ).toBe(
      'This clip costs 350 credits and you have 175 credits of your 875 left today. They reset at 00:00 UTC.',
    );
    expect(
      messageFor({
        id: 'quota-exhausted',
        details: { limit: 875, used: 875, resetsAt: Date.UTC(2026, 10, 22) },
      }),
    ).toBe("You've used your 875 credits for today. They reset at 00:00 UTC.");
  });

  it('says each ceiling plainly, with when it clears', () => {
    const now = Date.UTC(2026, 10, 21, 20, 40);
    const resetsAt = Date.UTC(2026, 10, 22);
    expect(messageFor({ id: 'service-cap', details: { resetsAt, now } })).toBe(
      "The service's daily budget is spent. It resets at 00:00 UTC (in 3 h 20 min).",
    );
    expect(
      messageFor({ id: 'community-budget', details: { limit: 10_000, used: 9_900, credits: 175, resetsAt } }),
    ).toBe(
      "This server or group's daily budget is spent (this clip costs 175 credits, 100 credits are left). It resets at 00:00 UTC.",
    );
    expect(messageFor({ id: 'cooldown', details: { clearsAt: now + 12_000, now } })).toBe(
      'Please wait a little between requests: you can ask again in 12 seconds.',
    );
    expect(messageFor({ id: 'too-many-in-flight', details: { limit: 2 } })).toBe(
      'You already have 2 videos in progress, the most at once. Wait for one to finish, or stop one with /cancel.',
    );
    expect(messageFor({ id: 'blocked-word', details: { word: 'gore' } })).toBe(
      'Your prompt contains "gore", a word that is blocked here. Please rephrase it. Nothing was charged.',
    );
    expect(
      messageFor({ id: 'model-not-allowed', details: { model: 'kling-o3-pro', models: ['kling-o1'] } }),
    ).toBe("kling-o3-pro isn't allowed in this server or group. Allowed here: kling-o1.");
  });

  it('names file types the way people do', () => {
    const text = messageFor({
      id: 'image-type-unsupported',
      details: { input: 'first-frame', type: 'application/pdf', allowed: ['image/jpeg', 'image/png'] },
    });
    expect(text).toBe('The first frame is a PDF; please send a JPEG or PNG image.');
  });

  it('says sizes in MB', () => {
    expect(
      messageFor({
        id: 'image-too-large',
        details: { input: 'reference-2', size: 40 * 1024 * 1024, max: 20 * 1024 * 1024 },
      }),
    ).toBe('Reference image 2 is 40 MB; the limit is 20 MB.');
  });

  /** A platform's words: inputs as its options, settings as its flags. */
  const words: Vocabulary = {
    input: (name) => `\`${name.replace('-', '_')}\``,
    setting: (key) => `--${key}`,
    command: (name) => `!${name}`,
    community: 'guild',
  };

  it("names the community in the platform's own word", () => {
    expect(messageFor({ id: 'paused-here' }, words)).toBe(
      "This guild's admins have paused video requests. Try again later.",
    );
    expect(messageFor({ id: 'not-admin' }, words)).toBe('Only admins of this guild can do that.');
  });

  it("names inputs, settings and commands in the platform's own words", () => {
    expect(messageFor({ id: 'image-too-small', details: { input: 'first-frame', min: 300 } }, words)).toBe(
      '`first_frame` is too small: each side must be at least 300 pixels.',
    );
    expect(
      messageFor(
        {
          id: 'negative-prompt-unsupported',
          details: { model: 'kling-o1', models: ['kling-2.5-turbo-pro'] },
        },
        words,
      ),
    ).toBe('kling-o1 does not take --negativePrompt. Models that do: kling-2.5-turbo-pro.');
    expect(messageFor({ id: 'too-many-frames', details: { count: 3, max: 7 } }, words)).toBe(
      '!video takes one image (to animate) or two (first and last frame); you sent 3. For up to 7 reference images, use !reference.',
    );
  });

  it('names the models that take what one model refused, and only when there are some', () => {
    expect(
      messageFor({
        id: 'quality-unsupported',
        details: { model: 'a', quality: 'std', allowed: ['pro'], models: ['b'] },
      }),
    ).toBe('a has no "std" mode. Choose one of: pro. Models that have std: b.');
    expect(
      messageFor({
        id: 'resolution-unsupported',
        details: { model: 'a', resolution: '4k', allowed: ['720p', '1080p'], models: ['b'] },
      }),
    ).toBe("a doesn't make 4k clips. Choose one of: 720p, 1080p. Models that do: b.");
    expect(
      messageFor({
        id: 'resolution-unsupported',
        details: { model: 'a', resolution: '4k', allowed: [], models: [] },
      }),
    ).toBe('a makes clips of one resolution only: leave out the resolution.');
    expect(messageFor({ id: 'seed-out-of-range', details: { seed: 0, min: 1, max: 2147483647 } })).toBe(
      'The seed must be a whole number from 1 to 2147483647; "0" is not one.',
    );
    expect(messageFor({ id: 'sound-unsupported', details: { model: 'a', models: [] } })).toBe(
      "a can't add sound.",
    );
  });

  it('says a too-big input is over the platform limit when that is the reason', () => {
    expect(
      messageFor({
        id: 'image-too-large',
        details: { input: 'first-frame', size: 40 * 1024 * 1024, max: 20 * 1024 * 1024, reason: 'platform' },
      }),
    ).toBe('The first frame is 40 MB; bots can download at most 20 MB here. Please send a smaller one.');
  });

  it('has plain words for every input and ordinals for counting', () => {
    expect(['first-frame', 'last-frame', 'reference-3', 'reference-video'].map(PLAIN_WORDS.input)).toEqual([
      'the first frame',
      'the last frame',
      'reference image 3',
      'the reference video',
    ]);
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '111th',
    ]);
  });
});
