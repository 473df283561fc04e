import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCommands } from '../src/bots/discord/commands.js';
import { CATALOG } from '../src/catalog/models.js';
import { runCli } from '../src/cli.js';
import { FAKE_DISCORD_TOKEN, FakeDiscord } from './fakes/discord.js';
import { type Harness, type HarnessOptions, REDIS_URL, startHarness } from './helpers/harness.js';
import { makePng } from './helpers/media.js';

let h: Harness | undefined;

async function harness(options: HarnessOptions): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function cli(t: Harness, args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { ...t.env, ...env },
    { stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
    { workerOptions: { lockDuration: 2_000 }, progressEveryMs: 50 },
  );
  return { code, out, err };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.keys(`${prefix}*`);
  } finally {
    redis.disconnect();
  }
}

describe('reelay generate', () => {
  it('writes the clip, shows progress, tries RunningHub first, and leaves nothing in Redis', async () => {
    const t = await harness({ workers: false });
    const out = t.out('clip.mp4');
    const r = await cli(t, [
      'generate',
      '--model',
      'kling-2.5-turbo-pro',
      '--prompt',
      'a fox in the snow',
      '--out',
      out,
    ]);
    expect(r.err.filter((l) => l.startsWith('reelay:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(await readFile(out)).toEqual(t.rh.video);
    expect(r.out).toEqual([`wrote ${out} (${t.rh.video.length} bytes)`]);
    expect(r.err.join('\n')).toMatch(/kling-2.5-turbo-pro: text, 5s, 16:9/);
    expect(r.err.some((l) => /generating|queued at provider|submitting/.test(l))).toBe(true);
    expect(t.rh.submitCount()).toBe(1);
    expect(t.rw.submitCount()).toBe(0);
    expect(await keysUnder(`${t.prefix}-cli-`)).toEqual([]);
  });

  it('takes local paths and URLs for frames; the provider gets exactly those bytes', async () => {
    const t = await harness({ providers: ['runware'], workers: false });
    const first = makePng(640, 360, 3);
    const last = makePng(640, 360, 4);
    const firstPath = t.out('first.png');
    await writeFile(firstPath, first);
    const lastUrl = t.files.put('last.png', last);
    const out = t.out('nested/dir/clip.mp4');
    const r = await cli(t, [
      'generate',
      '--model',
      'kling-2.5-turbo-pro',
      '--prompt',
      'a sunrise becomes a sunset',
      '--first-frame',
      firstPath,
      '--last-frame',
      lastUrl,
      '--duration',
      '10',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(await readFile(out)).toEqual(t.rw.video);
    expect(t.rw.media().map((m) => m.bytes)).toEqual([first, last]);
    expect(t.rw.submitted()[0]).toMatchObject({ duration: 10 });
  });

  it('does not count against user quotas', async () => {
    const t = await harness({
      providers: ['runninghub'],
      workers: false,
      env: { QUOTA_DAILY_VIDEOS: '0' },
    });
    const r = await cli(t, [
      'generate',
      '--model',
      'kling-o1',
      '--prompt',
      'admin check',
      '--mode',
      'pro',
      '--out',
      t.out('c.mp4'),
    ]);
    expect(r.code).toBe(0);
    expect(t.rh.submitted()[0]).toMatchObject({ mode: 'pro' });
  });

  const refused: [string, string[], number, RegExp][] = [
    [
      'an unknown model',
      ['--model', 'kling-9', '--prompt', 'hello'],
      2,
      /There is no model called "kling-9"/,
    ],
    [
      'a duration the model lacks',
      ['--model', 'kling-o1', '--prompt', 'hello', '--duration', '7'],
      2,
      /can't make a 7-second clip.*5, 10/,
    ],
    [
      'a 10,000-character prompt',
      ['--model', 'kling-o1', '--prompt', 'x'.repeat(10_000)],
      2,
      /10000 characters long; this model takes at most 2000/,
    ],
    [
      'a missing file',
      ['--model', 'kling-o1', '--prompt', 'hello', '--first-frame', '/nonexistent/a.png'],
      2,
      /--first-frame: no such file/,
    ],
    [
      'an unknown flag',
      ['--model', 'kling-o1', '--prompt', 'hello', '--colour', 'red'],
      2,
      /Unknown option '--colour'/,
    ],
    [
      'a non-numeric duration',
      ['--model', 'kling-o1', '--prompt', 'hello', '--duration', 'ten'],
      2,
      /--duration: expected a number/,
    ],
  ];
  for (const [what, args, code, message] of refused) {
    it(`refuses ${what} with one readable line and exit ${code}`, async () => {
      const t = await harness({ workers: false });
      const r = await cli(t, ['generate', ...args, '--out', t.out('x.mp4')]);
      expect(r.code).toBe(code);
      expect(r.err[0]).toMatch(/^reelay: /);
      expect(r.err[0]).toMatch(message);
      expect(r.err.join('\n')).not.toMatch(/\n\s+at /);
      expect(t.rh.submitCount() + t.rw.submitCount()).toBe(0);
    });
  }

  it('a PDF given as an image fails with a specific line before anything is submitted', async () => {
    const t = await harness({ workers: false });
    const pdf = t.out('photo.png');
    await writeFile(pdf, '%PDF-1.4\n%%EOF\n');
    const r = await cli(t, [
      'generate',
      '--model',
      'kling-o1',
      '--prompt',
      'hello',
      '--first-frame',
      pdf,
      '--out',
      t.out('x.mp4'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toBe('reelay: --first-frame is a PDF; please send a JPEG or PNG image.');
    expect(t.rh.submitCount()).toBe(0);
  });

  it('a bad key fails with the reason in one line', async () => {
    const t = await harness({ providers: ['runninghub'], workers: false });
    const r = await cli(
      t,
      ['generate', '--model', 'kling-o1', '--prompt', 'hello', '--out', t.out('x.mp4')],
      {
        RUNNINGHUB_API_KEY: 'wrong-key',
      },
    );
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toMatch(
      /^reelay: The video provider refused this server's account \(key or balance\)/,
    );
    expect(r.err.join('\n')).not.toContain('wrong-key');
  });

  it('an unreachable Redis is one line, at once, not a hang', async () => {
    const t = await harness({ workers: false });
    const started = Date.now();
    const r = await cli(
      t,
      ['generate', '--model', 'kling-o1', '--prompt', 'hello', '--out', t.out('x.mp4')],
      {
        REDIS_URL: 'redis://127.0.0.1:1',
      },
    );
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['reelay: cannot reach Redis at 127.0.0.1:1 (REDIS_URL)']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a configuration error names the variable', async () => {
    const t = await harness({ workers: false });
    const r = await cli(t, ['generate', '--model', 'kling-o1', '--prompt', 'hi', '--out', 'x.mp4'], {
      POLL_INTERVAL_MS: 'soon',
    });
    expect(r.code).toBe(78);
    expect(r.err).toEqual([expect.stringMatching(/^reelay: POLL_INTERVAL_MS: expected a whole number/)]);
  });

  it('runs as `npm run reelay` does (tsx src/cli.ts), with exit codes', async () => {
    const t = await harness({ workers: false });
    const run = promisify(execFile);
    const out = t.out('spawned.mp4');
    const ok = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'generate',
        '--model',
        'kling-o1',
        '--prompt',
        'spawned',
        '--out',
        out,
      ],
      { env: { ...process.env, ...t.env } },
    );
    expect(ok.stdout.trim()).toBe(`wrote ${out} (${t.rh.video.length} bytes)`);
    expect(await readFile(out)).toEqual(t.rh.video);
    const bad = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'generate', '--model', 'nope', '--prompt', 'x x', '--out', out],
      {
        env: { ...process.env, ...t.env },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad && bad.code).toBe(2);
    expect('stderr' in bad && bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('reelay register-commands', () => {
  let discord: FakeDiscord | undefined;
  afterEach(async () => {
    await discord?.close();
    discord = undefined;
  });

  async function fake(): Promise<FakeDiscord> {
    discord = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN });
    return discord;
  }

  async function register(args: string[], env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['register-commands', ...args], env, {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    return { code, out, err };
  }

  const envFor = (d: FakeDiscord, extra: Record<string, string> = {}) => ({
    DISCORD_TOKEN: d.token,
    DISCORD_API_URL: d.apiUrl,
    ...extra,
  });

  it('overwrites the global commands with those built from the catalog, and says what it registered', async () => {
    const d = await fake();
    const r = await register([], envFor(d));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const registered = d.commands();
    expect(registered.map((c) => c.name)).toEqual(buildCommands(CATALOG).map((c) => c.name));
    expect(registered.map((c) => c.name)).toEqual(
      expect.arrayContaining(['video', 'reference', 'history', 'admin']),
    );
    const put = d.calls('commands');
    expect(put).toHaveLength(1);
    expect(put[0]).toMatchObject({ method: 'PUT', path: `/applications/${d.applicationId}/commands` });
    expect(put[0]?.json).toEqual(JSON.parse(JSON.stringify(buildCommands(CATALOG))));
    expect(put[0]?.authorization).toBe(`Bot ${d.token}`);
    expect(d.calls('application')).toHaveLength(1);
    expect(r.out).toEqual([
      `registered ${registered.length} commands for Reelay (${d.applicationId}) globally:`,
      ...registered.map((c) => `  /${c.name} (${c.id})`),
    ]);
  });

  it('a second run replaces the set and keeps the command ids', async () => {
    const d = await fake();
    await register([], envFor(d));
    const first = d.commands().map((c) => c.id);
    expect((await register([], envFor(d))).code).toBe(0);
    expect(d.commands().map((c) => c.id)).toEqual(first);
  });

  it('--guild registers in that server only', async () => {
    const d = await fake();
    const guild = d.guild();
    const r = await register(['--guild', guild.id], envFor(d));
    expect(r.code).toBe(0);
    expect(d.commands(guild.id).map((c) => c.name)).toEqual(buildCommands(CATALOG).map((c) => c.name));
    expect(d.commands()).toEqual([]);
    expect(d.calls('commands')[0]).toMatchObject({
      method: 'PUT',
      path: `/applications/${d.applicationId}/guilds/${guild.id}/commands`,
    });
    expect(r.out[0]).toBe(
      `registered ${buildCommands(CATALOG).length} commands for Reelay (${d.applicationId}) in server ${guild.id}:`,
    );
  });

  it('without DISCORD_TOKEN: exit 78 and nothing sent', async () => {
    const d = await fake();
    const r = await register([], { DISCORD_API_URL: d.apiUrl });
    expect(r.code).toBe(78);
    expect(r.err).toEqual(['reelay: DISCORD_TOKEN is not set: register-commands needs the bot token']);
    expect(d.calls()).toEqual([]);
  });

  it('a malformed DISCORD_API_URL is a configuration error (78) naming it', async () => {
    const r = await register([], { DISCORD_TOKEN: FAKE_DISCORD_TOKEN, DISCORD_API_URL: 'discord.com' });
    expect(r.code).toBe(78);
    expect(r.err).toEqual([expect.stringMatching(/^reelay: DISCORD_API_URL: expected an http\(s\) URL/)]);
  });

  it('needs no provider key, whatever roles the environment lists', async () => {
    const d = await fake();
    const r = await register([], envFor(d, { REELAY_ROLES: 'worker' }));
    expect(r.code).toBe(0);
  });

  it('refuses a --guild that is not a server id, and unknown flags (exit 2)', async () => {
    const d = await fake();
    expect((await register(['--guild', 'my-server'], envFor(d))).code).toBe(2);
    const unknown = await register(['--global'], envFor(d));
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/^reelay: Unknown option '--global'/);
    expect(d.calls()).toEqual([]);
  });

  const failures: [string, (d: FakeDiscord) => Record<string, string>, string[], RegExp][] = [
    [
      'a wrong token',
      (d) => envFor(d, { DISCORD_TOKEN: 'MTIz.wrong.token-that-discord-refuses' }),
      [],
      /^reelay: Discord refused GET \/api\/v10\/applications\/@me: 401: Unauthorized: check DISCORD_TOKEN$/,
    ],
    [
      'a server the bot is not in',
      (d) => envFor(d),
      ['--guild', '123456789012345678'],
      /^reelay: Discord refused PUT \/api\/v10\/applications\/\d+\/guilds\/123456789012345678\/commands: 403 Missing Access.*applications\.commands scope/,
    ],
    [
      'an unreachable Discord',
      () => ({ DISCORD_TOKEN: FAKE_DISCORD_TOKEN, DISCORD_API_URL: 'http://127.0.0.1:1/api' }),
      [],
      /^reelay: cannot reach Discord at 127\.0\.0\.1:1 \(DISCORD_API_URL\)/,
    ],
  ];
  for (const [what, env, args, message] of failures) {
    it(`${what}: exit 1 with one line that never shows the token`, async () => {
      const d = await fake();
      const e = env(d);
      const r = await register(args, e);
      expect(r.code).toBe(1);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
      expect(r.err[0]).not.toContain(e.DISCORD_TOKEN);
      expect(r.err[0]).not.toContain(FAKE_DISCORD_TOKEN);
    });
  }

  it('Discord failing with 500s: exit 1 after a few tries, saying to try again later', async () => {
    const d = await fake();
    d.failNext('commands', 'server-error', { times: 5 });
    const r = await register([], envFor(d));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      expect.stringMatching(/^reelay: Discord answered 500 .*PUT .*; try again later$/),
    ]);
    expect(d.calls('commands').length).toBeGreaterThan(1);
    expect(d.commands()).toEqual([]);
  });

  it('--help describes the command', async () => {
    const out: string[] = [];
    const code = await runCli(
      ['register-commands', '--help'],
      {},
      { stdout: (l) => out.push(l), stderr: () => {} },
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/reelay register-commands \[--guild <server id>\]/);
  });
});

describe('the README', () => {
  it('every `reelay generate` example parses and is accepted by the validator', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { parseGenerateArgs } = await import('../src/cli.js');
    const { validate } = await import('../src/core/validate.js');
    const { photoJpeg } = await import('./helpers/media.js');
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const commands = readme
      .replaceAll('\\\n', ' ')
      .split('\n')
      .filter((line) => line.startsWith('npm run reelay -- generate '));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    const dir = await mkdtemp(join(tmpdir(), 'reelay-readme-'));
    try {
      for (const line of commands) {
        // Words as a shell splits them (the README quotes only with double quotes).
        const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(5);
        // The images it names, made real in a folder of this test.
        const args = await Promise.all(
          words.map(async (word, i) => {
            if (!/^--(first-frame|last-frame|reference)$/.test(words[i - 1] ?? '')) return word;
            const path = join(dir, word);
            await writeFile(path, word.endsWith('.png') ? makePng(640, 480) : photoJpeg());
            return path;
          }),
        );
        const { request } = await parseGenerateArgs(args);
        const result = validate(request, CATALOG);
        expect([line, result.ok ? 'accepted' : result.error.id]).toEqual([line, 'accepted']);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
