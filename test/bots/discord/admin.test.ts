import { DiscordAPIError, PermissionFlagsBits, REST, Routes } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import { CATALOG } from '../../../src/catalog/models.js';
import { ADMIN } from '../../../src/desk/admin.js';
import {
  DC_TOKEN,
  type DiscordHarness,
  discordHarnesses,
  jobIdOf,
  OPT,
  str,
  textOf,
} from '../../helpers/discord.js';
import { CLIP_CREDITS } from '../../helpers/harness.js';
import { waitFor } from '../../helpers/wait.js';

/** Every model id of the shipped catalog, as settings and replies list them. */
const ALL_MODELS = CATALOG.map((m) => m.id).join(', ');

/**
 * `/admin` on Discord, through the real bot, desk, workers and Redis against the fake Discord:
 * who may (Manage Server, checked when the command runs; operators everywhere), what each
 * subcommand does as members then see it, and that nothing reaches another server.
 */

const harness = discordHarnesses();

/** The desk's refusal of a non-admin (in its own words, which may name the server or the group). */
const NOT_ADMIN = /^## ⚠️ Only admins of this server( or group)? can do that\.$/;
/** Five clips of the default model: the harness's `QUOTA_DAILY_VIDEOS`. */
const DEFAULT_LIMIT = 5 * CLIP_CREDITS;
const OPERATOR_ID = '900000000000000001';
/** What a blocked member is told (the desk's words, naming the server). */
const BLOCKED = /^You're blocked from making videos (on|in) this server\. Ask its admins/;

const submits = (t: DiscordHarness): number => t.rh.submitCount() + t.rw.submitCount();
const title = (m: { embeds?: { title?: string }[] }): string => m.embeds?.[0]?.title ?? '';
const done = (m: { embeds?: { title?: string }[] }): boolean =>
  /Done|Failed|Cancelled|Stopped/.test(title(m));

/** What `/quota` says to a member. */
async function quota(t: DiscordHarness, extra: Parameters<DiscordHarness['run']>[2] = {}): Promise<string> {
  return (await t.answer(t.run('quota', [], extra).token)).content ?? '';
}

/** A member's `/video` that the desk refused: the reply's words (it never got a status). */
async function refused(t: DiscordHarness, prompt: string, extra: Parameters<DiscordHarness['run']>[2] = {}) {
  const reply = await t.outcome(t.video(prompt, extra).token);
  expect(reply.embeds ?? []).toHaveLength(0);
  return reply.content ?? '';
}

/** A member's `/video` that the desk took: its status message. */
async function taken(t: DiscordHarness, prompt: string, extra: Parameters<DiscordHarness['run']>[2] = {}) {
  const i = t.video(prompt, extra);
  const reply = await t.outcome(i.token);
  expect(reply.content ?? '').toBe('');
  return { token: i.token, status: reply };
}

