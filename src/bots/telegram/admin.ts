import type { User } from 'grammy/types';
import type { Requester } from '../../core/request.js';
import {
  type AdminArgSpec,
  type AdminCommand,
  type AdminSubSpec,
  adminFor,
  adminUsage,
  parseCredits,
} from '../../desk/admin.js';
import type { Doc, Line } from '../../desk/docs.js';
import { requesterOf, TELEGRAM } from './platform.js';
import { tokenize } from './tokens.js';

/**
 * `/admin <sub> …` on Telegram, derived from the desk's one declaration (`src/desk/admin.ts`):
 * Telegram has no roles and no channels within a group, so the subcommands needing those are left
 * out. The words after the subcommand fill its arguments in order (quoted phrases are one word:
 * `/admin words add "hot dog"`). A member is named by numeric id or by @username, or, when no word
 * names them, by replying to one of their messages; the bot checks only the form here, the desk
 * decides the rest.
 */
export const TELEGRAM_ADMIN: readonly AdminSubSpec[] = adminFor({ roles: false, channels: false });

/** How a member was named: the author of the replied-to message, an id, or an @username to look up. */
export type MemberRef =
  | { by: 'reply'; requester: Requester }
  | { by: 'id'; requester: Requester }
  | { by: 'username'; name: string };

/** What the text after `/admin` says. */
export type ParsedAdmin =
  | { kind: 'help' }
  /** A reply that says what is wrong, as the person should read it. */
  | { kind: 'bad'; text: string }
  | { kind: 'command'; cmd: Omit<AdminCommand, 'user'>; member?: MemberRef };

const USER_ID = /^\d{1,15}$/;
const USERNAME = /^@[A-Za-z0-9_]{1,32}$/;

/** "/admin limit <credits|off>": how a subcommand is typed. */
export const usageOf = (spec: AdminSubSpec): string => `/admin ${adminUsage(spec)}`;

/** How to name a member, for the replies that need one. */
const nameAMember = (spec: AdminSubSpec): string =>
  `reply to one of their messages with /admin ${spec.name}, or give their numeric id or @username`;

/** "I don't know @x yet": the answer to an @username the bot has not seen write. */
export const unknownUsername = (name: string, sub: string): string =>
  `I don't know @${name.replace(/^@/, '')} yet: reply to one of their messages with /admin ${sub}, or use their numeric id.`;

/** The list of subcommands, for `/admin` and `/admin help`. */
export function adminHelpDoc(specs: readonly AdminSubSpec[] = TELEGRAM_ADMIN): Doc {
  return {
    title: '🛠 Admin commands (for this group’s admins)',
    sections: [
      {
        lines: specs.map((spec): Line => [{ code: usageOf(spec) }, ` — ${spec.summary}`]),
      },
      {
        lines: [
          ['Name a member by replying to one of their messages, or by their numeric id or @username.'],
          ['Quote a phrase of several words: ', { code: '/admin words add "hot dog"' }, '.'],
        ],
      },
    ],
  };
}

/** The member a message replies to, unless that is a bot or the start of a forum topic. */
export function repliedAuthor(message: {
  reply_to_message?: { from?: User; message_id: number; forum_topic_created?: unknown };
  is_topic_message?: boolean;
  message_thread_id?: number;
}): User | undefined {
  const replied = message.reply_to_message;
  if (!replied?.from || replied.from.is_bot) return undefined;
  // In a forum topic, every message "replies" to the topic's first message.
  if (replied.forum_topic_created !== undefined) return undefined;
  if (message.is_topic_message && replied.message_id === message.message_thread_id) return undefined;
  return replied.from;
}

/** One argument read from a word: its text, or what is wrong with it. */
function readArg(spec: AdminSubSpec, arg: AdminArgSpec, word: string): { text: string } | { bad: string } {
  const usage = `Usage: ${usageOf(spec)}`;
  switch (arg.kind) {
    case 'choice': {
      const choice = word.toLowerCase();
      if (arg.choices?.includes(choice)) return { text: choice };
      return { bad: `“${word}” isn't one of ${(arg.choices ?? []).join(', ')}. ${usage}` };
    }
    case 'credits':
      if (parseCredits(word, arg.off ?? false) !== 'invalid') return { text: word };
      return {
        bad: `“${word}” isn't a number of credits: give a whole number like 500${arg.off ? ', or off' : ''}. ${usage}`,
      };
    case 'model':
      // As in `--model`: phones capitalise the first letter, and model ids are lower case.
      return { text: word.toLowerCase() };
    default:
      return { text: word };
  }
}

/**
 * Reads the text after `/admin`. `replied`: the author of the message the command replies to (see
 * `repliedAuthor`), the member of a `user` argument given no word.
 */
export function parseAdmin(
  text: string,
  replied: User | undefined,
  specs: readonly AdminSubSpec[] = TELEGRAM_ADMIN,
): ParsedAdmin {
  const words = tokenize(text).map((t) => t.value);
  const first = words.shift();
  if (first === undefined || first.toLowerCase() === 'help') return { kind: 'help' };
  const spec = specs.find((s) => s.name === first.toLowerCase());
  if (!spec) {
    return {
      kind: 'bad',
      text: `I don't know /admin ${first}. The admin commands are ${specs.map((s) => s.name).join(', ')}: send /admin for how to use them.`,
    };
  }
  const args: Record<string, string> = {};
  let member: MemberRef | undefined;
  for (const arg of spec.args) {
    if (arg.kind === 'user') {
      const word = words.shift();
      if (word === undefined) {
        if (replied) member = { by: 'reply', requester: requesterOf(replied) };
        else if (arg.required)
          return { kind: 'bad', text: `/admin ${spec.name} needs a member: ${nameAMember(spec)}.` };
        continue;
      }
      if (USER_ID.test(word)) member = { by: 'id', requester: { platform: TELEGRAM, userId: word } };
      else if (USERNAME.test(word)) member = { by: 'username', name: word.slice(1) };
      else return { kind: 'bad', text: `“${word}” doesn't name a member: ${nameAMember(spec)}.` };
      continue;
    }
    const word = words.shift();
    if (word === undefined) {
      if (arg.required) {
        return { kind: 'bad', text: `/admin ${spec.name} needs ${describe(arg)}. Usage: ${usageOf(spec)}` };
      }
      break;
    }
    const read = readArg(spec, arg, word);
    if ('bad' in read) return { kind: 'bad', text: read.bad };
    args[arg.name] = read.text;
  }
  if (words.length > 0) {
    const phrase =
      spec.args.at(-1)?.kind === 'word'
        ? `\nQuote a phrase of several words: /admin ${spec.name} add "hot dog".`
        : '';
    return {
      kind: 'bad',
      text: `I didn't expect “${words.join(' ')}” there. Usage: ${usageOf(spec)}${phrase}`,
    };
  }
  return { kind: 'command', cmd: { sub: spec.name, args }, ...(member ? { member } : {}) };
}

/** "the credits", "a model": an argument as a person reads it. */
function describe(arg: AdminArgSpec): string {
  switch (arg.kind) {
    case 'credits':
      return `a number of credits${arg.off ? ' (or off)' : ''}`;
    case 'choice':
      return `one of ${(arg.choices ?? []).join(', ')}`;
    case 'model':
      return 'a model id (see /models)';
    case 'job':
      return 'a job id (from /admin stats)';
    default:
      return `a ${arg.name}`;
  }
}
