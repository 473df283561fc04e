import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordSurface, type InteractionReply } from '../../../src/bots/discord/surface.js';
import { createLogger } from '../../../src/log.js';
import { FAKE_DISCORD_TOKEN, FakeDiscord } from '../../fakes/discord.js';

/** How the desk's follower edits a Discord status: through the interaction token, while it lives. */

let fake: FakeDiscord | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const AT = Date.UTC(2026, 0, 1);

async function surface() {
  fake = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN });
  const rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken(FAKE_DISCORD_TOKEN);
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
  return { dc: fake, logs, surface: createDiscordSurface({ rest, logger }) };
}

const reply = (token: string, applicationId: string): InteractionReply => ({
  applicationId,
  interactionToken: token,
  interactionAt: AT,
  channelId: '1',
  messageId: '2',
});

describe('the Discord status surface', () => {
  it('paces edits at 3 s, and leaves the outcome to the worker', async () => {
    const { surface: s } = await surface();
    expect(s.intervalMs).toBe(3_000);
    expect(s.elapsedEveryMs).toBe(3_000);
    expect(s.showsFinal).toBe(false);
    expect(s.recordOf(reply('t', 'a'))).toEqual({ chatId: '1', messageId: '2' });
  });

  it('edits only within the 14 minutes an interaction token is trusted', async () => {
    const { surface: s } = await surface();
    const ref = reply('t', 'a');
    expect(s.editable(ref, AT + 14 * 60_000 - 1)).toBe(true);
    expect(s.editable(ref, AT + 14 * 60_000)).toBe(false);
  });

  it('a token Discord refuses is gone (stop following); a failing Discord is retried; no token is logged', async () => {
    const { dc, logs, surface: s } = await surface();
    const token = 'aW50ZXJhY3Rpb246c2VjcmV0LXRva2Vu';
    const body = { embeds: [{ title: 'x' }], components: [] };
    expect(await s.edit(reply(token, dc.applicationId), body)).toBe('gone');
    dc.failNext('webhook-edit', 'server-error');
    expect(await s.edit(reply(token, dc.applicationId), body)).toBe('failed');
    expect(dc.calls('webhook-edit').map((c) => c.authorization)).toEqual([undefined, undefined]);
    expect(logs.join('\n')).toMatch(/discord status edit failed/);
    expect(logs.join('\n')).not.toContain(token);
  });
});
