import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { createCommunityStore } from '../src/desk/community.js';
import { type Charge, type Credits, createCredits } from '../src/jobs/credits.js';
import { keysOf as keysIn } from './helpers/redis-keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

let prefix: string;
let env: Record<string, string>;

const keysOf = (match: string) => keysIn(redis, match);

beforeEach(() => {
  prefix = `test-${randomUUID()}`;
  // Only Redis: no provider key, no bot token, no REELAY_ROLES.
  env = { REDIS_URL, QUEUE_PREFIX: prefix };
});

afterEach(async () => {
  const keys = await keysOf(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

async function admin(args: string[], extra: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['admin', ...args],
    { ...env, ...extra },
    { stdout: (l) => out.push(l), stderr: (l) => err.push(l) },
  );
  return { code, out, err };
}

/** The ledger as the service builds it (same prefix), optionally at another moment. */
const ledger = (options: { serviceCap?: number; now?: () => number } = {}): Credits =>
  createCredits(redis, { prefix, ...options });

const charge = (user: string, credits: number): Charge => ({
  user,
  community: 'discord:900',
  credits,
  memberLimit: 1_000_000,
  model: 'kling-2.5-turbo-pro',
  prompt: 'a fox in the snow',
});

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** A table line as its cells (columns are separated by two spaces or more). */
const cells = (line: string | undefined): string[] => (line ?? '').trim().split(/\s{2,}/);

/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, doubled quotes, line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('reelay admin cap', () => {
  it('alone shows the cap in force and where it comes from', async () => {
    expect((await admin(['cap'])).out).toEqual(['cap: none (env: SPEND_CAP_DAILY_CREDITS is unset)']);
    const r = await admin(['cap'], { SPEND_CAP_DAILY_CREDITS: '20000' });
    expect(r.code).toBe(0);
    expect(r.out).toEqual(['cap: 20,000 credits a day (env: SPEND_CAP_DAILY_CREDITS)']);
    expect(await ledger().ledger(0)).toEqual([]);
  });

  it('sets the run-time cap over the environment until `cap env`, recording each change', async () => {
    const withEnv = { SPEND_CAP_DAILY_CREDITS: '20000' };
    const credits = ledger({ serviceCap: 20_000 });

    const set = await admin(['cap', '500'], withEnv);
    expect(set).toEqual({
      code: 0,
      out: ['cap: 500 credits a day (operator, until `admin cap env`)'],
      err: [],
    });
    expect(await credits.cap()).toEqual({ credits: 500, source: 'operator' });
    // The service's own ledger, built without the operator's value, sees it too (it lives in Redis).
    expect(await ledger().cap()).toEqual({ credits: 500, source: 'operator' });

    expect((await admin(['cap', 'off'], withEnv)).out).toEqual([
      'cap: none (operator: off, until `admin cap env`)',
    ]);
    expect(await credits.cap()).toEqual({ credits: undefined, source: 'operator' });

    expect((await admin(['cap', 'env'], withEnv)).out).toEqual([
      'cap: 20,000 credits a day (env: SPEND_CAP_DAILY_CREDITS)',
    ]);
    expect(await credits.cap()).toEqual({ credits: 20_000, source: 'env' });

    expect((await admin(['cap', '0'])).out).toEqual([
      'cap: 0 credits a day (operator, until `admin cap env`)',
    ]);
    expect(await credits.cap()).toEqual({ credits: 0, source: 'operator' });

    const entries = await credits.ledger(0);
    expect(entries.map((e) => [e.op, e.what, e.by, e.detail])).toEqual([
      ['admin', 'cap', 'operator', '500'],
      ['admin', 'cap', 'operator', 'off'],
      ['admin', 'cap', 'operator', 'env'],
      ['admin', 'cap', 'operator', '0'],
    ]);
  });

  it('an operator cap of 0 refuses the next reserve; `cap env` lets it through again', async () => {
    const credits = ledger();
    await admin(['cap', '0']);
    expect(await credits.reserve('job-1', charge('telegram:1', 100))).toMatchObject({
      ok: false,
      reason: 'service-cap',
      limit: 0,
    });
    await admin(['cap', 'env']);
    expect(await credits.reserve('job-1', charge('telegram:1', 100))).toMatchObject({ ok: true });
  });
});

describe('reelay admin pause / resume', () => {
  it('switches the service-wide kill switch and says so', async () => {
    const store = createCommunityStore(redis, prefix);
    const paused = await admin(['pause']);
    expect(paused.code).toBe(0);
    expect(paused.out).toEqual(['service paused: new requests are refused everywhere; running jobs finish']);
    expect(await store.servicePaused()).toBe(true);

    expect((await admin(['pause'])).out).toEqual([
      'service was already paused: new requests are refused everywhere; running jobs finish',
    ]);
    expect(await store.servicePaused()).toBe(true);

    expect((await admin(['resume'])).out).toEqual(['service resumed: new requests are taken']);
    expect(await store.servicePaused()).toBe(false);
    expect((await admin(['resume'])).out).toEqual(['service was not paused: new requests are taken']);

    const entries = await ledger().ledger(0);
    expect(entries.map((e) => [e.op, e.what, e.by, e.detail])).toEqual([
      ['admin', 'pause', 'operator', 'service'],
      ['admin', 'pause', 'operator', 'service, no change'],
      ['admin', 'resume', 'operator', 'service'],
      ['admin', 'resume', 'operator', 'service, no change'],
    ]);
  });
});

describe('reelay admin block / unblock', () => {
  it('blocks and unblocks a user across the whole service', async () => {
    const store = createCommunityStore(redis, prefix);
    const r = await admin(['block', 'telegram:42']);
    expect(r).toEqual({
      code: 0,
      out: ['telegram:42 is now blocked everywhere: their new requests are refused'],
      err: [],
    });
    expect(await store.isBlockedEverywhere('telegram:42')).toBe(true);
    expect(await store.isBlockedEverywhere('discord:42')).toBe(false);

    expect((await admin(['block', 'discord:123456789012345678'])).code).toBe(0);
    expect(await store.isBlockedEverywhere('discord:123456789012345678')).toBe(true);

    expect((await admin(['block', 'telegram:42'])).out).toEqual([
      'telegram:42 was already blocked everywhere: their new requests are refused',
    ]);
    expect((await admin(['unblock', 'telegram:42'])).out).toEqual([
      "telegram:42 is no longer blocked service-wide (blocks set by a server's admins stay)",
    ]);
    expect(await store.isBlockedEverywhere('telegram:42')).toBe(false);
    expect(await store.isBlockedEverywhere('discord:123456789012345678')).toBe(true);

    const entries = await ledger().ledger(0);
    expect(entries.map((e) => [e.what, e.user, e.by, e.detail])).toEqual([
      ['block', 'telegram:42', 'operator', 'everywhere'],
      ['block', 'discord:123456789012345678', 'operator', 'everywhere'],
      ['block', 'telegram:42', 'operator', 'everywhere, no change'],
      ['unblock', 'telegram:42', 'operator', 'everywhere'],
    ]);
  });

  it("does not touch a server's own block list", async () => {
    const store = createCommunityStore(redis, prefix);
    await store.setBlocked('discord:900', 'discord:7', true);
    await admin(['unblock', 'discord:7']);
    expect(await store.isBlocked('discord:900', 'discord:7')).toBe(true);
  });
});

describe('reelay admin spend', () => {
  it('prints each UTC day, oldest first, with reserved, committed, a total and the cap', async () => {
    const start = Date.now();
    const twoDaysAgo = ledger({ now: () => start - 2 * DAY_MS });
    const today = ledger();
    // Two days ago: 1,350 + 175 reserved, the first charged, the second refunded.
    expect((await twoDaysAgo.reserve('a', charge('telegram:1', 1_350))).ok).toBe(true);
    expect((await twoDaysAgo.reserve('b', charge('telegram:2', 175))).ok).toBe(true);
    await twoDaysAgo.commit('a', { outcome: 'clip' });
    await twoDaysAgo.refund('b', { outcome: 'generation-failed' });
    // Today: 350 charged, 175 still running.
    expect((await today.reserve('c', charge('discord:3', 350))).ok).toBe(true);
    expect((await today.reserve('d', charge('discord:4', 175))).ok).toBe(true);
    await today.commit('c', { outcome: 'clip' });

    const r = await admin(['spend', '--days', '3'], { SPEND_CAP_DAILY_CREDITS: '2000' });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(cells(r.out[0])).toEqual(['day (UTC)', 'used', 'committed']);
    expect(r.out.slice(1, 5).map(cells)).toEqual([
      [utcDay(start - 2 * DAY_MS), '1,350', '1,350'],
      [utcDay(start - DAY_MS), '0', '0'],
      [utcDay(start), '525', '350'],
      ['total', '1,875', '1,700'],
    ]);
    expect(r.out[5]).toBe('cap: 2,000 credits a day (env: SPEND_CAP_DAILY_CREDITS); 1,475 left today');
    expect(r.out).toHaveLength(7);
    // Numbers are right-aligned under their headings.
    expect(new Set(r.out.slice(0, 5).map((l) => l.length)).size).toBe(1);

    await admin(['cap', '500']);
    const capped = await admin(['spend', '--days', '1']);
    expect(capped.out.slice(1, 3).map(cells)).toEqual([
      [utcDay(start), '525', '350'],
      ['total', '525', '350'],
    ]);
    expect(capped.out[3]).toBe('cap: 500 credits a day (operator, until `admin cap env`); 0 left today');
  });

  it('covers the last 7 days by default, and up to 90', async () => {
    const week = await admin(['spend']);
    expect(week.code).toBe(0);
    expect(week.out.slice(1, 8).map((l) => cells(l)[0])).toEqual(
      Array.from({ length: 7 }, (_, i) => utcDay(Date.now() - (6 - i) * DAY_MS)),
    );
    expect(week.out[8]).toMatch(/^total\s+0\s+0$/);
    expect(week.out[9]).toBe('cap: none (env: SPEND_CAP_DAILY_CREDITS is unset)');
    const quarter = await admin(['spend', '--days', '90']);
    expect(quarter.out.filter((l) => /^\d{4}-\d{2}-\d{2} /.test(l))).toHaveLength(90);
  });
});

describe('reelay admin ledger', () => {
  async function fill(start: number) {
    const yesterday = ledger({ now: () => start - DAY_MS });
    await yesterday.reserve('old', charge('telegram:5', 175));
    const credits = ledger();
    await credits.reserve('job-1', charge('telegram:1', 350));
    await credits.commit('job-1', { outcome: 'clip' });
    await credits.reserve('job-2', charge('discord:2', 175));
    await credits.refund('job-2', { outcome: 'timeout' });
    await credits.record({
      by: 'discord:9',
      community: 'discord:900',
      what: 'words',
      detail: 'action=add word=say "hi", then\nleave',
    });
    await admin(['pause']);
  }

  it('prints today by default, one line per entry', async () => {
    const start = Date.now();
    await fill(start);
    const r = await admin(['ledger']);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(cells(r.out[0])).toEqual([
      'time',
      'op',
      'user',
      'community',
      'credits',
      'job',
      'model',
      'what',
      'by',
      'detail',
    ]);
    const rows = r.out.slice(1).map(cells);
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(row[0] as string)).toBeGreaterThanOrEqual(Math.floor(start / DAY_MS) * DAY_MS);
    }
    expect(rows.map((row) => row.slice(1))).toEqual([
      ['reserve', 'telegram:1', 'discord:900', '350', 'job-1', 'kling-2.5-turbo-pro', '-', '-', '-'],
      ['commit', 'telegram:1', 'discord:900', '350', 'job-1', 'kling-2.5-turbo-pro', 'clip', '-', '-'],
      ['reserve', 'discord:2', 'discord:900', '175', 'job-2', 'kling-2.5-turbo-pro', '-', '-', '-'],
      ['refund', 'discord:2', 'discord:900', '175', 'job-2', 'kling-2.5-turbo-pro', 'timeout', '-', '-'],
      // The line break an admin typed stays on the line, escaped.
      [
        'admin',
        '-',
        'discord:900',
        '-',
        '-',
        '-',
        'words',
        'discord:9',
        'action=add word=say "hi", then\\nleave',
      ],
      ['admin', '-', '-', '-', '-', '-', 'pause', 'operator', 'service'],
    ]);
  });

  it('--since reaches back; --csv has a header row and parses back to the same fields', async () => {
    const start = Date.now();
    await fill(start);
    const since = utcDay(start - DAY_MS);
    const r = await admin(['ledger', '--since', since, '--csv']);
    expect(r.code).toBe(0);
    const rows = parseCsv(`${r.out.join('\n')}\n`);
    expect(rows[0]).toEqual([
      'time',
      'op',
      'user',
      'community',
      'credits',
      'job',
      'model',
      'what',
      'by',
      'detail',
    ]);
    expect(rows).toHaveLength(8);
    const entries = await ledger().ledger(Date.parse(since));
    expect(rows.slice(1)).toEqual(
      entries.map((e) => [
        new Date(e.at).toISOString(),
        e.op,
        e.user ?? '',
        e.community ?? '',
        e.credits === undefined ? '' : String(e.credits),
        e.job ?? '',
        e.model ?? '',
        e.what ?? '',
        e.by ?? '',
        e.detail ?? '',
      ]),
    );
    expect(rows[1]?.slice(1, 6)).toEqual(['reserve', 'telegram:5', 'discord:900', '175', 'old']);
    expect(rows[6]?.[9]).toBe('action=add word=say "hi", then\nleave');
    // The quoting is RFC 4180's: the field in quotes, its quotes doubled.
    expect(r.out.join('\n')).toContain('"action=add word=say ""hi"", then\nleave"');

    // A moment with a time: only what came after it.
    const later = await admin(['ledger', '--since', new Date(start + 60_000).toISOString(), '--csv']);
    expect(later.out).toEqual(['time,op,user,community,credits,job,model,what,by,detail']);
    const text = await admin(['ledger', '--since', new Date(start + 60_000).toISOString()]);
    expect(text.out).toEqual([`no ledger entries since ${new Date(start + 60_000).toISOString()}`]);
  });

  it('reads a date and time without an offset as UTC', async () => {
    await ledger().record({ by: 'operator', what: 'cap', detail: '1' });
    const at = (await ledger().ledger(0))[0]?.at as number;
    const minute = new Date(at - 60_000).toISOString().slice(0, 16);
    const r = await admin(['ledger', '--since', minute]);
    expect(r.out).toHaveLength(2);
    const next = new Date(at + 60_000).toISOString().slice(0, 16);
    expect((await admin(['ledger', '--since', next])).out).toEqual([
      `no ledger entries since ${next}:00.000Z`,
    ]);
  });
});

