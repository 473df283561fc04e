import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fileTarget } from '../src/jobs/file-delivery.js';
import { FakeDiscord } from './fakes/discord.js';
import { FakeTelegram } from './fakes/telegram.js';
import { type Harness, startHarness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

let h: Harness | undefined;
let child: ChildProcess | undefined;
let tg: FakeTelegram | undefined;
let dc: FakeDiscord | undefined;
afterEach(async () => {
  await tg?.close();
  tg = undefined;
  await dc?.close();
  dc = undefined;
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await h?.close();
  h = undefined;
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function start(env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  proc.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, out, exited };
}

describe('the service process (npm start runs this)', () => {
  it('a bad configuration stops the start with one line per problem, naming each variable', async () => {
    const run = start({
      REDIS_URL: 'http://nope',
      HTTP_PORT: '99999',
      LOG_LEVEL: 'loud',
      RUNNINGHUB_API_KEY: 'k-123456',
    });
    child = run.proc;
    expect(await run.exited).toBe(78);
    const lines = run.out.stderr.trim().split('\n');
    expect(lines[0]).toBe('reelay: invalid configuration:');
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual([
      'REDIS_URL',
      'HTTP_PORT',
      'LOG_LEVEL',
    ]);
    expect(run.out.stderr).not.toContain('k-123456');
  });

  it('an unreadable BLOCKED_WORDS_FILE stops the start as a configuration error, naming the path', async () => {
    h = await startHarness({ workers: false });
    const run = start({ ...h.env, REELAY_ROLES: 'worker', BLOCKED_WORDS_FILE: h.out('no-such-words.txt') });
    child = run.proc;
    expect(await run.exited).toBe(78);
    expect(run.out.stderr).toContain('BLOCKED_WORDS_FILE');
    expect(run.out.stderr).toContain('no-such-words.txt');
  });

  it('a PRICES_FILE naming an unknown model stops the start, saying which file and which model', async () => {
    h = await startHarness({ workers: false });
    const prices = h.out('prices.json');
    await writeFile(prices, JSON.stringify({ 'kling-o1': 300, 'sora-9': 100 }));
    const run = start({ ...h.env, REELAY_ROLES: 'worker', PRICES_FILE: prices });
    child = run.proc;
    expect(await run.exited).toBe(78);
    expect(run.out.stderr).toMatch(/^reelay: PRICES_FILE .*prices\.json: sora-9: no such model/);
  });

  it('logs at start which daily credits are in force, and warns when no service cap is set or ffmpeg is missing', async () => {
    h = await startHarness({ workers: false });
    const words = h.out('words.txt');
    await writeFile(words, '# the operator’s list\nnasty\n\nhot dog\n');
    const logsOf = async (env: Record<string, string>) => {
      const run = start({
        ...h!.env,
        REELAY_ROLES: 'worker',
        LOG_LEVEL: 'info',
        BLOCKED_WORDS_FILE: words,
        ...env,
      });
      child = run.proc;
      await waitFor(async () => (run.out.stdout.includes('worker started') ? true : undefined), {
        what: 'the worker to start',
      });
      run.proc.kill('SIGTERM');
      expect([await run.exited, run.out.stderr]).toEqual([0, '']);
      return run.out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const byVideos = await logsOf({ QUOTA_DAILY_VIDEOS: '4', FFMPEG_PATH: h.out('no-such-ffmpeg') });
    // Without ffmpeg, one warning says oversize clips will go as links.
    expect(byVideos.filter((l) => String(l.msg).startsWith('ffmpeg/ffprobe not found'))).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('posted as links') }),
    ]);
    expect(byVideos).toContainEqual(
      expect.objectContaining({
        msg: 'daily credits per member',
        credits: 700,
        from: 'QUOTA_DAILY_VIDEOS',
        videos: 4,
      }),
    );
    expect(byVideos).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining('SPEND_CAP_DAILY_CREDITS is not set'),
      }),
    );
    expect(byVideos).toContainEqual(expect.objectContaining({ msg: 'blocked words loaded', words: 2 }));
    const byCredits = await logsOf({ QUOTA_DAILY_CREDITS: '900', SPEND_CAP_DAILY_CREDITS: '50000' });
    expect(byCredits).toContainEqual(
      expect.objectContaining({ msg: 'daily credits per member', credits: 900, from: 'QUOTA_DAILY_CREDITS' }),
    );
    expect(byCredits.some((l) => String(l.msg).includes('SPEND_CAP_DAILY_CREDITS is not set'))).toBe(false);
    expect(byCredits.some((l) => String(l.msg).startsWith('ffmpeg/ffprobe not found'))).toBe(false);
  });

  it('starts the worker and http roles, serves health, and stops cleanly on SIGTERM', async () => {
    h = await startHarness({ workers: false });
    const port = await freePort();
    const run = start({ ...h.env, REELAY_ROLES: 'worker,http', HTTP_PORT: String(port), LOG_LEVEL: 'info' });
    child = run.proc;
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, {
      what: 'healthz',
    });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // The running worker picks up a job from intake in this process.
    const accepted = await h.app.intake.submit(
      { model: 'kling-o1', prompt: 'from the service' },
      { platform: 'discord', userId: 'u1' },
      fileTarget(h.out('svc.mp4')),
    );
    if (!accepted.ok) throw new Error(accepted.error.id);
    const finished = await h.finished(accepted.value.jobId);
    expect(finished.state).toBe('completed');
    // A service worker writes no local file, whatever a job's target says: only the command line does.
    expect(finished.deliver?.failedReason).toBe('no delivery for file on this worker');
    expect(existsSync(h.out('svc.mp4'))).toBe(false);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const logs = run.out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['worker started', 'http server listening']),
    );
    for (const secret of [h.env.RUNNINGHUB_API_KEY!, h.env.DISCORD_TOKEN!, h.env.TELEGRAM_BOT_TOKEN!]) {
      expect(run.out.stdout).not.toContain(secret);
    }
  });

  it('runs the Telegram bot: a /video sent to the bot comes back as a video, and nothing logs the token', async () => {
    h = await startHarness({ workers: false });
    tg = await FakeTelegram.start({ token: h.env.TELEGRAM_BOT_TOKEN as string });
    const run = start({
      ...h.env,
      REELAY_ROLES: 'telegram,worker',
      TELEGRAM_API_URL: tg.apiUrl,
      LOG_LEVEL: 'debug',
    });
    child = run.proc;
    await tg.waitForPoll(20_000);
    const alice = tg.user(1001, 'Alice');
    const request = tg.send({ chat: tg.privateChat(alice), from: alice, text: '/video a fox in the snow' });
    const video = await tg.waitForCall(
      'sendVideo',
      (c) => (c.params.reply_parameters as { message_id?: number })?.message_id === request.message_id,
      30_000,
    );
    expect(video.status).toBe(200);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toContain('telegram bot started');
    expect(run.out.stdout).not.toContain(h.env.TELEGRAM_BOT_TOKEN as string);
  });

  it('runs the Discord bot: a /video comes back as a clip in the reply, and nothing logs a token', async () => {
    h = await startHarness({ workers: false });
    dc = await FakeDiscord.start({ token: h.env.DISCORD_TOKEN as string });
    const run = start({
      ...h.env,
      REELAY_ROLES: 'discord,worker',
      DISCORD_API_URL: dc.apiUrl,
      LOG_LEVEL: 'debug',
    });
    child = run.proc;
    await dc.waitForReady(20_000);
    const guild = dc.guild();
    const interaction = dc.command({
      name: 'video',
      user: dc.user(undefined, 'alice'),
      channelId: dc.channel(guild.id).id,
      guildId: guild.id,
      options: [{ name: 'prompt', type: 3, value: 'a fox in the snow' }],
    });
    const reply = await dc.waitForOriginal(
      interaction.token,
      (m) => (m.attachments?.length ?? 0) > 0,
      30_000,
    );
    expect(dc.fileBytes(reply.attachments?.[0]?.url as string)?.length).toBeGreaterThan(0);
    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toContain('discord bot started');
    for (const secret of [h.env.DISCORD_TOKEN as string, interaction.token])
      expect(run.out.stdout).not.toContain(secret);
  });
});
