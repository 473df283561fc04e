import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { PLATFORMS } from '../bots/registry.js';
import type { Config } from '../config.js';
import { type CommunityStore, createCommunityStore } from '../desk/community.js';
import { type Credits, createCredits, type LedgerEntry } from '../jobs/credits.js';
import { ADMIN_USAGE, CliError, type CliIo, cliConfig } from './common.js';

/** Who the command line's changes are recorded as, in the ledger. */
const OPERATOR = 'operator';
const DAY_MS = 86_400_000;
const MAX_DAYS = 90;
/** The same ceiling as `SPEND_CAP_DAILY_CREDITS`. */
const MAX_CAP = 1_000_000_000;
const SUBCOMMANDS = ['spend', 'cap', 'pause', 'resume', 'block', 'unblock', 'ledger'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** What the operator asked for, checked before anything is opened. */
type AdminCommand =
  | { sub: 'spend'; days: number }
  | { sub: 'cap'; value: number | 'off' | 'env' | undefined }
  | { sub: 'pause' | 'resume' }
  | { sub: 'block' | 'unblock'; user: string }
  | { sub: 'ledger'; since: number | undefined; csv: boolean };

/** A bad argument: exit 2, the reason and the admin usage. */
const bad = (reason: string): CliError => new CliError(`admin: ${reason}\n${ADMIN_USAGE}`, 2);

/** Runs `parseArgs`, a refusal of it being a bad argument (exit 2). */
function parse<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error));
  }
}

/** `parseArgs` as every subcommand uses it: strict, positionals allowed. */
const strict = <O extends ParseArgsConfig['options']>(args: string[], options: O) =>
  parse(() => parseArgs({ args, options, allowPositionals: true, strict: true }));

function noPositionals(sub: string, positionals: string[]): void {
  if (positionals.length > 0) throw bad(`${sub} takes no argument, got "${positionals.join(' ')}"`);
}

/** A moment from `--since`: a UTC date (`2025-06-01`), or a date and time (UTC unless it has an offset). */
function parseSince(value: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(value);
  const at = m ? Date.parse(m[2] === undefined && value.includes('T') ? `${value}Z` : value) : Number.NaN;
  // Date.parse rolls 2025-02-30 over to March: the day must read back as written.
  if (
    !m ||
    !Number.isFinite(at) ||
    !Number.isFinite(Date.parse(m[1] as string)) ||
    new Date(Date.parse(m[1] as string)).toISOString().slice(0, 10) !== m[1]
  ) {
    throw bad(`--since: expected an ISO date like 2025-06-01 or 2025-06-01T12:00Z, got "${value}"`);
  }
  return at;
}

