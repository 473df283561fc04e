import type { SettingKey } from '../../core/request.js';
import { inputSlot, type Vocabulary } from '../../core/words.js';
import { type SettingSpec, settingSpec } from '../../desk/commands.js';

/**
 * How Discord names things: inputs and settings by the command options a person filled in
 * (`first_frame`, `image3`, `negative_prompt`), commands as typed (`/video`).
 */

/** The options that are no setting: the prompt, and the attachments in their fixed places. */
export const OPTION = {
  prompt: 'prompt',
  firstFrame: 'first_frame',
  lastFrame: 'last_frame',
  referenceVideo: 'reference_video',
  /** `/motion`'s character image and driving video. */
  image: 'image',
  video: 'video',
} as const;

/** The `n`th reference image's option (from 1). */
export const imageOption = (n: number): string => `image${n}`;

/** A setting's option: its declared name in snake case (`aspect-ratio` → `aspect_ratio`). */
export const settingOption = (setting: Pick<SettingSpec, 'name'>): string =>
  setting.name.replaceAll('-', '_');

const code = (s: string): string => `\`${s}\``;

/**
 * Discord's vocabulary. `references` lists the options the reference images came from, in order,
 * when a person skipped some (`image1`, `image3`): the second reference is then `image3`.
 */
export function discordWords(references: readonly string[] = []): Vocabulary {
  return {
    input(name) {
      const { slot, index } = inputSlot(name);
      if (slot === 'first') return code(OPTION.firstFrame);
      if (slot === 'last') return code(OPTION.lastFrame);
      if (slot === 'video') return code(OPTION.referenceVideo);
      if (slot === 'character') return code(OPTION.image);
      if (slot === 'driving') return code(OPTION.video);
      return code(references[index - 1] ?? imageOption(index));
    },
    setting: (key: SettingKey) => code(settingOption(settingSpec(key))),
    command: (name) => `/${name}`,
    community: 'server',
  };
}

/** Discord's words where the inputs came in option order (Again, deliveries, help). */
export const DISCORD_WORDS: Vocabulary = discordWords();
