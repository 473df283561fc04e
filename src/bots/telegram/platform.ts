import type { Chat, Message, User } from 'grammy/types';
import { z } from 'zod';
import type { DeliveryTarget } from '../../core/ports.js';
import type { Requester } from '../../core/request.js';
import type { Caller, Place } from '../../desk/place.js';
import { telegramPlatform } from './descriptor.js';

/** The platform's name: in delivery targets, requesters (quota keys) and media source refs. */
export const TELEGRAM = telegramPlatform.name;
/** The namespace of Telegram's status records and album memory in Redis. */
export const TELEGRAM_STORE = 'tg';

/**
 * The `data` of a Telegram delivery target: the chat, the message the outcome replies to, and the
 * forum topic. The same fields as version 1's telegram target, so jobs queued before the upgrade
 * still parse.
 */
export const telegramTargetSchema = z.object({
  chatId: z.number().int(),
  messageId: z.number().int().positive(),
  threadId: z.number().int().optional(),
});
export type TelegramTarget = z.infer<typeof telegramTargetSchema>;

/** A place in a chat to reply to: a chat, a message in it, and its forum topic. */
export const targetAt = (chatId: number, messageId: number, threadId?: number): TelegramTarget =>
  threadId === undefined ? { chatId, messageId } : { chatId, messageId, threadId };

/** The forum topic a message was sent in, if any. */
export const topicOf = (message: Message): number | undefined =>
  message.is_topic_message ? message.message_thread_id : undefined;

/** Where the outcome of a request made by `message` goes: a reply to it, in its topic. */
export const targetOf = (message: Message): TelegramTarget =>
  targetAt(message.chat.id, message.message_id, topicOf(message));

/** A Telegram target as the desk and the jobs carry it (opaque to them). */
export const deliveryTarget = (target: TelegramTarget): DeliveryTarget => ({
  platform: TELEGRAM,
  data: { ...target },
});

/** A job's target read back; throws on another platform's, which no Telegram code should be given. */
export function readTarget(target: DeliveryTarget): TelegramTarget {
  if (target.platform !== TELEGRAM) throw new Error(`telegram given a ${target.platform} target`);
  return telegramTargetSchema.parse(target.data);
}

/** The person behind a message or a button press, for quotas and captions. */
export const requesterOf = (from: User): Requester => ({
  platform: TELEGRAM,
  userId: String(from.id),
  displayName: from.username
    ? `@${from.username}`
    : [from.first_name, from.last_name].filter(Boolean).join(' '),
});

/** A basic group or a supergroup: a community of its own, with admins. */
export const isGroup = (chat: Pick<Chat, 'type'>): boolean =>
  chat.type === 'group' || chat.type === 'supergroup';

/**
 * Where a chat is, in the desk's words: a group or supergroup is a community (its chat id); any
 * other chat is private (the private chats share one set of settings). Telegram has no channels
 * within a group for the desk to restrict, nor roles.
 */
export const placeOf = (chat: Pick<Chat, 'id' | 'type'>): Place =>
  isGroup(chat) ? { platform: TELEGRAM, community: String(chat.id) } : { platform: TELEGRAM };

/**
 * Who acts, and where: the person, the chat as a place, and (in a group) whether Telegram counts
 * them as one of its admins, asked of `chatAdmin` only when a right depends on it.
 */
export function callerOf(
  from: User,
  chat: Pick<Chat, 'id' | 'type'>,
  chatAdmin: (chatId: number, userId: number) => Promise<boolean>,
): Caller {
  const place = placeOf(chat);
  return {
    requester: requesterOf(from),
    place,
    ...(place.community === undefined ? {} : { chatAdmin: () => chatAdmin(chat.id, from.id) }),
  };
}
