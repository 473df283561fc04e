import type { ModelSpec } from '../../core/catalog.js';
import type { ValidRequest } from '../../core/request.js';
import { inputSlot, type Vocabulary } from '../../core/words.js';
import { availableCommands } from '../../desk/commands.js';
import type { HelpWords, Line } from '../../desk/docs.js';
import type { Attachment } from '../../desk/request.js';
import { flagOf } from './parse.js';

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

/**
 * Telegram's words for the things a message names, the way a person sent them: inputs by their place
 * among the images sent ("the image" when there was one, "the second image" of an album; documents
 * count, so "image", not "photo"), "the video" for the reference video, settings by their shortest
 * flag (`--neg`), commands as typed (`/video`). `images`: how many images the request had.
 */
export function telegramWords(images = 2): Vocabulary {
  return {
    input(name) {
      const { slot, index } = inputSlot(name);
      if (slot === 'video' || slot === 'driving') return 'the video';
      if (images <= 1) return 'the image';
      const nth = ORDINALS[index - 1];
      return nth === undefined ? `image ${index}` : `the ${nth} image`;
    },
    setting: flagOf,
    command: (name) => `/${name}`,
    community: 'group',
  };
}

/** How many images a person sent with a command. */
export const imagesIn = (attachments: readonly Attachment[]): number =>
  attachments.filter((a) => a.kind === 'image').length;

/** How many images a request was made from. */
export const imagesOf = (request: ValidRequest): number => {
  const { first, last, references } = request.images;
  return (first ? 1 : 0) + (last ? 1 : 0) + (references?.length ?? 0);
};

/** What the desk's help adds on Telegram: how inputs are attached here, and the group command form. */
export function telegramHelpWords(botUsername: string): HelpWords {
  return {
    attaching(command, inputs): Line[] {
      const reply: Line = ['Or reply ', { command }, ' ', { prompt: true }];
      if (command === 'video') {
        return [
          ...(inputs.firstFrame
            ? [['Send it as the caption of a photo (or an image file) to animate it']]
            : []),
          ...(inputs.lastFrame ? [['Caption an album of 2 photos: first and last frame']] : []),
          ...(inputs.firstFrame ? [[...reply, ' to a photo or an album']] : []),
        ];
      }
      if (command === 'motion') {
        return [
          ['Caption an album of a photo of the character and an MP4 video of the motion to copy'],
          [...reply, ' to such an album'],
        ];
      }
      const video = inputs.referenceVideo ? ', and an MP4 video if you like' : '';
      return [
        [`Caption an album of up to ${inputs.references} photos${video}`],
        [...reply, ' to such an album, or to a photo'],
      ];
    },
    footer: [
      ['Options go anywhere in the text; quote values with spaces. A phone turning -- into — is fine.'],
      [
        'In groups, commands can also be written ',
        { code: `/video@${botUsername}` },
        ', ',
        { code: `/quota@${botUsername}` },
        ' and so on.',
      ],
    ],
  };
}

/**
 * The command menu (`setMyCommands`), from the desk's declaration: what this catalog serves. The
 * members' menu leaves out the admins' commands; the admins' menu (the `all_chat_administrators`
 * scope) has every command.
 */
export const botCommands = (
  catalog: readonly ModelSpec[],
  forAdmins = false,
): { command: string; description: string }[] =>
  availableCommands(catalog)
    .filter((c) => forAdmins || !c.admins)
    .map((c) => ({ command: c.name, description: c.summary(catalog) }));

/** Said in a private chat to a photo sent without a command. */
export const PHOTO_WITHOUT_COMMAND =
  'To animate this image, send it again with /video and a description as the caption.';

/** Said in a private chat to a command the bot does not have. */
export const unknownCommand = (name: string): string => `I don't know /${name}. Try /help.`;