describe('reelay admin: exit codes', () => {
  const refused: [string, string[], RegExp][] = [
    ['no subcommand', [], /^reelay: admin: which command\?$/],
    ['an unknown subcommand', ['reset-everything'], /^reelay: admin: unknown command "reset-everything"$/],
    [
      'a days count that is not a number',
      ['spend', '--days', 'seven'],
      /--days: expected a whole number from 1 to 90, got "seven"/,
    ],
    ['zero days', ['spend', '--days', '0'], /--days: expected a whole number from 1 to 90/],
    ['91 days', ['spend', '--days', '91'], /--days: expected a whole number from 1 to 90/],
    ['a fractional day count', ['spend', '--days', '1.5'], /--days: expected a whole number/],
    ['a cap that is not a number', ['cap', 'lots'], /cap: expected credits .*, off or env, got "lots"/],
    ['a negative cap', ['cap', '-5'], /cap: credits cannot be negative, got "-5"/],
    [
      'a cap over the ceiling',
      ['cap', '1000000001'],
      /cap: expected credits \(a whole number from 0 to 1000000000\)/,
    ],
    ['two cap values', ['cap', '5', '6'], /cap takes one value/],
    ['pause with an argument', ['pause', 'now'], /pause takes no argument, got "now"/],
    [
      'a user without a platform',
      ['block', '42'],
      /block: expected <platform>:<user id>, like discord:123456, got "42"/,
    ],
    [
      'an unknown platform',
      ['block', 'slack:42'],
      /block: unknown platform "slack" \(expected discord or telegram\)/,
    ],
    [
      'a user id that is not numeric',
      ['unblock', 'telegram:@bob'],
      /unblock: the user id must be numeric, got "@bob"/,
    ],
    ['a user with too many parts', ['block', 'telegram:1:2'], /block: expected <platform>:<user id>/],
    ['no user', ['block'], /block takes one user/],
    ['an unknown flag', ['ledger', '--json'], /^reelay: admin: Unknown option '--json'/],
    ['an unknown flag of spend', ['spend', '--weeks', '2'], /Unknown option '--weeks'/],
    [
      'a date that is not one',
      ['ledger', '--since', 'yesterday'],
      /--since: expected an ISO date like 2025-06-01/,
    ],
    ['a day that does not exist', ['ledger', '--since', '2025-02-30'], /--since: expected an ISO date/],
  ];
  for (const [what, args, message] of refused) {
    it(`refuses ${what}: exit 2, the reason, the admin usage, nothing written`, async () => {
      const r = await admin(args);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      const [reason, ...usage] = (r.err[0] as string).split('\n');
      expect(reason).toMatch(message);
      expect(usage[0]).toMatch(/^usage: reelay admin spend/);
      expect(usage.join('\n')).toMatch(/reelay admin ledger \[--since <ISO date>\] \[--csv\]/);
      expect(await keysOf(`${prefix}:*`)).toEqual([]);
    });
  }

  it('a bad argument is reported even without a usable configuration', async () => {
    expect((await admin(['spend', '--days', 'x'], { QUEUE_PREFIX: 'no spaces allowed' })).code).toBe(2);
  });

  it('a bad configuration is exit 78, naming the variable', async () => {
    const r = await admin(['pause'], { SPEND_CAP_DAILY_CREDITS: 'plenty' });
    expect(r.code).toBe(78);
    expect(r.err).toEqual([
      expect.stringMatching(/^reelay: SPEND_CAP_DAILY_CREDITS: expected a whole number/),
    ]);
    expect(await createCommunityStore(redis, prefix).servicePaused()).toBe(false);
    expect((await admin(['cap'], { REDIS_URL: 'http://127.0.0.1:6379' })).code).toBe(78);
  });

  it('needs no provider key or bot token, whatever REELAY_ROLES lists', async () => {
    expect((await admin(['cap'], { REELAY_ROLES: 'worker' })).code).toBe(0);
    expect((await admin(['cap'], { REELAY_ROLES: 'telegram,discord' })).code).toBe(0);
    expect(
      (await admin(['cap'], { PUBLIC_URL: 'https://reelay.example', REELAY_ROLES: 'telegram' })).code,
    ).toBe(0);
  });

  it('an unreachable Redis is one line and exit 1, at once, not a hang', async () => {
    const started = Date.now();
    const r = await admin(['pause'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      expect.stringMatching(/^reelay: cannot reach Redis at 127\.0\.0\.1:1 \(REDIS_URL\)/),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('--help lists the admin commands', async () => {
    const out: string[] = [];
    expect(await runCli(['admin', '--help'], {}, { stdout: (l) => out.push(l), stderr: () => {} })).toBe(0);
    const help = out.join('\n');
    expect(help).toMatch(/reelay admin spend \[--days N\]/);
    expect(help).toMatch(/reelay admin cap \[<credits>\|off\|env\]/);
    expect(help).toMatch(/reelay admin pause \| resume/);
    expect(help).toMatch(/reelay admin block \| unblock <platform>:<user id>/);
    expect(help).toMatch(/reelay admin ledger \[--since <ISO date>\] \[--csv\]/);
  });

  it('runs as `npm run reelay -- admin` does, closes its connection and exits', async () => {
    const run = promisify(execFile);
    const spawnEnv = { ...process.env, ...env };
    const ok = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'admin', 'pause'], {
      env: spawnEnv,
      timeout: 30_000,
    });
    expect(ok.stdout.trim()).toBe('service paused: new requests are refused everywhere; running jobs finish');
    expect(await createCommunityStore(redis, prefix).servicePaused()).toBe(true);
    const bad = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'admin', 'cap', 'lots'], {
      env: spawnEnv,
      timeout: 30_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in bad && bad.code).toBe(2);
  });
});
