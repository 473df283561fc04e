import { describe, expect, it } from 'vitest';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import { type DiscordHarness, discordHarnesses, str } from '../../helpers/discord.js';
import { CLIP_CREDITS } from '../../helpers/harness.js';

/**
 * Who the Discord bot serves (the allowed servers, private chats, operators) and the ceilings as
 * members meet them (the service's daily cap, jobs in flight, the cooldown): each refusal is the
 * desk's specific reply, and costs nothing — no credits, no provider call.
 */

const harness = discordHarnesses();

const ALLOWED_GUILD = '123456789012345678';
const OPERATOR_ID = '900000000000000001';
const NOT_HERE =
  /^This bot isn't available here: the operator has not allowed this server( or group)?\. Ask them to add it\.$/;
const NO_DMS =
  "This bot doesn't take requests in private chats. Use it in a server or group where it is available.";

const submits = (t: DiscordHarness): number => t.rh.submitCount() + t.rw.submitCount();
const title = (m: { embeds?: { title?: string }[] }): string => m.embeds?.[0]?.title ?? '';
const done = (m: { embeds?: { title?: string }[] }): boolean =>
  /Done|Failed|Cancelled|Stopped/.test(title(m));

type Extra = Parameters<DiscordHarness['run']>[2];

/** What a private command (`/quota`, `/history`) answers. */
async function says(t: DiscordHarness, name: string, extra: Extra = {}): Promise<string> {
  return (await t.answer(t.run(name, [], extra).token)).content ?? '';
}

/** A `/video` the desk refused: its words. */
async function refused(t: DiscordHarness, prompt: string, extra: Extra = {}): Promise<string> {
  const reply = await t.outcome(t.video(prompt, extra).token);
  expect(reply.embeds ?? []).toHaveLength(0);
  return reply.content ?? '';
}

/** A `/video` the desk took, to its end. */
async function made(t: DiscordHarness, prompt: string, extra: Extra = {}) {
  const i = t.video(prompt, extra);
  const final = await t.reply(i.token, done);
  expect(title(final)).toMatch(/^✅ Done/);
  return final;
}

describe('discord access: ALLOWED_DISCORD_GUILDS', () => {
  it('a server not on the list is refused politely on every command, and nothing is charged', async () => {
    const t = await harness({
      env: { ALLOWED_DISCORD_GUILDS: ALLOWED_GUILD, REELAY_OPERATORS: `${DISCORD}:${OPERATOR_ID}` },
    });
    expect(await refused(t, 'a fox in an unlisted server')).toMatch(NOT_HERE);
    await t.nothingCharged();
    expect(await says(t, 'quota')).toMatch(NOT_HERE);
    expect(await says(t, 'history')).toMatch(NOT_HERE);
    // Its admins can't set it up either.
    expect(await t.adminSays('settings')).toMatch(NOT_HERE);
    // The listed server is served.
    const listed = t.dc.channel(t.dc.guild(ALLOWED_GUILD).id);
    await made(t, 'a fox in the listed server', { channelId: listed.id });
    // An operator is served anywhere.
    const olga = t.dc.user(OPERATOR_ID, 'olga');
    await made(t, 'the operator’s fox', { user: olga });
    expect(submits(t)).toBe(2);
  });
});

describe('discord access: ALLOW_PRIVATE_CHATS=false', () => {
  it('a DM is refused and costs nothing; an operator is still served there; servers are unaffected', async () => {
    const t = await harness({
      env: { ALLOW_PRIVATE_CHATS: 'false', REELAY_OPERATORS: `${DISCORD}:${OPERATOR_ID}` },
    });
    const dm = t.dc.dm(t.alice);
    expect(await refused(t, 'a private fox', { channelId: dm.id })).toBe(NO_DMS);
    expect(await says(t, 'quota', { channelId: dm.id })).toBe(NO_DMS);
    expect(await t.used(t.aliceRequester, `${DISCORD}:private`)).toBe(0);
    expect(submits(t)).toBe(0);
    const olga = t.dc.user(OPERATOR_ID, 'olga');
    await made(t, 'the operator’s private fox', { user: olga, channelId: t.dc.dm(olga).id });
    await made(t, 'a fox in the server');
    expect(submits(t)).toBe(2);
  });
});

describe('discord ceilings, as members meet them', () => {
  it('SPEND_CAP_DAILY_CREDITS reached: everyone is told the service’s budget is spent until 00:00 UTC, at no cost', async () => {
    const t = await harness({ env: { SPEND_CAP_DAILY_CREDITS: String(CLIP_CREDITS) } });
    await made(t, 'the day’s only fox');
    const bob = t.dc.user(undefined, 'bob');
    const capped = await refused(t, 'one fox past the cap', { user: bob });
    expect(capped).toMatch(
      /^The service's daily budget is spent\. It resets at 00:00 UTC \(in \d+ (h|min)[^)]*\)\.$/,
    );
    // In another server too: the cap is the whole service's.
    const elsewhere = t.dc.channel();
    expect(await refused(t, 'a fox elsewhere', { user: bob, channelId: elsewhere.id })).toBe(capped);
    expect(await t.used({ platform: DISCORD, userId: bob.id })).toBe(0);
    expect(submits(t)).toBe(1);
  });

  it('USER_MAX_IN_FLIGHT: a member past their jobs in flight is told to wait or /cancel, at no cost', async () => {
    const t = await harness({ workers: false, env: { USER_MAX_IN_FLIGHT: '1' } });
    const first = t.video('the first fox');
    expect((await t.outcome(first.token)).embeds).toHaveLength(1);
    expect(await refused(t, 'a second fox at once')).toBe(
      'You already have 1 video in progress, the most at once. Wait for one to finish, or stop one with /cancel.',
    );
    expect(await t.used()).toBe(CLIP_CREDITS);
    // Someone else is not held up; and once the first ends, Alice may ask again.
    const bob = t.dc.user(undefined, 'bob');
    expect((await t.outcome(t.video('bob’s fox', { user: bob }).token)).embeds).toHaveLength(1);
    t.startWorkers();
    await t.reply(first.token, done);
    await made(t, 'the next fox');
    expect(submits(t)).toBe(3);
  });

  it('USER_COOLDOWN_S: a request too soon after the last says when to ask again, at no cost', async () => {
    const t = await harness({ env: { USER_COOLDOWN_S: '60' } });
    await made(t, 'a fox');
    expect(await refused(t, 'a fox too soon')).toMatch(
      /^Please wait a little between requests: you can ask again in (59|60) seconds\.$/,
    );
    expect(await t.used()).toBe(CLIP_CREDITS);
    expect(submits(t)).toBe(1);
    const bob = t.dc.user(undefined, 'bob');
    await made(t, 'bob’s fox', { user: bob });
  });
});

describe('discord status: each clip’s cost', () => {
  it('the live status and the final one show what the clip costs', async () => {
    const t = await harness({ workers: false });
    const i = t.run('video', [str('prompt', 'a ten-second fox'), { name: 'duration', type: 4, value: 10 }]);
    const live = await t.outcome(i.token);
    const cost = (m: typeof live) => m.embeds?.[0]?.fields?.find((f) => f.name === 'Cost')?.value;
    expect(cost(live)).toBe('350 credits');
    t.startWorkers();
    const final = await t.reply(i.token, done);
    expect(title(final)).toMatch(/^✅ Done/);
    expect(cost(final)).toBe('350 credits');
    expect(await t.used()).toBe(2 * CLIP_CREDITS);
  });
});
