import type { Vocabulary } from '../core/words.js';

/**
 * What a person is told with a finished clip, on any platform: the clip itself, or the provider's
 * link when the clip is over what the platform lets a bot upload; and the button to make it again.
 */

/** The button under a finished clip that makes another one like it. */
export const AGAIN_LABEL = '🔁 Again';

/** Said with a clip posted as a file. */
export const CLIP_POSTED = 'Here is your clip.';

/** How long a provider's result link lives, when the provider does not say. */
export const LINK_LIFETIME_TEXT = "the provider's links expire within a day";

const mb = (bytes: number): string => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * "At 80 MB the clip is too big to upload here, so here is a link (download it soon: the link
 * expires <when>)". `when` is the link's end in the platform's own terms ("in 3 hours", "at 18:00
 * UTC"); without it, the providers' usual lifetime is said.
 */
export const linkText = (size: number, when?: string): string =>
  `At ${mb(size)} the clip is too big to upload here, so here is a link (download it soon: ${
    when === undefined ? LINK_LIFETIME_TEXT : `the link expires ${when}`
  })`;

/**
 * Said with a clip made from a chosen seed, so a good clip can be made again: "Seed 42: add --seed
 * 42 to make it again" on Telegram, the option's name on Discord.
 */
export const seedText = (seed: number, words: Vocabulary): string =>
  `Seed ${seed}: add ${words.setting('seed')} ${seed} to make it again`;
