import { z } from 'zod';
import { PROVIDERS, type ProviderSettings } from './providers/registry.js';

/** The roles one process can run; see `REELAY_ROLES`. */
export const ROLES = ['discord', 'telegram', 'worker', 'http'] as const;
export type Role = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An empty variable counts as unset, as it does in most `.env` tooling. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

const httpUrl = (what: string) =>
  z
    .string()
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
      message: `expected an http(s) URL (${what})`,
    })
    .transform((v) => v.replace(/\/+$/, ''));

const intIn = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(/^\d+$/, { message: `expected a whole number ${what}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `expected a whole number ${what}` });

const withDefault = <T extends z.ZodType>(schema: T, fallback: string) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : v), schema);

const rolesSchema = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((r) => (ROLES as readonly string[]).includes(r)), {
    message: `expected a comma list of ${ROLES.join(', ')}`,
  })
  .transform((list) => [...new Set(list)] as Role[]);

const schema = z.object({
  REDIS_URL: withDefault(
    z.string().refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
      message: 'expected a redis:// or rediss:// URL',
    }),
    'redis://127.0.0.1:6379',
  ),
  REELAY_ROLES: optionalString.pipe(rolesSchema.optional()),
  DISCORD_TOKEN: optionalString,
  DISCORD_API_URL: withDefault(httpUrl('the Discord REST base'), 'https://discord.com/api'),
  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_URL: withDefault(httpUrl('the Bot API root'), 'https://api.telegram.org'),
  PUBLIC_URL: optionalString.pipe(httpUrl('where providers reach our webhooks').optional()),
  HTTP_PORT: withDefault(intIn(1, 65535, 'from 1 to 65535'), '8080'),
  POLL_INTERVAL_MS: withDefault(intIn(100, 600_000, 'of milliseconds from 100 to 600000'), '5000'),
  QUOTA_DAILY_VIDEOS: withDefault(intIn(0, 100_000, 'from 0 to 100000'), '5'),
  JOB_DEADLINE_MS: withDefault(
    intIn(1_000, 24 * 3_600_000, 'of milliseconds from 1000 to 86400000'),
    String(30 * 60_000),
  ),
  WORKER_CONCURRENCY: withDefault(intIn(1, 1000, 'from 1 to 1000'), '50'),
  QUEUE_PREFIX: withDefault(
    z.string().regex(/^[A-Za-z0-9_{}.-]+$/, { message: 'expected letters, digits, _ . - { } only' }),
    'reelay',
  ),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }), 'info'),
});

/** Each registered provider's key and base URL (`RUNNINGHUB_API_KEY`, `RUNNINGHUB_API_URL`, …). */
const providerSchema = z.object(
  Object.fromEntries(
    PROVIDERS.flatMap((p) => [
      [p.env.apiKey, optionalString],
      [p.env.apiUrl, withDefault(httpUrl(p.env.urlMeaning), p.env.defaultApiUrl)],
    ]),
  ),
);

/** The validated configuration of one Reelay process. Built once, in `main.ts`, and passed down. */
export interface Config {
  redisUrl: string;
  roles: Role[];
  discord: { token: string | undefined; apiUrl: string };
  telegram: { token: string | undefined; apiUrl: string };
  /** Every registered provider's settings, by its name; a provider without a key is off. */
  providers: Record<string, ProviderSettings>;
  publicUrl: string | undefined;
  httpPort: number;
  pollIntervalMs: number;
  quotaDailyVideos: number;
  jobDeadlineMs: number;
  workerConcurrency: number;
  queuePrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Thrown by {@link loadConfig}; `problems` holds one line per bad variable, naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into a {@link Config}. Pure: reads only `env`. Throws a
 * {@link ConfigError} listing every bad variable (never its value: it may be a secret).
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  const providerEnv = providerSchema.safeParse(env);
  const problems = [parsed, providerEnv].flatMap((result) =>
    result.success
      ? []
      : result.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')}: ${issue.message}`),
  );
  // Which roles run, and so which tokens and keys are needed, is checked even when other values are
  // bad, so an admin sees every problem in one go.
  const set = (name: string): boolean => (env[name] ?? '') !== '';
  const listed = rolesSchema.safeParse(env.REELAY_ROLES ?? '');
  const roles: Role[] | undefined = set('REELAY_ROLES')
    ? listed.success
      ? listed.data
      : undefined
    : [
        ...(set('DISCORD_TOKEN') ? (['discord'] as const) : []),
        ...(set('TELEGRAM_BOT_TOKEN') ? (['telegram'] as const) : []),
        'worker',
        'http',
      ];
  if (roles?.includes('discord') && !set('DISCORD_TOKEN')) {
    problems.push('DISCORD_TOKEN: required when REELAY_ROLES includes discord');
  }
  if (roles?.includes('telegram') && !set('TELEGRAM_BOT_TOKEN')) {
    problems.push('TELEGRAM_BOT_TOKEN: required when REELAY_ROLES includes telegram');
  }
  if (roles?.includes('telegram') && set('PUBLIC_URL') && !roles.includes('http')) {
    problems.push(
      'REELAY_ROLES: with PUBLIC_URL set, the Telegram bot takes updates by webhook, served by the http role: add http to this process',
    );
  }
  const keys = PROVIDERS.map((p) => p.env.apiKey);
  if (roles?.includes('worker') && !keys.some(set)) {
    problems.push(`${keys[0]}: a worker needs a provider key: ${keys.join(' or ')}`);
  }
  if (problems.length > 0 || !parsed.success || !providerEnv.success || !roles) {
    throw new ConfigError([...new Set(problems)]);
  }
  const e = parsed.data;
  const p = providerEnv.data as Record<string, string | undefined>;
  const providers = Object.fromEntries(
    PROVIDERS.map((d) => [d.name, { apiKey: p[d.env.apiKey], apiUrl: p[d.env.apiUrl] as string }]),
  );
  return {
    redisUrl: e.REDIS_URL,
    roles,
    discord: { token: e.DISCORD_TOKEN, apiUrl: e.DISCORD_API_URL },
    telegram: { token: e.TELEGRAM_BOT_TOKEN, apiUrl: e.TELEGRAM_API_URL },
    providers,
    publicUrl: e.PUBLIC_URL,
    httpPort: e.HTTP_PORT,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    quotaDailyVideos: e.QUOTA_DAILY_VIDEOS,
    jobDeadlineMs: e.JOB_DEADLINE_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
  };
}
