import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
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
    expect(r.err.at(-1)).toBe('reelay: first_frame is a PDF; please send a JPEG or PNG image.');
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