/** Parses `admin …` arguments; throws exit 2 with the reason and the admin usage. */
export function parseAdminArgs(args: string[]): AdminCommand {
  const [sub, ...rest] = args;
  if (sub === undefined) throw bad('which command?');
  if (!SUBCOMMANDS.includes(sub as Subcommand)) throw bad(`unknown command "${sub}"`);
  switch (sub as Subcommand) {
    case 'spend': {
      const { values, positionals } = strict(rest, { days: { type: 'string' } });
      noPositionals(sub, positionals);
      const text = values.days ?? '7';
      const days = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(days >= 1 && days <= MAX_DAYS))
        throw bad(`--days: expected a whole number from 1 to ${MAX_DAYS}, got "${text}"`);
      return { sub: 'spend', days };
    }
    case 'cap': {
      if (/^-\d/.test(rest[0] ?? '')) throw bad(`cap: credits cannot be negative, got "${rest[0]}"`);
      const { positionals } = strict(rest, {});
      if (positionals.length > 1) throw bad(`cap takes one value, got "${positionals.join(' ')}"`);
      const [text] = positionals;
      if (text === undefined) return { sub: 'cap', value: undefined };
      if (text === 'off' || text === 'env') return { sub: 'cap', value: text };
      const credits = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(credits >= 0 && credits <= MAX_CAP)) {
        throw bad(`cap: expected credits (a whole number from 0 to ${MAX_CAP}), off or env, got "${text}"`);
      }
      return { sub: 'cap', value: credits };
    }
    case 'pause':
    case 'resume': {
      const { positionals } = strict(rest, {});
      noPositionals(sub, positionals);
      return { sub: sub as 'pause' | 'resume' };
    }
    case 'block':
    case 'unblock': {
      const { positionals } = strict(rest, {});
      if (positionals.length !== 1) throw bad(`${sub} takes one user, as <platform>:<user id>`);
      const target = positionals[0] as string;
      const [platform = '', id = '', ...more] = target.split(':');
      const names = PLATFORMS.map((p) => p.name);
      if (more.length > 0 || !target.includes(':')) {
        throw bad(`${sub}: expected <platform>:<user id>, like ${names[0]}:123456, got "${target}"`);
      }
      if (!names.includes(platform)) {
        throw bad(`${sub}: unknown platform "${platform}" (expected ${names.join(' or ')})`);
      }
      if (!/^\d{1,20}$/.test(id)) throw bad(`${sub}: the user id must be numeric, got "${id}"`);
      return { sub: sub as 'block' | 'unblock', user: `${platform}:${id}` };
    }
    case 'ledger': {
      const { values, positionals } = strict(rest, { since: { type: 'string' }, csv: { type: 'boolean' } });
      noPositionals(sub, positionals);
      return {
        sub: 'ledger',
        since: values.since === undefined ? undefined : parseSince(values.since),
        csv: values.csv === true,
      };
    }
  }
}

/**
 * The configuration the admin commands need: Redis, the prefix and the cap. Read as an http-only
 * process without a public URL, so what only serving roles need (a provider key, a bot token, the
 * webhook secret that goes with `PUBLIC_URL`) does not stop them; any other bad variable still
 * does (exit 78).
 */
export function adminConfig(env: Record<string, string | undefined>): Config {
  return cliConfig({ ...env, REELAY_ROLES: 'http', PUBLIC_URL: '' });
}

/** Connects once, without retrying; exit 1 with one line when Redis does not answer. */
async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED…) says more than connect()'s "Connection is closed".
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const said = cause ?? (error instanceof Error ? error : undefined);
    const reason = said?.message ? `: ${said.message}` : '';
    throw new CliError(`cannot reach Redis at ${new URL(url).host} (REDIS_URL)${reason}`);
  }
}

const number = (n: number): string => n.toLocaleString('en-US');

/** The cap in force, and where it comes from. */
function capLine(cap: Awaited<ReturnType<Credits['cap']>>): string {
  if (cap.source === 'operator') {
    return cap.credits === undefined
      ? 'cap: none (operator: off, until `admin cap env`)'
      : `cap: ${number(cap.credits)} credits a day (operator, until \`admin cap env\`)`;
  }
  return cap.credits === undefined
    ? 'cap: none (env: SPEND_CAP_DAILY_CREDITS is unset)'
    : `cap: ${number(cap.credits)} credits a day (env: SPEND_CAP_DAILY_CREDITS)`;
}

/** Rows as columns, the first left-aligned and the others right-aligned when `right` says so. */
function table(rows: string[][], right: (column: number) => boolean): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        if (i === row.length - 1 && !right(i)) return cell;
        return right(i) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}

const LEDGER_COLUMNS = [
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
] as const;

function ledgerCells(e: LedgerEntry): string[] {
  return [
    Number.isFinite(e.at) ? new Date(e.at).toISOString() : '',
    e.op,
    e.user ?? '',
    e.community ?? '',
    e.credits === undefined ? '' : String(e.credits),
    e.job ?? '',
    e.model ?? '',
    e.what ?? '',
    e.by ?? '',
    e.detail ?? '',
  ];
}

/** A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. */
export const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * A field for the terminal: control characters (a word an admin typed may hold a line break or an
 * escape sequence) shown as `\n`, `\u001b`…, so each entry stays one line and prints as it is.
 */