describe('discord /admin: who may', () => {
  it("registers with Discord: /admin's subcommands from the declaration, shown to Manage Server only", async () => {
    const t = await harness({ workers: false });
    await t.register();
    const admin = t.dc.commands().find((c) => c.name === 'admin');
    expect(admin?.default_member_permissions).toBe(String(PermissionFlagsBits.ManageGuild));
    expect(admin?.contexts).toEqual([0, 1]);
    expect(admin?.options?.map((o) => o.name)).toEqual(ADMIN.map((s) => s.name));
    expect(t.dc.commands().find((c) => c.name === 'history')?.default_member_permissions).toBeNull();
    // Discord checks the field: a bitfield must be a decimal string.
    const rest = new REST({ api: t.dc.apiUrl }).setToken(DC_TOKEN);
    const bad = { ...admin, default_member_permissions: 32 };
    const error = await rest
      .put(Routes.applicationCommands(t.dc.applicationId), { body: [bad] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50035);
    // And the options: a required one after an optional one, in a subcommand, is refused too.
    const words = admin?.options?.find((o) => o.name === 'words') as { options: { required?: boolean }[] };
    const misordered = {
      ...admin,
      options: [{ ...words, options: [words.options[0], { ...words.options[1], required: true }] }],
    };
    const refusedPut = await rest
      .put(Routes.applicationCommands(t.dc.applicationId), { body: [misordered] })
      .catch((e) => e);
    expect((refusedPut as DiscordAPIError).code).toBe(50035);
    expect(t.dc.commands().map((c) => c.name)).toContain('admin');
  });

  it('a member without Manage Server is refused when the command runs (the client may still show it); nothing changes', async () => {
    const t = await harness({ workers: false });
    const bob = t.dc.user(undefined, 'bob');
    const plain = { user: bob, member: {} };
    expect(await t.adminSays('limit', [str('credits', '100')], plain)).toMatch(NOT_ADMIN);
    expect(await t.adminSays('pause', [], plain)).toMatch(NOT_ADMIN);
    expect(await t.adminSays('block', [{ name: 'user', type: OPT.user, value: t.alice.id }], plain)).toMatch(
      NOT_ADMIN,
    );
    expect(await t.adminSays('settings', [], plain)).toMatch(NOT_ADMIN);
    expect(await quota(t)).toContain(`Used today: 0 of ${DEFAULT_LIMIT.toLocaleString('en-US')} credits`);
    await taken(t, 'still open, still unblocked');
    // In a DM with the bot there is no server to be an admin of: only operators pass.
    const dm = t.dc.dm(bob);
    expect(await t.adminSays('settings', [], { user: bob, channelId: dm.id })).toMatch(NOT_ADMIN);
  });

  it('Manage Server or Administrator makes a member an admin', async () => {
    const t = await harness({ workers: false });
    const administrator = String(PermissionFlagsBits.Administrator);
    const said = await t.adminSays('limit', [str('credits', '350')], {
      member: { permissions: administrator },
    });
    expect(said).toBe('## ✅ Each member now gets 350 credits per day.');
    expect(await quota(t)).toContain('350 credits left today');
  });

  it('an operator without the permission may do everything, in the server and in a DM with the bot', async () => {
    const t = await harness({ workers: false, env: { REELAY_OPERATORS: `${DISCORD}:${OPERATOR_ID}` } });
    const olga = t.dc.user(OPERATOR_ID, 'olga');
    const bob = t.dc.user(undefined, 'bob');
    const asOlga = { user: olga, member: {} };
    expect(await t.adminSays('limit', [str('credits', '350')], asOlga)).toBe(
      '## ✅ Each member now gets 350 credits per day.',
    );
    expect(await t.adminSays('block', [{ name: 'user', type: OPT.user, value: bob.id }], asOlga)).toContain(
      '✅ Blocked.',
    );
    expect(await refused(t, 'a fox', { user: bob })).toMatch(BLOCKED);
    // In her DM: the private chats' own settings, the service's cap, and a job of a server's.
    const dm = t.dc.dm(olga);
    const inDm = { user: olga, channelId: dm.id };
    const settings = await t.adminSays('settings', [], inDm);
    expect(settings).toContain("**Service's daily cap:** none");
    expect(settings).toContain('**Credits per member per day:** 875 (the default)');
    expect(await t.adminSays('limit', [str('credits', '525')], inDm)).toBe(
      '## ✅ Each member now gets 525 credits per day.',
    );
    const { token, status } = await taken(t, 'a job olga stops from her DM');
    const jobId = jobIdOf(status);
    expect(await t.adminSays('cancel', [str('job', jobId)], inDm)).toBe(
      `## ✅ Cancelling job ${jobId}.\nThe provider had not started on it: its credits go back.`,
    );
    t.startWorkers();
    await t.reply(token, (m) => /Cancelled/.test(title(m)));
    // The DM's limit is the private chats' own; the server keeps its 350.
    expect(await quota(t)).toContain('350 credits left today');
    expect(await quota(t, { user: olga, channelId: dm.id })).toContain('525 credits left today');
  });
});

describe('discord /admin: each subcommand, as members then see it', () => {
  it('settings: the defaults, then what was changed', async () => {
    const t = await harness({ workers: false });
    expect(await t.adminSays('settings')).toBe(
      [
        '## ⚙️ Settings',
        '- **Credits per member per day:** 875 (the default)',
        '- **Daily budget:** none (0 spent today)',
        '- **Role tiers:** none',
        `- **Models:** all (${ALL_MODELS})`,
        "- **Default model:** each command's usual one (see /models)",
        '- **Blocked words:** none',
        '- **Channels:** every channel',
        '- **Requests:** open',
      ].join('\n'),
    );
    const vip = t.dc.role(t.guild.id, 'vip');
    await t.adminSays('budget', [str('credits', '2,000')]);
    await t.adminSays('tier', [{ name: 'role', type: OPT.role, value: vip.id }, str('credits', '1400')]);
    await t.adminSays('channels', [
      str('action', 'allow'),
      { name: 'channel', type: OPT.channel, value: t.channel.id },
    ]);
    await t.adminSays('pause');
    const after = await t.adminSays('settings');
    expect(after).toContain('**Daily budget:** 0 of 2,000 spent today');
    expect(after).toContain(`**Role tiers:** <@&${vip.id}> 1,400`);
    expect(after).toContain(`**Channels:** <#${t.channel.id}>`);
    expect(after).toContain('**Requests:** ⏸ paused');
  });

  it('limit: each member gets that many credits a day, as /quota then shows; off goes back to the default', async () => {
    const t = await harness({ workers: false });
    expect(await t.adminSays('limit', [str('credits', '350')])).toBe(
      '## ✅ Each member now gets 350 credits per day.',
    );
    const bob = t.dc.user(undefined, 'bob');
    expect(await quota(t, { user: bob })).toMatch(
      /^## 🎬 350 credits left today\n≈ 2 clips of kling-2\.5-turbo-pro \(175 credits each\)\.\nUsed today: 0 of 350 credits\./,
    );
    expect(await t.adminSays('limit', [str('credits', 'off')])).toBe(
      '## ✅ Members get the default 875 credits per day.',
    );
    expect(await quota(t, { user: bob })).toContain('875 credits left today');
  });

  it('budget: a clip over the server’s budget is refused with the budget message and costs nothing', async () => {
    const t = await harness();
    expect(await t.adminSays('budget', [str('credits', '200')])).toMatch(
      /^## ✅ (This server's|The) daily budget (here )?is now 200 credits\.$/,
    );
    const first = await taken(t, 'the first fox');
    await t.reply(first.token, done);
    const bob = t.dc.user(undefined, 'bob');
    expect(await refused(t, 'one fox too many', { user: bob })).toMatch(
      /^This server's daily budget is spent \(this clip costs 175 credits, 25 credits are left\)\. It resets at 00:00 UTC\./,
    );
    expect(await t.used({ platform: DISCORD, userId: bob.id })).toBe(0);
    expect(await t.app.credits.communityUsed(t.community)).toBe(CLIP_CREDITS);
    expect(submits(t)).toBe(1);
    expect(await quota(t, { user: bob })).toMatch(
      /(This server's|The) budget( here)?: 25 credits left of 200 today\./,
    );
  });

  it("tier: a member with the role gets the tier's credits in /quota; others the usual limit", async () => {
    const t = await harness({ workers: false });
    const vip = t.dc.role(t.guild.id, 'vip');
    const other = t.dc.role(t.guild.id, 'other');
    expect(
      await t.adminSays('tier', [{ name: 'role', type: OPT.role, value: vip.id }, str('credits', '1,400')]),
    ).toBe(
      `## ✅ Tier set.\n<@&${vip.id}> members now get 1,400 credits per day (or more, from another tier).`,
    );
    const bob = t.dc.user(undefined, 'bob');
    expect(await quota(t, { user: bob, member: { roles: [other.id, vip.id] } })).toContain(
      '1,400 credits left today',
    );
    expect(await quota(t, { user: bob, member: { roles: [other.id] } })).toContain('875 credits left today');
    // The tier pays for a clip past the usual limit.
    await t.adminSays('limit', [str('credits', '100')]);
    await taken(t, 'a vip fox', { user: bob, member: { roles: [vip.id] } });
    expect(await refused(t, 'a plain fox')).toMatch(
      /^This clip costs 175 credits and you have 100 credits of your 100/,
    );
  });

  it('block and unblock: a blocked member is told so, with no provider call and no charge; then served again', async () => {
    const t = await harness();
    const bob = t.dc.user(undefined, 'bob');
    const bobRequester = { platform: DISCORD, userId: bob.id };
    const member = [{ name: 'user', type: OPT.user, value: bob.id }];
    expect(await t.adminSays('block', member)).toBe(
      `## ✅ Blocked.\n<@${bob.id}> can't make videos here until unblocked.`,
    );
    expect(await t.adminSays('block', member)).toBe(`## ✅ Already blocked.\n<@${bob.id}>`);
    expect(await refused(t, 'a fox', { user: bob })).toMatch(BLOCKED);
    expect(await t.used(bobRequester)).toBe(0);
    expect(submits(t)).toBe(0);
    // The bot's answer names Bob without pinging him.
    expect(await t.adminSays('unblock', member)).toBe(
      `## ✅ Unblocked.\n<@${bob.id}> can make videos here again.`,
    );
    const { token } = await taken(t, 'a fox again', { user: bob });
    await t.reply(token, done);
    expect(submits(t)).toBe(1);
  });

  it('models deny and allow: a denied model is refused with what is allowed, and costs nothing', async () => {
    const t = await harness();
    const model = (m: string) => [str('action', 'deny'), str('model', m)];
    expect(await t.adminSays('models', model('kling-o1'))).toBe('## ✅ kling-o1 is denied here.');
    const reply = await t.outcome(t.run('video', [str('prompt', 'a fox'), str('model', 'kling-o1')]).token);
    expect(reply.content).toMatch(
      /^kling-o1 isn't allowed (on|in) this server\. Allowed here: kling-2\.5-turbo-pro, kling-o3-pro, /,
    );
    await t.nothingCharged();
    expect(await t.adminSays('models', [str('action', 'allow'), str('model', 'kling-o1')])).toBe(
      '## ✅ kling-o1 is allowed here.',
    );
    const i = t.run('video', [str('prompt', 'a fox'), str('model', 'kling-o1')]);
    expect(title(await t.reply(i.token, done))).toMatch(/^✅ Done/);
  });

  it('words add, list and remove: a prompt with the word is refused, naming it, and nothing is charged', async () => {
    const t = await harness();
    expect(await t.adminSays('words', [str('action', 'add'), str('word', 'Dragon')])).toBe(
      '## ✅ "Dragon" is blocked here.',
    );
    expect(await t.adminSays('words')).toBe('## 🚫 Blocked words\nDragon');
    expect(await refused(t, 'a DRÁGON flies over the castle')).toMatch(/^Your prompt contains "Dragon"/);
    expect(await refused(t, 'a dragon')).toContain('Nothing was charged.');
    await t.nothingCharged();
    // Whole words only.
    await taken(t, 'a dragonfly over the pond');
    expect(await t.adminSays('words', [str('action', 'remove'), str('word', 'dragon')])).toBe(
      '## ✅ "dragon" is no longer blocked.',
    );
    expect(await t.adminSays('words')).toBe(
      '## 🚫 Blocked words\nNone. Add one with `/admin words add <word>`.',
    );
    await taken(t, 'a dragon flies');
  });

  it('channels allow and deny: a request in another channel is refused and costs nothing', async () => {
    const t = await harness();
    const clips = t.dc.channel(t.guild.id, 'clips');
    const channel = (action: string) => [
      str('action', action),
      { name: 'channel', type: OPT.channel, value: clips.id },
    ];
    expect(await t.adminSays('channels', channel('allow'))).toBe(
      `## ✅ Channels updated.\nRequests are taken only in <#${clips.id}>.`,
    );
    expect(await t.adminSays('channels')).toBe(`## 📺 Channels\nRequests are taken only in <#${clips.id}>.`);
    expect(await refused(t, 'a fox in general')).toBe("Video requests aren't taken in this channel.");
    await t.nothingCharged();
    const inClips = t.dc.command({
      name: 'video',
      user: t.alice,
      channelId: clips.id,
      options: [str('prompt', 'a fox in #clips')],
    });
    expect(title(await t.reply(inClips.token, done))).toMatch(/^✅ Done/);
    expect(await t.adminSays('channels', channel('deny'))).toBe(
      '## ✅ Channels updated.\nRequests are taken in every channel.',
    );
    await taken(t, 'a fox in general again');
  });

  it('pause and resume: new requests here are refused while paused, at no cost', async () => {
    const t = await harness();
    expect(await t.adminSays('pause')).toBe(
      '## ✅ Paused: new requests here are refused.\nJobs already running finish as usual.',
    );
    expect(await t.adminSays('pause')).toBe('## ✅ Requests were already paused here.');
    expect(await refused(t, 'a paused fox')).toBe(
      "This server's admins have paused video requests. Try again later.",
    );
    await t.nothingCharged();
    expect(await t.adminSays('resume')).toBe('## ✅ Resumed: requests are taken here again.');
    await taken(t, 'a resumed fox');
  });

  it("reset: a member gets today's credits back", async () => {
    const t = await harness();
    const bob = t.dc.user(undefined, 'bob');
    const bobRequester = { platform: DISCORD, userId: bob.id };
    const { token } = await taken(t, 'a fox of bob’s', { user: bob });
    await t.reply(token, done);
    expect(await t.used(bobRequester)).toBe(CLIP_CREDITS);
    expect(await t.adminSays('reset', [{ name: 'user', type: OPT.user, value: bob.id }])).toBe(
      `## ✅ Today's credits given back.\n<@${bob.id}> has 175 credits back for today.`,
    );
    expect(await t.used(bobRequester)).toBe(0);
    expect(await quota(t, { user: bob })).toContain('875 credits left today');
  });

  it("cancel: an admin stops another member's job; its credits go back", async () => {
    const t = await harness({ workers: false });
    const bob = t.dc.user(undefined, 'bob');
    const { token, status } = await taken(t, 'a fox bob waits for', { user: bob });
    const jobId = jobIdOf(status);
    expect(await t.adminSays('cancel', [str('job', jobId)])).toBe(
      `## ✅ Cancelling job ${jobId}.\nThe provider had not started on it: its credits go back.`,
    );
    t.startWorkers();
    const final = await t.reply(token, (m) => /Cancelled/.test(title(m)));
    expect(textOf(final)).toContain('did not count');
    await waitFor(async () => (await t.used({ platform: DISCORD, userId: bob.id })) === 0);
    expect(submits(t)).toBe(0);
  });

  it('stats: the clips and credits of today, the top members, and failures by kind', async () => {
    const t = await harness({ providers: ['runninghub'] });
    const bob = t.dc.user(undefined, 'bob');
    const carol = t.dc.user(undefined, 'carol');
    for (const [user, prompt] of [
      [t.alice, 'a fox'],
      [t.alice, 'another fox'],
      [bob, 'a heron'],
    ] as const) {
      const { token } = await taken(t, prompt, { user });
      await t.reply(token, done);
    }
    t.rh.server.inject('task-failed', { on: 'submit' });
    const failed = await taken(t, 'a fox that fails', { user: carol });
    expect(title(await t.reply(failed.token, done))).toBe('❌ Failed');
    expect(await t.adminSays('stats')).toBe(
      [
        "## 📊 Today's activity",
        '- **Clips made:** 3',
        '- **Credits spent:** 525',
        '- **In progress:** 0',
        'Top members',
        `- <@${t.alice.id}> 350 credits`,
        `- <@${bob.id}> 175 credits`,
        'Failures',
        '- generation-failed: 1',
      ].join('\n'),
    );
  });
});

describe('discord /admin: bad arguments get a specific reply', () => {
  it('names what is wrong, and changes nothing', async () => {
    const t = await harness({ workers: false });
    const usage = (line: string) => `## ⚠️ That needs different arguments.\nUsage: \`/admin ${line}\``;
    expect(await t.adminSays('limit', [str('credits', 'abc')])).toBe(usage('limit <credits|off>'));
    expect(await t.adminSays('budget', [str('credits', '-5')])).toBe(usage('budget <credits|off>'));
    expect(await t.adminSays('models', [str('action', 'allow'), str('model', 'kling-9')])).toBe(
      `## ⚠️ There is no model called "kling-9".\nModels: ${ALL_MODELS}.`,
    );
    expect(await t.adminSays('words', [str('action', 'add')])).toBe(usage('words [add|remove] [word]'));
    expect(await t.adminSays('channels', [str('action', 'allow')])).toBe(
      usage('channels [allow|deny] [channel]'),
    );
    expect(await t.adminSays('cancel', [str('job', 'not-a-job-1')])).toBe(
      "## ⚠️ I can't find a job with the id not-a-job-1.\nJob ids are in /admin stats.",
    );
    expect(await t.adminSays('settings')).toContain('**Credits per member per day:** 875 (the default)');
  });
});

describe('discord /admin: nothing an admin does touches another server', () => {
  it('a limit, a block and a pause in one guild leave the other as it was', async () => {
    const t = await harness({ workers: false });
    const other = t.dc.guild(undefined, 'Other');
    const otherChannel = t.dc.channel(other.id);
    const bob = t.dc.user(undefined, 'bob');
    await t.adminSays('limit', [str('credits', '350')]);
    await t.adminSays('block', [{ name: 'user', type: OPT.user, value: bob.id }]);
    await t.adminSays('words', [str('action', 'add'), str('word', 'heron')]);
    expect(await quota(t)).toContain('350 credits left today');
    expect(await quota(t, { channelId: otherChannel.id })).toContain('875 credits left today');
    expect(await refused(t, 'a fox', { user: bob })).toMatch(BLOCKED);
    const elsewhere = await taken(t, 'a heron', { user: bob, channelId: otherChannel.id });
    // An admin of the first guild can't stop a job of the other's.
    const jobId = jobIdOf(elsewhere.status);
    expect(await t.adminSays('cancel', [str('job', jobId)])).toMatch(
      new RegExp(`^## ⚠️ Job ${jobId} was not made (here|on this server)\\.$`),
    );
    expect(await t.adminSays('settings', [], { channelId: otherChannel.id })).toContain(
      '**Credits per member per day:** 875 (the default)',
    );
    expect(await t.used({ platform: DISCORD, userId: bob.id }, `${DISCORD}:${other.id}`)).toBe(CLIP_CREDITS);
  });
});
