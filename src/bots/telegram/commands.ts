import type { Message, MessageEntity } from 'grammy/types';
import { messageFor } from '../../core/messages.js';
import { actionId } from '../../desk/actions.js';
import type { AdminCommand } from '../../desk/admin.js';
import { cancelReply } from '../../desk/cancel-reply.js';
import type { GenerateCommandName } from '../../desk/commands.js';
import {
  fittingModelsDoc,
  helpDoc,
  historyDoc,
  modelAnswer,
  quotaDoc,
  replayLabel,
} from '../../desk/content.js';
import type { CancelMine, Desk, HistoryItem } from '../../desk/desk.js';
import type { Caller } from '../../desk/place.js';
import type { Door } from './access.js';
import { adminHelpDoc, parseAdmin, repliedAuthor, unknownUsername } from './admin.js';
import type { ChatAdmins } from './admins.js';
import { type AlbumMemory, mediaOf } from './media.js';
import { parseCommand } from './parse.js';
import { callerOf, deliveryTarget, TELEGRAM, targetOf } from './platform.js';
import { docText, MESSAGE_MAX } from './render.js';
import type { Replies } from './reply.js';
import type { Button } from './status.js';
import type { UsernameMemory } from './usernames.js';
import {
  imagesIn,
  PHOTO_WITHOUT_COMMAND,
  telegramHelpWords,
  telegramWords,
  unknownCommand,
} from './words.js';

/**
 * What the bot does with a command message: a translation of it into a desk call, and of the desk's
 * answer into a Telegram reply. Nothing is decided here.
 */

/** A command at the very start of a text or caption: `/video@ReelayBot a fox` → video, ReelayBot, "a fox". */
export function commandOf(message: Message): { name: string; mention?: string; args: string } | undefined {
  const text = message.text ?? message.caption;
  const entities: MessageEntity[] | undefined = message.entities ?? message.caption_entities;
  const first = entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!text || !first) return undefined;
  const [name, mention] = text.slice(1, first.length).split('@') as [string, string | undefined];
  const command: { name: string; mention?: string; args: string } = {
    name: name.toLowerCase(),
    args: text.slice(first.length).trim(),
  };
  if (mention) command.mention = mention;
  return command;
}

/** What `/cancel` or "All of them" came to, as a reply: the desk's words, a button a row for its choice. */
export function cancelMessage(result: CancelMine): { text: string; buttons: Button[][] } {
  const { text, choices } = cancelReply(result);
  return { text, buttons: choices.map((c) => [{ text: c.label, data: c.action }]) };
}

/** What the command handler works with: the desk, the album memory and the bot's ways to reply. */
export interface CommandDeps {
  desk: Desk;
  albums: AlbumMemory;
  replies: Replies;
  /** Telegram's word on who administers a group (cached). */
  admins: ChatAdmins;
  /** The @usernames seen, for `/admin block @name`. */
  usernames: UsernameMemory;
  /** Whether the bot serves the chat (and leaving a group it does not). */
  door: Door;
  /** The bot's username (known once the bot started), for `/video@name` and the help. */
  username(): string;
  now(): number;
}

/** The replay buttons of `/history`: one a row, for each clip whose link still works. */
export function historyButtons(items: readonly HistoryItem[]): Button[][] {
  return items.flatMap((item, i) =>
    item.live
      ? [[{ text: replayLabel(item, i), data: actionId({ kind: 'replay', jobId: item.jobId }) }]]
      : [],
  );
}

