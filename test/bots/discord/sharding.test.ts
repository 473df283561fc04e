import type { APIMessage } from 'discord.js';
import { Events } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../../../src/bots/discord/bot.js';
import { DISCORD } from '../../../src/bots/discord/platform.js';
import type { DiscordShards } from '../../../src/bots/discord/shards.js';
import { loadConfig } from '../../../src/config.js';
import { shardOf } from '../../fakes/discord.js';
import { DC_TOKEN, type DiscordHarness, discordHarnesses, str } from '../../helpers/discord.js';
import { waitFor } from '../../helpers/wait.js';

const harness = discordHarnesses();

/** Bots a test started beside its harness; stopped before the harness closes. */
const bots: DiscordBot[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

/** A guild id (a snowflake) whose events Discord sends to `shard` of `count`. */
const guildOnShard = (shard: number, count: number): string =>
  String((7_654_321n * BigInt(count) + BigInt(shard)) << 22n);

const done = (m: APIMessage): boolean => (m.attachments?.length ?? 0) > 0;

/**
 * A Discord bot process of its own (its own desk and status follower) over the harness's app and
 * fake, as main.ts builds it with `shards`. Records which of its shards each interaction came in on.
 */
async function startBot(t: DiscordHarness, shards: DiscordShards | undefined) {
  const bot = createDiscordBot({
    token: DC_TOKEN,
    apiUrl: t.dc.apiUrl,
    desk: t.app.desk({ [DISCORD]: t.source }),
    store: t.store,
    logger: t.logger,
    status: { editIntervalMs: 200, tickMs: 25 },
    ...(shards ? { shards } : {}),
  });
  bots.push(bot);
  const arrivedOn = new Map<string, number>();
  bot.client.on(Events.Raw, (packet: { t?: string; d?: { id?: string } }, shard: number) => {
    if (packet.t === 'INTERACTION_CREATE' && packet.d?.id) arrivedOn.set(packet.d.id, shard);
  });
  await bot.start();
  return { bot, arrivedOn };
}

/** The harness without its own unsharded bot: the fake then has no gateway session. */
async function withoutHarnessBot(t: DiscordHarness): Promise<void> {
  await t.discord.stop();
  await waitFor(() => t.dc.sessions().length === 0, { what: 'the harness bot to leave the gateway' });
}

/** A guild of `shard` of `count` with a channel, and a `/video` run there by Alice. */
function videoOnShard(t: DiscordHarness, shard: number, count: number) {
  const guild = t.dc.guild(guildOnShard(shard, count));
  expect(shardOf(guild.id, count)).toBe(shard);
  const channel = t.dc.channel(guild.id);
  const prompt = str('prompt', `a lighthouse seen from shard ${shard}`);
  return t.dc.command({
    name: 'video',
    user: t.alice,
    channelId: channel.id,
    guildId: guild.id,
    options: [prompt],
  });
}

/** Served once: one defer, one clip uploaded into the reply, nothing posted elsewhere. */
async function servedOnce(t: DiscordHarness, i: { id: string; token: string }): Promise<void> {
  const final = await t.reply(i.token, done);
  expect(final.attachments).toHaveLength(1);
  expect(t.dc.callbacks(i.id).map((c) => (c.json as { type: number }).type)).toEqual([5]);
  const uploads = t.dc
    .calls()
    .filter((c) => c.path.includes(`/${i.token}`) && c.files.length > 0 && c.status === 200);
  expect(uploads).toHaveLength(1);
}

/**
 * A `/video` in a guild of shard 0 and one in a guild of shard 1 (of 2): each went to its shard's
 * session alone and was served once, and the two jobs were generated and delivered (one deliver job
 * each). Returns the two interactions.
 */
async function videoOnEachShard(t: DiscordHarness) {
  const i0 = videoOnShard(t, 0, 2);
  const i1 = videoOnShard(t, 1, 2);
  await servedOnce(t, i0);
  await servedOnce(t, i1);
  expect(sessionsByShard(t).map((s) => s.interactions)).toEqual([[i0.id], [i1.id]]);
  const jobs = await t.app.queues.generate.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
  expect(jobs).toHaveLength(2);
  for (const job of jobs) {
    const { state, deliver } = await t.finished(String(job.id));
    expect([state, await deliver?.getState()]).toEqual(['completed', 'completed']);
  }
  return [i0, i1] as const;
}

/** Each session's `[shard, interactions]`, by shard id. */
const sessionsByShard = (t: DiscordHarness) =>
  t.dc
    .sessions()
    .sort((a, b) => a.shard[0] - b.shard[0])
    .map((s) => ({ shard: s.shard, identify: s.identify.shard, interactions: s.interactions }));

describe('discord bot: sharding', () => {
  it('DISCORD_SHARDS=auto: two shards as /gateway/bot recommends, each guild’s /video on its shard, served once', async () => {
    const t = await harness({ env: { DISCORD_SHARDS: 'auto' } });
    expect(t.config.discordShards).toEqual({ mode: 'auto' });
    await withoutHarnessBot(t);
    t.dc.recommendedShards = 2;
    // Both shards may IDENTIFY at once (else @discordjs/ws waits 5 s between them, as on Discord).
    t.dc.maxConcurrency = 2;
    const { bot, arrivedOn } = await startBot(t, t.config.discordShards);

    expect([...bot.client.ws.shards.keys()].sort()).toEqual([0, 1]);
    expect(sessionsByShard(t).map((s) => [s.shard, s.identify])).toEqual([
      [
        [0, 2],
        [0, 2],
      ],
      [
        [1, 2],
        [1, 2],
      ],
    ]);
    const [i0, i1] = await videoOnEachShard(t);
    expect(Object.fromEntries(arrivedOn)).toEqual({ [i0.id]: 0, [i1.id]: 1 });

    // The process says which shards it runs, and never the token.
    // The harness's own bot logged first (shard 0 of 1); ours is the last start.
    const started = t.logs
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'discord bot started')
      .at(-1);
    expect(started).toMatchObject({ shards: [0, 1], shardCount: 2 });
    expect(t.logs.join('\n')).not.toContain(DC_TOKEN.split('.').at(-1));
  });

  it('DISCORD_SHARD_COUNT=2 with DISCORD_SHARD_IDS=0 and =1: two bot processes split the gateway, each command served once', async () => {
    const t = await harness();
    await withoutHarnessBot(t);
    const shardsOf = (ids: string) =>
      loadConfig({ ...t.env, DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: ids }).discordShards;
    // Discord recommends one shard: the configured count wins over it.
    const a = await startBot(t, shardsOf('0'));
    const b = await startBot(t, shardsOf('1'));

    expect([...a.bot.client.ws.shards.keys()]).toEqual([0]);
    expect([...b.bot.client.ws.shards.keys()]).toEqual([1]);
    expect(sessionsByShard(t).map((s) => s.identify)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const [i0, i1] = await videoOnEachShard(t);
    // Each process saw only its own shard's command.
    expect(Object.fromEntries(a.arrivedOn)).toEqual({ [i0.id]: 0 });
    expect(Object.fromEntries(b.arrivedOn)).toEqual({ [i1.id]: 1 });
  });
});
