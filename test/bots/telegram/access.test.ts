import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { ALLOWED_UPDATES } from '../../../src/bots/telegram/bot.js';
import { answerText, nothingQueued, replyTo, telegramScenes } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

const ALLOWED_GROUP = -4_100_000_101;
const OTHER_GROUP = -4_100_000_102;
const NEW_GROUP = -1_001_100_000_103;
const OPERATOR_ID = 9001;
const NOT_ALLOWED =
  "This bot isn't available here: the operator has not allowed this server or group. Ask them to add it.";

describe('telegram access: ALLOWED_TELEGRAM_CHATS', () => {
  it('a group not in the list is told once and left at once; a second command there gets no second message', async () => {
    const { h: t, alice } = await scene({ env: { ALLOWED_TELEGRAM_CHATS: String(ALLOWED_GROUP) } });
    const bob = t.tg.user(2002, 'Bob');
    const allowed = t.tg.groupChat(ALLOWED_GROUP);
    const other = t.tg.groupChat(OTHER_GROUP);

    expect(await answerText(t, allowed, alice, '/video a fox in the snow')).toMatch(/^⏳ Queued/);

    // Two commands at once, before the bot could leave: one refusal between them, told before leaving.
    const commands = [
      t.tg.send({ chat: other, from: alice, text: '/video a fox' }),
      t.tg.send({ chat: other, from: bob, text: '/quota' }),
    ];
    const told = await t.tg.waitForMessage(other.id);
    expect(told.text).toBe(NOT_ALLOWED);
    expect(commands.map((m) => m.message_id)).toContain(told.reply_to_message?.message_id);
    await waitFor(() => t.tg.hasLeft(other));
    const leaves = () => t.tg.calls('leaveChat').filter((c) => c.status === 200);
    await waitFor(() => t.tg.calls('leaveChat').every((c) => c.status !== 0));
    expect(leaves()).toHaveLength(1);
    expect(t.tg.messages(other.id, { fromBot: true })).toHaveLength(1);
    expect(t.tg.calls('leaveChat').every((c) => c.params.chat_id === OTHER_GROUP)).toBe(true);

    // Added back: left again at once, without a word.
    t.tg.addBot(other, bob);
    await waitFor(() => t.tg.hasLeft(other));
    expect(leaves()).toHaveLength(2);
    expect(t.tg.messages(other.id, { fromBot: true })).toHaveLength(1);
    expect(t.rh.submitCount() + t.rw.submitCount()).toBeLessThanOrEqual(1);
    expect(t.tg.hasLeft(allowed)).toBe(false);
  });

  it('added to a group that is not allowed, the bot says so and leaves; added to an allowed one, it stays quiet', async () => {
    const { h: t, alice } = await scene({
      env: { ALLOWED_TELEGRAM_CHATS: `${ALLOWED_GROUP}, ${OTHER_GROUP}` },
    });
    expect(ALLOWED_UPDATES).toContain('my_chat_member');
    const fresh = t.tg.groupChat(NEW_GROUP, { title: 'Not on the list' });
    t.tg.addBot(fresh, alice);
    const told = await t.tg.waitForMessage(fresh.id);
    expect(told.text).toBe(NOT_ALLOWED);
    expect(told.reply_to_message).toBeUndefined();
    await waitFor(() => t.tg.hasLeft(fresh));
    const sent = t.tg.calls('sendMessage').find((c) => c.params.chat_id === NEW_GROUP);
    const left = t.tg.calls('leaveChat')[0];
    expect(sent && left && sent.at <= left.at).toBe(true);

    const allowed = t.tg.groupChat(ALLOWED_GROUP);
    t.tg.addBot(allowed, alice);
    expect(await answerText(t, allowed, alice, '/help')).toMatch(/^🎬 I make short AI video clips/);
    expect(t.tg.hasLeft(allowed)).toBe(false);
    expect(t.tg.messages(allowed.id, { fromBot: true })).toHaveLength(1);
    expect(t.tg.calls('leaveChat')).toHaveLength(1);
  });

  it('an operator is served in a group that is not allowed, and adding the bot there keeps it', async () => {
    const { h: t } = await scene({
      env: { ALLOWED_TELEGRAM_CHATS: String(ALLOWED_GROUP), REELAY_OPERATORS: `telegram:${OPERATOR_ID}` },
    });
    const operator = t.tg.user(OPERATOR_ID, 'Opal');
    const fresh = t.tg.groupChat(NEW_GROUP);
    t.tg.addBot(fresh, operator);
    expect(await answerText(t, fresh, operator, '/quota')).toMatch(/^🎬 875 credits left today/);
    expect(t.tg.calls('leaveChat')).toHaveLength(0);
  });
});

describe('telegram access: ALLOW_PRIVATE_CHATS', () => {
  it('=false refuses a private chat at each command, without leaving it, and queues nothing; groups and operators are served', async () => {
    const {
      h: t,
      alice,
      chat,
    } = await scene({
      env: { ALLOW_PRIVATE_CHATS: 'false', REELAY_OPERATORS: `telegram:${OPERATOR_ID}` },
    });
    const refused =
      "This bot doesn't take requests in private chats. Use it in a server or group where it is available.";
    expect(await answerText(t, chat, alice, '/video a fox in the snow')).toBe(refused);
    expect(await answerText(t, chat, alice, '/quota')).toBe(refused);
    expect(t.tg.calls('leaveChat')).toHaveLength(0);
    await nothingQueued(t, alice);

    const group = t.tg.groupChat();
    expect(await answerText(t, group, alice, '/quota')).toMatch(/^🎬 875 credits left today/);
    const operator = t.tg.user(OPERATOR_ID, 'Opal');
    const reply: Message = await replyTo(
      t,
      t.tg.privateChat(operator),
      t.tg.send({ chat: t.tg.privateChat(operator), from: operator, text: '/quota' }),
    );
    expect(reply.text).toMatch(/^🎬 875 credits left today/);
  });
});
