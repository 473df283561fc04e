import { Api } from 'grammy';
import type { Chat, Message, User } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { ChatAdmins } from '../../../src/bots/telegram/admins.js';
import { CATALOG } from '../../../src/catalog/models.js';
import { CLIP_CREDITS, memberUsage } from '../../helpers/harness.js';
import {
  answerText,
  memberLookups,
  type Scene,
  statusOf,
  type TelegramHarness,
  TG_TOKEN,
  telegramScenes,
  videoFor,
} from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

/** Every model id of the shipped catalog, as settings and replies list them. */
const ALL_MODELS = CATALOG.map((m) => m.id).join(', ');

const scene = telegramScenes();

const NOT_ADMIN = '⚠️ Only admins of this server or group can do that.';
const OPERATOR_ID = 9001;

/** A group with its creator (Olga), an administrator (Adam) and a member (Bob, @bob), who have each spoken. */
function groupOf(s: Scene, id?: number): { group: Chat; owner: User; admin: User; bob: User } {
  const t = s.h;
  const group = t.tg.groupChat(id);
  const owner = t.tg.user(3001, 'Olga', { username: 'olga' });
  const admin = t.tg.user(3002, 'Adam', { username: 'adam' });
  const bob = t.tg.user(2002, 'Bob', { username: 'bob' });
  t.tg.setMember(group, owner, 'creator');
  t.tg.setMember(group, admin, 'administrator');
  t.tg.setMember(group, bob, 'member');
  return { group, owner, admin, bob };
}

/** The job id of a status message, from its Cancel button. */
const jobOf = (t: TelegramHarness, status: Message): string =>
  (t.tg.buttons(status)[0]?.callback_data ?? '').replace(/^cancel:/, '');