const visible = (s: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\t'
        ? '\\t'
        : c === '\r'
          ? '\\r'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

async function run(cmd: AdminCommand, credits: Credits, store: CommunityStore, io: CliIo): Promise<void> {
  switch (cmd.sub) {
    case 'spend': {
      const days = (await credits.spend(cmd.days)).reverse();
      const cap = await credits.cap();
      const used = days.reduce((sum, d) => sum + d.used, 0);
      const committed = days.reduce((sum, d) => sum + d.committed, 0);
      const rows = [
        ['day (UTC)', 'used', 'committed'],
        ...days.map((d) => [d.day, number(d.used), number(d.committed)]),
        ['total', number(used), number(committed)],
      ];
      for (const line of table(rows, (i) => i > 0)) io.stdout(line);
      const today = days.at(-1)?.used ?? 0;
      io.stdout(
        `${capLine(cap)}${cap.credits === undefined ? '' : `; ${number(Math.max(0, cap.credits - today))} left today`}`,
      );
      io.stdout('used: reserved and not refunded (held or charged); committed: charged by the provider.');
      return;
    }
    case 'cap': {
      if (cmd.value !== undefined) await credits.setCap(cmd.value, OPERATOR);
      io.stdout(capLine(await credits.cap()));
      return;
    }
    case 'pause':
    case 'resume': {
      const paused = cmd.sub === 'pause';
      const changed = await store.setServicePaused(paused);
      await credits.record({
        what: cmd.sub,
        by: OPERATOR,
        detail: changed ? 'service' : 'service, no change',
      });
      io.stdout(
        paused
          ? `service ${changed ? 'paused' : 'was already paused'}: new requests are refused everywhere; running jobs finish`
          : `service ${changed ? 'resumed' : 'was not paused'}: new requests are taken`,
      );
      return;
    }
    case 'block':
    case 'unblock': {
      const blocked = cmd.sub === 'block';
      const changed = await store.setBlockedEverywhere(cmd.user, blocked);
      await credits.record({
        what: cmd.sub,
        user: cmd.user,
        by: OPERATOR,
        detail: changed ? 'everywhere' : 'everywhere, no change',
      });
      io.stdout(
        blocked
          ? `${cmd.user} ${changed ? 'is now blocked' : 'was already blocked'} everywhere: their new requests are refused`
          : `${cmd.user} ${changed ? 'is no longer blocked' : 'was not blocked'} service-wide (blocks set by a server's admins stay)`,
      );
      return;
    }
    case 'ledger': {
      const since = cmd.since ?? Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const entries = await credits.ledger(since);
      if (cmd.csv) {
        io.stdout(LEDGER_COLUMNS.join(','));
        for (const e of entries) io.stdout(ledgerCells(e).map(csvField).join(','));
        return;
      }
      if (entries.length === 0) {
        io.stdout(`no ledger entries since ${new Date(since).toISOString()}`);
        return;
      }
      const rows = [[...LEDGER_COLUMNS], ...entries.map((e) => ledgerCells(e).map((c) => visible(c) || '-'))];
      for (const line of table(rows, (i) => i === 4)) io.stdout(line);
      return;
    }
  }
}

/** `admin …`: the operator's commands, on Redis alone; resolves to the exit status. */
export async function admin(
  env: Record<string, string | undefined>,
  args: string[],
  io: CliIo,
): Promise<number> {
  const cmd = parseAdminArgs(args);
  const config = adminConfig(env);
  const redis = await connect(config.redisUrl);
  try {
    const credits = createCredits(redis, {
      prefix: config.queuePrefix,
      ...(config.spendCapDailyCredits === undefined ? {} : { serviceCap: config.spendCapDailyCredits }),
    });
    await run(cmd, credits, createCommunityStore(redis, config.queuePrefix), io);
    return 0;
  } finally {
    await Promise.race([redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1_000).unref())]);
    redis.disconnect();
  }
}
