import type { APIMessage } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { buttonIds, buttonLabels, discordHarnesses, jobIdOf } from '../../helpers/discord.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * `/history` on Discord: the member's last jobs (model, the start of the prompt, how each ended,
 * what it cost), and a button per clip whose provider link still lives, which posts it in the
 * channel for everyone; nobody else may post it.
 */

const harness = discordHarnesses();

const EPHEMERAL = 64;
const title = (m: APIMessage): string => m.embeds?.[0]?.title ?? '';
const done = (m: APIMessage): boolean => /Done|Failed|Cancelled|Stopped/.test(title(m));

describe('discord /history', () => {
  it('with no jobs yet, says so, with no buttons', async () => {
    const t = await harness({ workers: false });
    const answer = await t.answer(t.run('history').token);
    expect(answer.content).toBe('## 🗂 Your videos\nYou have not made any videos yet.');
    expect(answer.components ?? []).toHaveLength(0);
  });

  it('lists the last jobs with model, prompt, outcome and credits; the replay button posts the clip publicly', async () => {
    const t = await harness({ workers: false });
    const fox = t.video('a red fox running through fresh snow at dawn, slow motion');
    const foxStatus = await t.outcome(fox.token);
    const owl = t.video('an owl that never flies');
    const owlStatus = await t.outcome(owl.token);
    // The owl is cancelled before any worker runs: refunded.
    const pressed = t.dc.press(owlStatus, `cancel:${jobIdOf(owlStatus)}`, t.alice);
    await t.answer(pressed.token);
    t.startWorkers();
    await t.reply(fox.token, done);
    await t.reply(owl.token, done);
    const foxId = jobIdOf(foxStatus);

    const history = await t.answer(t.run('history').token);
    const lines = (history.content ?? '').split('\n');
    expect(lines[0]).toBe('## 🗂 Your last videos');
    expect(lines[1]).toMatch(
      /^1\. \*\*kling-2\.5-turbo-pro\*\* · “an owl that never flies” · 🚫 cancelled · no charge · <t:\d+:R> \(<t:\d+:t>\)$/,
    );
    expect(lines[2]).toMatch(
      /^2\. \*\*kling-2\.5-turbo-pro\*\* · “a red fox running through fresh snow at…” · ✅ done · 175 credits · <t:\d+:R> \(<t:\d+:t>\) · can be posted again$/,
    );
    // Only the clip with a live link gets a button.
    expect(buttonIds(history)).toEqual([`replay:${foxId}`]);
    expect(buttonLabels(history)).toEqual(['▶ 2. kling-2.5-turbo-pro “a red fox running t…”']);

    // Another member can't post it (were the private list ever in front of them).
    const bob = t.dc.user(undefined, 'bob');
    const stolen = t.dc.press(history, `replay:${foxId}`, bob);
    expect((await t.answer(stolen.token)).content).toBe(
      'Only the person who made that clip can post it again from /history.',
    );
    expect(t.dc.followups(stolen.token)).toHaveLength(0);

    const replay = t.dc.press(history, `replay:${foxId}`, t.alice);
    expect((await t.answer(replay.token)).content).toBe('▶ Posted in the channel.');
    const posted = await waitFor(() => t.dc.followups(replay.token)[0], { what: 'the public post' });
    expect((posted.flags ?? 0) & EPHEMERAL).toBe(0);
    expect(t.dc.channelMessages(t.channel.id).map((m) => m.id)).toContain(posted.id);
    const [line, url] = (posted.content ?? '').split('\n');
    expect(line).toMatch(
      /^kling-2\.5-turbo-pro · “a red fox running through fresh snow at dawn, slow motion” — made <t:\d+:R>$/,
    );
    // The provider's link to the clip: Discord shows an mp4 link as a player.
    const bytes = Buffer.from(await (await fetch(url as string)).arrayBuffer());
    expect(bytes.equals(t.rh.video)).toBe(true);
    // Nobody is pinged by the post.
    expect(t.dc.allowedMentions(posted.id as string)).toEqual({ parse: [] });
  });
});
