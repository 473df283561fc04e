import type { SettingKey } from './request.js';

/**
 * How one platform names things in the words a person reads: the inputs of a request (an attachment
 * option on one platform, "the second image" on another), the settings, and the commands. Messages
 * (`messages.ts`) are written once and take the vocabulary of the platform they are shown on, so a
 * person is told about what they typed, the way they typed it.
 */
export interface Vocabulary {
  /**
   * An input by its neutral name: `first-frame`, `last-frame`, `reference-<n>` (from 1),
   * `reference-video`, or motion control's `character-image` and `driving-video`.
   */
  input(name: string): string;
  /** A setting as the person gives it. */
  setting(key: SettingKey): string;
  /** A command as the person types it. */
  command(name: string): string;
  /** What the platform calls a community, in a sentence: "server", "group". */
  community: string;
}

/** An input's neutral name read back: which slot, and the position among references. */
export function inputSlot(name: string): {
  slot: 'first' | 'last' | 'reference' | 'video' | 'character' | 'driving';
  index: number;
} {
  if (name === 'first-frame') return { slot: 'first', index: 1 };
  if (name === 'character-image') return { slot: 'character', index: 1 };
  if (name === 'driving-video') return { slot: 'driving', index: 1 };
  if (name === 'last-frame') return { slot: 'last', index: 2 };
  if (name === 'reference-video') return { slot: 'video', index: 1 };
  const n = /^reference-(\d+)$/.exec(name);
  return { slot: 'reference', index: n ? Number(n[1]) : 1 };
}

const SETTING_NAMES: Record<SettingKey, string> = {
  model: 'the model',
  duration: 'the duration',
  aspectRatio: 'the aspect ratio',
  negativePrompt: 'a negative prompt',
  quality: 'the quality mode',
  cfgScale: 'a guidance scale',
  sound: 'sound',
  resolution: 'the resolution',
  seed: 'a seed',
  multiShot: 'several shots',
};

/** Plain words, for places that are no chat platform (the command line, logs). */
export const PLAIN_WORDS: Vocabulary = {
  input(name) {
    const { slot, index } = inputSlot(name);
    if (slot === 'first') return 'the first frame';
    if (slot === 'last') return 'the last frame';
    if (slot === 'video') return 'the reference video';
    if (slot === 'character') return 'the character image';
    if (slot === 'driving') return 'the driving video';
    return `reference image ${index}`;
  },
  setting: (key) => SETTING_NAMES[key],
  command: (name) => `/${name}`,
  community: 'server or group',
};

/** "1st", "2nd", "3rd", "11th". */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** `['a', 'b', 'c']` → "a, b or c". */
export const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
