import { describe, expect, it } from 'vitest';
import { CLIP_CREDITS, memberUsage } from '../../helpers/harness.js';
import { answerText, telegramScenes, videoFor } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

/** Submits to either provider. */
const submits = (t: { rh: { submitCount(): number }; rw: { submitCount(): number } }): number =>
  t.rh.submitCount() + t.rw.submitCount();

describe('telegram: the ceilings as members see them, each refusal at no cost', () => {
  it('the service cap: the next member is told the daily budget is spent until 00:00 UTC', async () => {
    const { h: t, alice, chat } = await scene({ env: { SPEND_CAP_DAILY_CREDITS: String(CLIP_CREDITS) } });
    const bob = t.tg.user(2002, 'Bob');
    const group = t.tg.groupChat();
    await videoFor(t, t.tg.send({ chat, from: alice, text: '/video a fox in the snow' }));
    const refused = await answerText(t, group, bob, '/video a second fox');
    expect(refused).toMatch(
      /^The service's daily budget is spent\. It resets at 00:00 UTC \(in (\d+ h )?\d+ min\)\.$/,
    );
    expect(await answerText(t, chat, alice, '/video a third fox')).toMatch(
      /^The service's daily budget is spent/,
    );
    expect(submits(t)).toBe(1);
    expect((await memberUsage(t.app, `telegram:${bob.id}`, `telegram:${group.id}`)).used).toBe(0);
    expect((await t.app.credits.spend(1))[0]?.used).toBe(CLIP_CREDITS);
  });

  it('jobs in flight: a member with USER_MAX_IN_FLIGHT unfinished jobs is told to wait or cancel', async () => {
    const { h: t, alice, chat } = await scene({ pollsToComplete: 10_000, env: { USER_MAX_IN_FLIGHT: '1' } });
    expect(await answerText(t, chat, alice, '/video a slow sunrise')).toMatch(/^⏳ Queued/);
    expect(await answerText(t, chat, alice, '/video another sunrise')).toBe(
      'You already have 1 video in progress, the most at once. Wait for one to finish, or stop one with /cancel.',
    );
    await waitFor(() => submits(t) === 1);
    expect(await memberUsage(t.app, `telegram:${alice.id}`)).toEqual({ used: CLIP_CREDITS, inFlight: 1 });
    // Another member is not held by Alice's jobs.
    const bob = t.tg.user(2002, 'Bob');
    expect(await answerText(t, t.tg.privateChat(bob), bob, '/video a sunset')).toMatch(/^⏳ Queued/);
  });

  it("the cooldown: a member's next request within USER_COOLDOWN_S is told when to ask again", async () => {
    const { h: t, alice, chat } = await scene({ env: { USER_COOLDOWN_S: '600' } });
    await videoFor(t, t.tg.send({ chat, from: alice, text: '/video a fox in the snow' }));
    expect(await answerText(t, chat, alice, '/video a second fox')).toMatch(
      /^Please wait a little between requests: you can ask again in (9|10) minutes\.$/,
    );
    expect(submits(t)).toBe(1);
    expect((await memberUsage(t.app, `telegram:${alice.id}`)).used).toBe(CLIP_CREDITS);
  });
});