/** The handler of one command message, with the rest of its album when it came in one. */
export function createCommandHandler(d: CommandDeps): (messages: Message[]) => Promise<unknown> {
  const { desk, replies } = d;
  const chatAdmin = (chatId: number, userId: number) => d.admins.isAdmin(chatId, userId);
  const busy = () => messageFor({ id: 'service-busy' });
  // The most detail of every model that fits one message (`docText` cuts a longer one to the limit).
  const models = docText(fittingModelsDoc(desk.catalog, (doc) => docText(doc).length < MESSAGE_MAX));

  async function generate(
    command: GenerateCommandName,
    args: string,
    messages: Message[],
    message: Message,
    caller: Caller,
  ) {
    const to = targetOf(message);
    const parsed = parseCommand(command, args, desk.catalog);
    if (!parsed.ok) return replies.reply(to, messageFor(parsed.error, telegramWords()));
    const attachments = await d.albums.inputsFor(messages, message);
    const images = imagesIn(attachments);
    const accepted = await desk.submit({
      command,
      requester: caller.requester,
      place: caller.place,
      target: deliveryTarget(to),
      prompt: parsed.value.prompt,
      settings: parsed.value.settings,
      attachments,
    });
    if (!accepted.ok) return replies.reply(to, messageFor(accepted.error, telegramWords(images)));
    return replies.queued(to, accepted.value, images);
  }

  /** `/admin …`: the words read against the declaration, the member named, the desk's answer. */
  async function admin(message: Message, args: string, caller: Caller): Promise<string> {
    const parsed = parseAdmin(args, repliedAuthor(message));
    if (parsed.kind === 'help') return docText(adminHelpDoc(), d.now());
    if (parsed.kind === 'bad') return parsed.text;
    const cmd: AdminCommand = { ...parsed.cmd };
    const member = parsed.member;
    if (member?.by === 'username') {
      const id = await d.usernames.lookup(member.name).catch(() => 'busy' as const);
      if (id === 'busy') return busy();
      if (id === undefined) return unknownUsername(member.name, cmd.sub);
      cmd.user = { platform: TELEGRAM, userId: String(id), displayName: `@${member.name}` };
    } else if (member) {
      cmd.user = member.requester;
    }
    const reply = await desk.admin(caller, cmd);
    return reply === 'busy' ? busy() : docText(reply.doc, d.now());
  }

  async function answer(message: Message, name: string, args: string, messages: Message[]) {
    const from = message.from as NonNullable<Message['from']>;
    const to = targetOf(message);
    const caller = callerOf(from, message.chat, chatAdmin);
    if (!(await d.door(caller, message.chat, (text) => replies.reply(to, text)))) return;
    switch (name) {
      case 'start':
      case 'help':
        return replies.reply(to, docText(helpDoc(desk.catalog, telegramHelpWords(d.username()))));
      case 'models':
        return replies.reply(to, args ? docText(modelAnswer(args, desk.catalog)) : models);
      case 'quota': {
        const view = await desk.quota(caller);
        return replies.reply(to, view === 'busy' ? busy() : docText(quotaDoc(view), d.now()));
      }
      case 'history': {
        const items = await desk.history(caller);
        if (items === 'busy') return replies.reply(to, busy());
        return replies.reply(to, docText(historyDoc(items), d.now()), historyButtons(items));
      }
      case 'admin':
        return replies.reply(to, await admin(message, args, caller));
      case 'cancel': {
        const { text, buttons } = cancelMessage(await desk.cancelMine(caller.requester));
        return replies.reply(to, text, buttons);
      }
      case 'video':
      case 'reference':
      case 'motion':
        return generate(name, args, messages, message, caller);
      default:
        if (message.chat.type === 'private') return replies.reply(to, unknownCommand(name));
    }
  }

  return async (messages) => {
    const message = messages.find((m) => commandOf(m)) ?? messages[0];
    if (!message?.from || message.from.is_bot) return;
    const command = commandOf(message);
    if (!command) {
      // A photo without a command, in a private chat: say how to use it. In groups, stay quiet.
      if (
        message.chat.type === 'private' &&
        mediaOf(message)?.attachment.kind === 'image' &&
        !message.media_group_id
      ) {
        await replies.reply(targetOf(message), PHOTO_WITHOUT_COMMAND);
      }
      return;
    }
    if (command.mention && command.mention.toLowerCase() !== d.username().toLowerCase()) return;
    return answer(message, command.name, command.args, messages);
  };
}