describe('telegram /admin: who may', () => {
  it('refuses a member of the group; its creator and an administrator may; Telegram is asked once a minute per person', async () => {
    const s = await scene();
    const t = s.h;
    const { group, owner, admin, bob } = groupOf(s);

    expect(await answerText(t, group, bob, '/admin settings')).toBe(NOT_ADMIN);
    expect(await answerText(t, group, bob, '/admin pause')).toBe(NOT_ADMIN);
    expect(await answerText(t, group, bob, '/video a fox')).toMatch(/^⏳ Queued/);
    expect(memberLookups(t, bob)).toBe(1);

    expect(await answerText(t, group, owner, '/admin settings')).toMatch(/^⚙️ Settings\n/);
    expect(await answerText(t, group, owner, '/admin pause')).toMatch(
      /^✅ Paused: new requests here are refused\./,
    );
    expect(memberLookups(t, owner)).toBe(1);
    expect(await answerText(t, group, admin, '/admin resume')).toBe(
      '✅ Resumed: requests are taken here again.',
    );
    expect(memberLookups(t, admin)).toBe(1);
    const lookup = t.tg.calls('getChatMember')[0];
    expect(lookup?.params).toMatchObject({ chat_id: group.id });
  });

  it('keeps an answer for a minute: a demoted admin loses the right once it is asked again', async () => {
    const s = await scene();
    const t = s.h;
    const { group, admin } = groupOf(s);
    let now = Date.now();
    const admins = new ChatAdmins(new Api(TG_TOKEN, { apiRoot: t.tg.apiUrl }), () => now);
    expect(await admins.isAdmin(group.id, admin.id)).toBe(true);
    t.tg.setMember(group, admin, 'member');
    now += 59_000;
    expect(
      await Promise.all([admins.isAdmin(group.id, admin.id), admins.isAdmin(group.id, admin.id)]),
    ).toEqual([true, true]);
    expect(memberLookups(t, admin)).toBe(1);
    now += 2_000;
    expect(await admins.isAdmin(group.id, admin.id)).toBe(false);
    expect(memberLookups(t, admin)).toBe(2);
    // A failed question is not kept: it counts as no, and is asked again.
    expect(await admins.isAdmin(-999, admin.id)).toBe(false);
    expect(await admins.isAdmin(-999, admin.id)).toBe(false);
    expect(t.tg.calls('getChatMember').filter((c) => c.params.chat_id === -999)).toHaveLength(2);
  });

  it('in a private chat, only an operator is an admin', async () => {
    const s = await scene({ env: { REELAY_OPERATORS: `telegram:${OPERATOR_ID}` } });
    const t = s.h;
    expect(await answerText(t, s.chat, s.alice, '/admin settings')).toBe(NOT_ADMIN);
    const operator = t.tg.user(OPERATOR_ID, 'Opal', { username: 'opal' });
    const settings = await answerText(t, t.tg.privateChat(operator), operator, '/admin settings');
    expect(settings).toMatch(/^⚙️ Settings\n/);
    expect(settings).toContain("• Service's daily cap: none");
    expect(t.tg.calls('getChatMember')).toHaveLength(0);
  });

  it('an operator may do everything in any group without being its admin', async () => {
    const s = await scene({ env: { REELAY_OPERATORS: `telegram:${OPERATOR_ID}` } });
    const t = s.h;
    const { group, bob } = groupOf(s);
    const operator = t.tg.user(OPERATOR_ID, 'Opal', { username: 'opal' });
    t.tg.setMember(group, operator, 'member');
    const bobs = t.tg.send({ chat: group, from: bob, text: 'hello' });
    const op = (text: string, replyTo?: Message) =>
      answerText(t, group, operator, text, replyTo ? { replyTo } : {});

    expect(await op('/admin limit 350')).toBe('✅ Each member now gets 350 credits per day.');
    expect(await op('/admin budget 1000')).toBe('✅ The daily budget here is now 1,000 credits.');
    expect(await op('/admin block', bobs)).toBe(
      "✅ Blocked.\n\n@bob can't make videos here until unblocked.",
    );
    expect(await op('/admin unblock 2002')).toBe('✅ Unblocked.\n\nuser 2002 can make videos here again.');
    expect(await op('/admin words add dragon')).toBe('✅ "dragon" is blocked here.');
    expect(await op('/admin models deny kling-o1')).toBe('✅ kling-o1 is denied here.');
    expect(await op('/admin pause')).toMatch(/^✅ Paused/);
    expect(await op('/admin resume')).toMatch(/^✅ Resumed/);
    expect(await op('/admin reset 2002')).toBe(
      "✅ Today's credits given back.\n\nuser 2002 had not used any today.",
    );
    expect(await op('/admin stats')).toMatch(/^📊 Today's activity/);
    const settings = await op('/admin settings');
    expect(settings).toContain('• Credits per member per day: 350 (the default is 875)');
    expect(settings).toContain("• Service's daily cap: none");
    // The operator was never looked up: an operator's rights do not depend on the group.
    expect(memberLookups(t, operator)).toBe(0);
    // And an operator is served where members are refused: a paused group still takes their clip.
    await op('/admin pause');
    expect(await op('/video an operator test')).toMatch(/^⏳ Queued/);
    expect(await answerText(t, group, bob, '/video a member test')).toBe(
      "This group's admins have paused video requests. Try again later.",
    );
  });
});

describe('telegram /admin: each subcommand', () => {
  it('settings, limit (seen in /quota) and budget (a request over it refused, at no cost)', async () => {
    const s = await scene();
    const t = s.h;
    const { group, owner, bob } = groupOf(s);
    const carol = t.tg.user(2003, 'Carol');
    const admin = (text: string) => answerText(t, group, owner, text);

    const settings = await admin('/admin settings');
    expect(settings).toContain('• Credits per member per day: 875 (the default)');
    expect(settings).toContain('• Daily budget: none (0 spent today)');
    expect(settings).toContain(`• Models: all (${ALL_MODELS})`);
    expect(settings).toContain('• Blocked words: none');
    expect(settings).toContain('• Requests: open');
    expect(settings).not.toContain('Role tiers');
    expect(settings).not.toContain('Channels');
    expect(settings).not.toContain("Service's daily cap");

    expect(await admin('/admin limit 350')).toBe('✅ Each member now gets 350 credits per day.');
    expect(await answerText(t, group, bob, '/quota')).toMatch(
      /^🎬 350 credits left today\n\n≈ 2 clips of kling-2\.5-turbo-pro \(175 credits each\)\.\nUsed today: 0 of 350 credits\./,
    );
    expect(await admin('/admin limit off')).toBe('✅ Members get the default 875 credits per day.');

    expect(await admin('/admin budget 200')).toBe('✅ The daily budget here is now 200 credits.');
    expect(await answerText(t, group, bob, '/video a fox in the snow')).toMatch(/^⏳ Queued/);
    expect(await answerText(t, group, carol, '/video a second fox')).toBe(
      "This group's daily budget is spent (this clip costs 175 credits, 25 credits are left). It resets at 00:00 UTC.",
    );
    expect(await answerText(t, group, bob, '/quota')).toContain(
      'The budget here: 25 credits left of 200 today.',
    );
    await waitFor(() => t.rh.submitCount() + t.rw.submitCount() === 1);
    expect((await memberUsage(t.app, `telegram:${carol.id}`, `telegram:${group.id}`)).used).toBe(0);
    expect(await admin('/admin settings')).toContain('• Daily budget: 175 of 200 spent today');
    expect(await admin('/admin budget off')).toBe('✅ There is no daily budget here now.');
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(1);
  });

  it('block and unblock, by reply, by id and by @username; an unknown @username gets its own reply', async () => {
    const s = await scene();
    const t = s.h;
    const { group, owner, bob } = groupOf(s);
    const admin = (text: string, replyTo?: Message) =>
      answerText(t, group, owner, text, replyTo ? { replyTo } : {});
    const blocked =
      "You're blocked from making videos in this group. Ask its admins if you think it's a mistake.";

    const bobs = t.tg.send({ chat: group, from: bob, text: 'hi all' });
    expect(await admin('/admin block', bobs)).toBe(
      "✅ Blocked.\n\n@bob can't make videos here until unblocked.",
    );
    expect(await answerText(t, group, bob, '/video a fox')).toBe(blocked);
    expect(await admin('/admin block', bobs)).toBe('✅ Already blocked.\n\n@bob');
    expect(await admin(`/admin unblock ${bob.id}`)).toBe(
      '✅ Unblocked.\n\nuser 2002 can make videos here again.',
    );

    // Bob's messages taught the bot his @username.
    await waitFor(async () => (await t.app.redis.hget(`${t.prefix}:tg:usernames`, 'bob')) === '2002');
    expect(await admin('/admin block @Bob')).toBe(
      "✅ Blocked.\n\n@Bob can't make videos here until unblocked.",
    );
    expect(await answerText(t, group, bob, '/video a second fox')).toBe(blocked);
    expect(await admin('/admin unblock @bob')).toBe('✅ Unblocked.\n\n@bob can make videos here again.');
    expect(await answerText(t, group, bob, '/video a third fox')).toMatch(/^⏳ Queued/);

    expect(await admin('/admin block @nobody_here')).toBe(
      "I don't know @nobody_here yet: reply to one of their messages with /admin block, or use their numeric id.",
    );
    // Replying to the bot's own message names nobody.
    const botMessage = t.tg.messages(group.id, { fromBot: true })[0] as Message;
    expect(await admin('/admin block', botMessage)).toBe(
      '/admin block needs a member: reply to one of their messages with /admin block, or give their numeric id or @username.',
    );
    expect(t.rh.submitCount() + t.rw.submitCount()).toBeLessThanOrEqual(1);
  });

  it('models deny and allow; words add, list and remove, a quoted phrase refusing a prompt by name', async () => {
    const s = await scene();
    const t = s.h;
    const { group, admin: adam, bob } = groupOf(s);
    const admin = (text: string) => answerText(t, group, adam, text);

    expect(await admin('/admin models deny kling-2.5-turbo-pro')).toBe(
      '✅ kling-2.5-turbo-pro is denied here.',
    );
    expect(await answerText(t, group, bob, '/video a fox')).toBe(
      `kling-2.5-turbo-pro isn't allowed in this group. Allowed here: ${CATALOG.filter(
        (m) => m.id !== 'kling-2.5-turbo-pro' && m.modes.includes('text'),
      )
        .map((m) => m.id)
        .join(', ')}.`,
    );
    expect(await admin('/admin models allow KLING-2.5-turbo-pro')).toBe(
      '✅ kling-2.5-turbo-pro is allowed here.',
    );

    expect(await admin('/admin words')).toBe(
      '🚫 Blocked words\n\nNone. Add one with /admin words add <word>.',
    );
    expect(await admin('/admin words add "hot dog"')).toBe('✅ "hot dog" is blocked here.');
    expect(await admin('/admin words add “hot dog”')).toBe('✅ "hot dog" was already blocked.');
    expect(await admin('/admin words add gore')).toBe('✅ "gore" is blocked here.');
    expect(await admin('/admin words')).toBe('🚫 Blocked words\n\ngore, hot dog');
    expect(await answerText(t, group, bob, '/video a HOT  DOG stand at night')).toBe(
      'Your prompt contains "hot dog", a word that is blocked here. Please rephrase it. Nothing was charged.',
    );
    expect(await answerText(t, group, bob, '/video a hotdog stand --neg "gore"')).toBe(
      'Your prompt contains "gore", a word that is blocked here. Please rephrase it. Nothing was charged.',
    );
    expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
    expect(await admin('/admin words remove "hot dog"')).toBe('✅ "hot dog" is no longer blocked.');
    expect(await admin('/admin words remove "hot dog"')).toBe('⚠️ "hot dog" was not blocked.');
    expect(await answerText(t, group, bob, '/video a hot dog stand at night')).toMatch(/^⏳ Queued/);
  });

  it("pause and resume; reset gives a member today's credits back", async () => {
    const s = await scene();
    const t = s.h;
    const { group, owner, bob } = groupOf(s);
    const admin = (text: string, replyTo?: Message) =>
      answerText(t, group, owner, text, replyTo ? { replyTo } : {});

    expect(await admin('/admin pause')).toBe(
      '✅ Paused: new requests here are refused.\n\nJobs already running finish as usual.',
    );
    expect(await admin('/admin pause')).toBe('✅ Requests were already paused here.');
    expect(await answerText(t, group, bob, '/video a fox')).toBe(
      "This group's admins have paused video requests. Try again later.",
    );
    expect(await admin('/admin resume')).toBe('✅ Resumed: requests are taken here again.');

    const request = t.tg.send({ chat: group, from: bob, text: '/video a fox, charged' });
    await videoFor(t, request);
    const inGroup = `telegram:${group.id}`;
    await waitFor(async () => (await memberUsage(t.app, `telegram:${bob.id}`)).inFlight === 0);
    expect((await memberUsage(t.app, `telegram:${bob.id}`, inGroup)).used).toBe(CLIP_CREDITS);
    expect(await admin('/admin reset', request)).toBe(
      "✅ Today's credits given back.\n\n@bob has 175 credits back for today.",
    );
    expect((await memberUsage(t.app, `telegram:${bob.id}`, inGroup)).used).toBe(0);
    expect(await answerText(t, group, bob, '/quota')).toMatch(/^🎬 875 credits left today/);
  });

  it("cancel stops another member's job; stats shows today's clips, credits, top members and failures", async () => {
    const s = await scene({ pollsToComplete: 10_000 });
    const t = s.h;
    const { group, owner, bob } = groupOf(s);
    const admin = (text: string) => answerText(t, group, owner, text);

    const request = t.tg.send({ chat: group, from: bob, text: '/video a slow sunrise' });
    const status = await statusOf(t, group, request);
    const jobId = jobOf(t, status);
    await waitFor(() => t.rh.submitCount() + t.rw.submitCount() === 1);
    expect(await admin(`/admin cancel ${jobId}`)).toBe(
      `✅ Stopping job ${jobId}.\n\nThe provider had already started on it, so its credits stay spent.`,
    );
    await waitFor(() => /^⏹ Stopped\./.test(t.tg.message(group.id, status.message_id)?.text ?? ''));
    expect(await admin(`/admin cancel ${jobId}`)).toBe(`⚠️ Job ${jobId} has already finished.`);
    expect(await admin('/admin cancel 00000000-0000-4000-8000-000000000000')).toBe(
      "⚠️ I can't find a job with the id 00000000-0000-4000-8000-000000000000.\n\nJob ids are in /admin stats.",
    );

    const stats = await admin('/admin stats');
    expect(stats).toBe(
      [
        "📊 Today's activity",
        '',
        '• Clips made: 0',
        '• Credits spent: 175',
        '• In progress: 0',
        '',
        'Top members',
        '• user 2002 175 credits',
        '',
        'Failures',
        '• cancelled: 1',
      ].join('\n'),
    );
  });

  it('bad arguments get specific replies; /admin alone lists the subcommands', async () => {
    const s = await scene();
    const t = s.h;
    const { group, owner } = groupOf(s);
    const admin = (text: string) => answerText(t, group, owner, text);

    const help = await admin('/admin');
    expect(help).toMatch(/^🛠 Admin commands/);
    for (const line of [
      '/admin settings — Show the settings here',
      '/admin limit <credits|off> — Set the credits each member gets per day',
      "/admin block <user> — Stop a member's requests",
      '/admin models <allow|deny> <model> — Allow or deny a model here',
      '/admin words [add|remove] [word] — List, add or remove blocked words',
      "/admin cancel <job> — Stop anyone's job",
      "/admin stats — Today's clips, credits, top members and failures",
    ]) {
      expect(help).toContain(line);
    }
    expect(help).not.toContain('/admin tier');
    expect(help).not.toContain('/admin channels');
    expect(await admin('/admin help')).toBe(help);

    expect(await admin('/admin frobnicate')).toBe(
      "I don't know /admin frobnicate. The admin commands are settings, limit, budget, block, unblock, models, default, words, pause, resume, reset, cancel, stats: send /admin for how to use them.",
    );
    expect(await admin('/admin tier 123 500')).toMatch(/^I don't know \/admin tier\./);
    expect(await admin('/admin limit')).toBe(
      '/admin limit needs a number of credits (or off). Usage: /admin limit <credits|off>',
    );
    expect(await admin('/admin limit lots')).toBe(
      "“lots” isn't a number of credits: give a whole number like 500, or off. Usage: /admin limit <credits|off>",
    );
    expect(await admin('/admin budget -5')).toMatch(/^“-5” isn't a number of credits/);
    expect(await admin('/admin models maybe kling-o1')).toBe(
      "“maybe” isn't one of allow, deny. Usage: /admin models <allow|deny> <model>",
    );
    expect(await admin('/admin models deny')).toBe(
      '/admin models needs a model id (see /models). Usage: /admin models <allow|deny> <model>',
    );
    expect(await admin('/admin models deny veo-9')).toBe(
      `⚠️ There is no model called "veo-9".\n\nModels: ${ALL_MODELS}.`,
    );
    expect(await admin('/admin block bob')).toBe(
      "“bob” doesn't name a member: reply to one of their messages with /admin block, or give their numeric id or @username.",
    );
    expect(await admin('/admin words add hot dog')).toBe(
      'I didn\'t expect “dog” there. Usage: /admin words [add|remove] [word]\nQuote a phrase of several words: /admin words add "hot dog".',
    );
    expect(await admin('/admin words hot')).toBe(
      "“hot” isn't one of add, remove. Usage: /admin words [add|remove] [word]",
    );
    expect(await admin('/admin words add')).toBe(
      '⚠️ That needs different arguments.\n\nUsage: /admin words [add|remove] [word]',
    );
    expect(await admin('/admin pause now')).toBe("I didn't expect “now” there. Usage: /admin pause");
    expect(await admin('/admin cancel')).toBe(
      '/admin cancel needs a job id (from /admin stats). Usage: /admin cancel <job>',
    );
    // None of it changed anything.
    expect(await admin('/admin settings')).toContain('• Credits per member per day: 875 (the default)');
  });
});

describe('telegram /admin: one group at a time', () => {
  it("nothing an admin does touches another group, and a group's admin is a member elsewhere", async () => {
    const s = await scene({ pollsToComplete: 10_000 });
    const t = s.h;
    const { group: a, owner, bob } = groupOf(s);
    const b = t.tg.groupChat();
    t.tg.setMember(b, owner, 'member');
    t.tg.setMember(b, bob, 'member');
    const inA = (text: string, replyTo?: Message) =>
      answerText(t, a, owner, text, replyTo ? { replyTo } : {});

    const bobsInA = t.tg.send({ chat: a, from: bob, text: 'hello' });
    for (const command of [
      '/admin limit 100',
      '/admin budget 100',
      '/admin models deny kling-2.5-turbo-pro',
      '/admin words add fox',
      '/admin pause',
    ]) {
      expect(await inA(command)).toMatch(/^✅/);
    }
    expect(await inA('/admin block', bobsInA)).toMatch(/^✅ Blocked/);

    // In B, Bob is served as if nothing happened, and the owner of A is nobody special.
    const request = t.tg.send({ chat: b, from: bob, text: '/video a fox in the snow' });
    const status = await statusOf(t, b, request);
    expect(status.text).toContain('kling-2.5-turbo-pro · 5s · 175 credits');
    expect(await answerText(t, b, owner, '/admin settings')).toBe(NOT_ADMIN);
    expect(await answerText(t, b, bob, '/quota')).toMatch(/^🎬 700 credits left today/);

    // A's admin can't stop a job made in B, even by its id.
    const jobId = jobOf(t, status);
    expect(await inA(`/admin cancel ${jobId}`)).toBe(`⚠️ Job ${jobId} was not made here.`);
    expect((await t.desk.status(jobId))?.cancelling).toBe(false);

    // And A still has all of it.
    const settings = await inA('/admin settings');
    expect(settings).toContain('• Credits per member per day: 100 (the default is 875)');
    expect(settings).toContain('• Requests: ⏸ paused');
    expect(await answerText(t, a, bob, '/video another fox')).toBe(
      "This group's admins have paused video requests. Try again later.",
    );
  });
});
