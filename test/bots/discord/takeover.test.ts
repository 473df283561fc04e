import type { APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordBot, type DiscordBot } from '../../../src/bots/discord/bot.js';
import { INTERACTION_TOKEN_MS } from '../../../src/bots/discord/errors.js';
import { DC_TOKEN, type DiscordHarness, discordHarnesses } from '../../helpers/discord.js';
import { waitFor } from '../../helpers/wait.js';

const harness = discordHarnesses();
/** Fast pacing, and a look for orphans every 100 ms. */
const STATUS = { editIntervalMs: 200, tickMs: 25, adoptEveryMs: 100 };

const title = (body: unknown): string =>
  (body as { embeds?: { title?: string }[] } | undefined)?.embeds?.[0]?.title ?? '';

describe('discord status messages behind several bot replicas', () => {
  const replicas: DiscordBot[] = [];
  afterEach(async () => {
    const stopping = replicas.splice(0);
    await Promise.all(stopping.map((r) => r.follower.stop()));
    await Promise.all(stopping.map((r) => r.client.destroy()));
  });

  /** Another bot replica over the same Redis, desk and fake: only its status follower runs. */
  function replica(t: DiscordHarness): DiscordBot {
    const r = createDiscordBot({
      token: DC_TOKEN,
      apiUrl: t.dc.apiUrl,
      desk: t.desk,
      store: t.store,
      logger: t.logger,
      status: STATUS,
    });
    replicas.push(r);
    r.follower.start();
    return r;
  }

  it('when the replica that posted a status stops, one surviving replica edits it on through the kept token', async () => {
    const t = await harness({ status: STATUS });
    const [b, c] = [replica(t), replica(t)];
    t.rh.generationMs = 4_000;
    const i = t.video('a paper boat on a flooded street');
    const a = t.discord.follower;
    await waitFor(() => a.size === 1, { what: 'replica A to follow its status' });
    const jobId = (await t.app.queues.generate.getJobs(['active', 'waiting', 'delayed']))[0]?.id ?? '';
    // The token is kept for other replicas only as long as it works, and never past 15 minutes.
    const ttl = await t.app.redis.pttl(`${t.prefix}:dc:handle:${jobId}`);
    expect(ttl).toBeGreaterThan(INTERACTION_TOKEN_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(INTERACTION_TOKEN_MS);

    await a.stop();
    const stoppedAt = Date.now();
    const taker = await waitFor(() => [b, c].find((r) => r.follower.size === 1), {
      what: 'a surviving replica to take the status over',
    });
    const edits = () =>
      t.dc.calls('webhook-edit').filter((call) => call.at > stoppedAt && call.path.includes(i.token));
    await waitFor(() => edits().some((call) => /Generating/.test(title(call.json))), {
      what: 'a live edit after the takeover',
    });

    // The worker shows the outcome in the reply; the replica stops following, and neither it nor the
    // other posts anything of its own.
    const final = await t.reply(
      i.token,
      (m: APIMessage) => /^✅ Done/.test(m.embeds?.[0]?.title ?? ''),
      20_000,
    );
    expect(final.attachments?.length).toBe(1);
    await waitFor(() => taker.follower.size === 0);
    expect([b, c].every((r) => r.follower.size === 0)).toBe(true);
    expect(t.dc.calls('channel-message')).toHaveLength(0);
    expect(await t.app.redis.exists(`${t.prefix}:dc:handle:${jobId}`)).toBe(0);
    expect(await t.app.redis.zcard(`${t.prefix}:dc:open`)).toBe(0);
    // The token never shows in a log line.
    expect(t.logs.join('\n')).not.toContain(i.token);
  });
});
