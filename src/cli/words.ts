import { inputSlot, ordinal, type Vocabulary } from '../core/words.js';

const SETTING_FLAGS = {
  model: '--model',
  duration: '--duration',
  aspectRatio: '--aspect-ratio',
  negativePrompt: '--negative-prompt',
  quality: '--mode',
  cfgScale: '--cfg-scale',
  sound: '--sound',
  resolution: '--resolution',
  seed: '--seed',
  multiShot: '--multi-shot',
} as const;

/** The command line's words: inputs and settings by the flags that gave them. */
export const CLI_WORDS: Vocabulary = {
  input(name) {
    const { slot, index } = inputSlot(name);
    if (slot === 'first') return '--first-frame';
    if (slot === 'last') return '--last-frame';
    if (slot === 'video') return '--reference-video';
    return `the ${ordinal(index)} --reference`;
  },
  setting: (key) => SETTING_FLAGS[key],
  command: (name) => `reelay ${name}`,
  community: 'server or group',
};
