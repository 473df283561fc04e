/**
 * The fake Discord of bench part (c), in a process of its own so the bot under measurement has its
 * process to itself, as in production. Driven over IPC: `session` (wait for the bot's gateway
 * session), `burst` (dispatch N commands at once, answer each one's dispatch → defer time in ms),
 * `close`.
 */
import { FAKE_DISCORD_TOKEN, FakeDiscord } from '../test/fakes/discord.js';

type Command = { type: 'session' } | { type: 'burst'; count: number; round: number } | { type: 'close' };

const send = (message: unknown) => process.send?.(message);

async function burst(fake: FakeDiscord, count: number, round: number): Promise<number[]> {
  const guild = fake.guild();
  const channel = fake.channel(guild.id);
  const sent: { id: string; at: number }[] = [];
  for (let n = 0; n < count; n++) {
    const user = fake.user(undefined, `bench${round}-${n}`);
    const at = Date.now();
    const i = fake.command({
      name: 'video',
      user,
      channelId: channel.id,
      guildId: guild.id,
      options: [{ name: 'prompt', type: 3, value: `a red fox running through snow, take ${n}` }],
    });
    sent.push({ id: i.id, at });
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const times = sent.map(({ id, at }) => {
      const call = fake.callbacks(id).find((c) => c.status !== 0);
      return call ? call.at - at : undefined;
    });
    if (times.every((t) => t !== undefined) || Date.now() > deadline) {
      return times.filter((t): t is number => t !== undefined);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fake = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN });
process.on('message', (command: Command) => {
  void (async () => {
    if (command.type === 'session') {
      await fake.waitForReady(30_000);
      send({ type: 'session' });
    } else if (command.type === 'burst') {
      send({ type: 'burst', times: await burst(fake, command.count, command.round) });
    } else {
      await fake.close();
      process.exit(0);
    }
  })().catch((error: unknown) => {
    process.stderr.write(`bench fake discord: ${String(error)}\n`);
    process.exit(1);
  });
});
send({ type: 'ready', apiUrl: fake.apiUrl });
