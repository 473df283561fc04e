import type { Api } from 'grammy';
import type { Chat } from 'grammy/types';
import { messageFor } from '../../core/messages.js';
import type { Desk } from '../../desk/desk.js';
import type { Caller } from '../../desk/place.js';
import type { Logger } from '../../log.js';
import { describeApiError } from './api.js';
import { isGroup } from './platform.js';
import { telegramWords } from './words.js';

/** What the door needs: the desk that decides, and the client that speaks and leaves. */
export interface DoorDeps {
  desk: Pick<Desk, 'admission'>;
  api: Pick<Api, 'leaveChat'>;
  logger: Logger;
  /** For scrubbing error text. */
  token: string;
}

/**
 * Whether the bot serves a chat, as the desk decides (the allow lists, private chats, operators).
 * A group it does not serve is told so once (the first time the desk refuses it) and left at once,
 * every time; a private chat it does not serve is told so at each command (a bot cannot leave one).
 * `say` posts the refusal (a reply to the command, or a message in the chat).
 */
export function createDoor(d: DoorDeps) {
  const warn = (chat: number, what: string) => (error: unknown) =>
    d.logger.warn({ chat, err: describeApiError(error, d.token) }, what);
  /**
   * The groups being told and left by this process. Updates are handled concurrently: a second
   * command from a refused group waits for the first one's goodbye here, so it cannot leave before
   * the group was told. (Across replicas the order is not kept; the group may then go untold.)
   */
  const leaving = new Map<number, Promise<void>>();
  const leave = (chat: number) =>
    d.api.leaveChat(chat).then(() => undefined, warn(chat, 'telegram leaveChat failed'));

  return async function admitted(
    caller: Caller,
    chat: Pick<Chat, 'id' | 'type'>,
    say: (text: string) => Promise<unknown>,
  ): Promise<boolean> {
    const verdict = await d.desk.admission(caller);
    if (verdict.ok) return true;
    const text = messageFor(verdict.error, telegramWords());
    if (!isGroup(chat)) {
      await say(text).catch(warn(chat.id, 'telegram refusal failed'));
      return false;
    }
    const ongoing = leaving.get(chat.id);
    if (!verdict.first && ongoing) {
      await ongoing;
      return false;
    }
    const goodbye = (async () => {
      if (verdict.first) await say(text).catch(warn(chat.id, 'telegram refusal failed'));
      await leave(chat.id);
      d.logger.info({ chat: chat.id, told: verdict.first }, 'telegram group not allowed: left it');
    })();
    if (verdict.first) leaving.set(chat.id, goodbye);
    await goodbye.finally(() => {
      if (leaving.get(chat.id) === goodbye) leaving.delete(chat.id);
    });
    return false;
  };
}

export type Door = ReturnType<typeof createDoor>;
