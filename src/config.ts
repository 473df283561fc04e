import { z } from 'zod';
import { type DiscordShards, discordShardsSchema } from './bots/discord/shards.js';
import { PLATFORMS, type PlatformSettings } from './bots/registry.js';
import { PROVIDERS, type ProviderSettings } from './providers/registry.js';

/** The roles one process can run, see `REELAY_ROLES`: each platform's bot, `worker` and `http`. */
export const ROLES: readonly string[] = [...PLATFORMS.map((p) => p.name), 'worker', 'http'];
export type Role = string;

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

const optionalInt = (min: number, max: number, what: string) =>
  optionalString.pipe(intIn(min, max, what).optional());

const booleanSchema = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'expected true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** A comma list (spaces and empty items ignored). */
const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Community ids: Discord's snowflakes, Telegram's chat ids (negative for groups). */
const idList = optionalString.pipe(
  z
    .string()
    .transform(commaList)
    .refine((list) => list.every((id) => /^-?\d+$/.test(id)), {
      message: 'expected a comma list of numeric ids',
    })
    .optional(),
);

/** `REELAY_OPERATORS`: `platform:userId` items, each platform a registered one. */
const operatorsSchema = optionalString.pipe(
  z
    .string()
    .transform(commaList)
    .refine(
      (list) =>
        list.every((item) => {
          const [platform, id, ...rest] = item.split(':');
          return rest.length === 0 && PLATFORMS.some((p) => p.name === platform) && /^\d+$/.test(id ?? '');
        }),
      { message: `expected a comma list of ${PLATFORMS.map((p) => `${p.name}:<user id>`).join(' or ')}` },
    )
    .optional(),
);

/**
 * `MEDIA_ALLOW_HOSTS`: `host` or `host:port` items, kept as `URL.host` writes them (lower case, an
 * http(s) default port left out), which is how a download's URL is compared with them.
 */
const mediaHostsSchema = z
  .string()
  .transform(commaList)
  .refine(
    (list) =>
      list.every((item) => {
        if (!URL.canParse(`http://${item}`)) return false;
        const url = new URL(`http://${item}`);
        return url.pathname === '/' && !url.username && !url.password && !url.search && !url.hash;
      }),
    { message: 'expected a comma list of host or host:port' },
  )
  .transform((list) =>
    list.map((item) => {
      const url = new URL(`http://${item}`);
      return url.port === '443' ? url.hostname : url.host;
    }),
  );

const rolesSchema = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((r) => ROLES.includes(r)), {
    message: `expected a comma list of ${ROLES.join(', ')}`,
  })
  .transform((list) => [...new Set(list)]);

const schema = z.object({
  REDIS_URL: withDefault(
    z.string().refine((v) => URL.canParse(v) && /^rediss?:$/.test(new URL(v).protocol), {
      message: 'expected a redis:// or rediss:// URL',
    }),
    'redis://127.0.0.1:6379',
  ),
  REELAY_ROLES: optionalString.pipe(rolesSchema.optional()),
  PUBLIC_URL: optionalString.pipe(httpUrl('where providers reach our webhooks').optional()),
  WEBHOOK_SECRET: optionalString.pipe(
    z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  ),
  DASHBOARD_USER: optionalString,
  DASHBOARD_PASSWORD: optionalString,
  HTTP_PORT: withDefault(intIn(1, 65535, 'from 1 to 65535'), '8080'),
  METRICS_PORT: optionalInt(1, 65535, 'from 1 to 65535'),
  POLL_INTERVAL_MS: withDefault(intIn(100, 600_000, 'of milliseconds from 100 to 600000'), '5000'),
  QUOTA_DAILY_VIDEOS: withDefault(intIn(0, 100_000, 'from 0 to 100000'), '5'),
  QUOTA_DAILY_CREDITS: optionalInt(0, 1_000_000_000, 'of credits from 0 to 1000000000'),
  SPEND_CAP_DAILY_CREDITS: optionalInt(0, 1_000_000_000, 'of credits from 0 to 1000000000'),
  USER_MAX_IN_FLIGHT: withDefault(intIn(1, 1000, 'from 1 to 1000'), '2'),
  USER_COOLDOWN_S: withDefault(intIn(0, 86_400, 'of seconds from 0 to 86400'), '0'),
  ALLOW_PRIVATE_CHATS: withDefault(booleanSchema, 'true'),
  REELAY_OPERATORS: operatorsSchema,
  BLOCKED_WORDS_FILE: optionalString,
  PRICES_FILE: optionalString,
  FFMPEG_PATH: optionalString,
  FFPROBE_PATH: optionalString,
  TRANSCODE_CONCURRENCY: optionalInt(1, 64, 'from 1 to 64'),
  TRANSCODE_TIMEOUT_S: withDefault(intIn(10, 3_600, 'of seconds from 10 to 3600'), '600'),
  MEDIA_ALLOW_HOSTS: optionalString.pipe(mediaHostsSchema.optional()),
  MEDIA_ALLOW_PRIVATE: withDefault(booleanSchema, 'false'),
  IMAGE_MAX_PIXELS: withDefault(
    intIn(90_000, 1_000_000_000, 'of pixels from 90000 to 1000000000'),
    String(50_000_000),
  ),
  TELEGRAM_MAX_UPLOAD_MB: withDefault(intIn(1, 2_000, 'of MB from 1 to 2000'), '50'),
  JOB_DEADLINE_MS: withDefault(
    intIn(1_000, 24 * 3_600_000, 'of milliseconds from 1000 to 86400000'),
    String(30 * 60_000),
  ),
  WORKER_CONCURRENCY: withDefault(intIn(1, 1000, 'from 1 to 1000'), '50'),
  WORKER_MEMORY_BUDGET_MB: withDefault(intIn(16, 65_536, 'of MB from 16 to 65536'), '512'),
  QUEUE_PREFIX: withDefault(
    z.string().regex(/^[A-Za-z0-9_{}.-]+$/, { message: 'expected letters, digits, _ . - { } only' }),
    'reelay',
  ),
  LOG_LEVEL: withDefault(z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }), 'info'),
});

/**
 * Each registered provider's key and base URL (`RUNNINGHUB_API_KEY`, `RUNNINGHUB_API_URL`, …) and
 * each platform's token and API base (`DISCORD_TOKEN`, `DISCORD_API_URL`, …), from their descriptors.
 */
const pluggedSchema = z.object(
  Object.fromEntries([
    ...PROVIDERS.flatMap((p) => [
      [p.env.apiKey, optionalString],
      [p.env.apiUrl, withDefault(httpUrl(p.env.urlMeaning), p.env.defaultApiUrl)],
    ]),
    ...PLATFORMS.flatMap((p) => [
      [p.env.token, optionalString],
      [p.env.allowList, idList],
      [p.env.apiUrl, withDefault(httpUrl(p.env.urlMeaning), p.env.defaultApiUrl)],
    ]),
  ]),
);

/** The validated configuration of one Reelay process. Built once, in `main.ts`, and passed down. */
export interface Config {
  redisUrl: string;
  roles: Role[];
  /** Every registered platform's settings, by its name; a platform without a token is off. */
  platforms: Record<string, PlatformSettings>;
  /** Every registered provider's settings, by its name; a provider without a key is off. */
  providers: Record<string, ProviderSettings>;
  /**
   * The gateway shards this process's Discord bot runs (`DISCORD_SHARDS`, `DISCORD_SHARD_COUNT`,
   * `DISCORD_SHARD_IDS`); undefined: one shard, discord.js's default.
   */
  discordShards: DiscordShards | undefined;
  publicUrl: string | undefined;
  /**
   * `WEBHOOK_SECRET`: signs each job's completion-hint URL (HMAC-SHA256); required with `PUBLIC_URL`
   * by the worker and http roles, and the same in every process.
   */
  webhookSecret: string | undefined;
  /** `DASHBOARD_USER` and `DASHBOARD_PASSWORD`: basic auth of `/admin/queues`; undefined: no dashboard. */
  dashboard: { user: string; password: string } | undefined;
  httpPort: number;
  /**
   * `METRICS_PORT`: where a process without the http role (a worker) serves `/healthz`, `/readyz`
   * and its own `/metrics`; undefined: it serves nothing.
   */
  metricsPort: number | undefined;
  pollIntervalMs: number;
  /** `QUOTA_DAILY_VIDEOS`: clips of the default model per member per day, when no credits are set. */
  quotaDailyVideos: number;
  /** `QUOTA_DAILY_CREDITS`: credits per member per day; wins over `quotaDailyVideos` when set. */
  quotaDailyCredits: number | undefined;
  /** `SPEND_CAP_DAILY_CREDITS`: the whole service's daily ceiling; undefined: none. */
  spendCapDailyCredits: number | undefined;
  /** `USER_MAX_IN_FLIGHT`: unfinished jobs one member may have. */
  userMaxInFlight: number;
  /** `USER_COOLDOWN_S`: seconds between one member's requests. */
  userCooldownS: number;
  /** Who may use the bot: private chats (`ALLOW_PRIVATE_CHATS`) and the operators (`REELAY_OPERATORS`, as `platform:userId`). */
  access: { allowPrivate: boolean; operators: string[] };
  /** `BLOCKED_WORDS_FILE`: the operator's global list of blocked words, one a line. */
  blockedWordsFile: string | undefined;
  /** `PRICES_FILE`: the operator's credits per model over the catalog's (JSON; see `catalog/prices.ts`). */
  pricesFile: string | undefined;
  /**
   * Clips over a platform's upload limit are compressed to fit with ffmpeg: where it is
   * (`FFMPEG_PATH`, `FFPROBE_PATH`; else PATH), how many transcodes a worker runs at once
   * (`TRANSCODE_CONCURRENCY`; undefined: one per core) and for how long at most.
   */
  transcode: { ffmpegPath?: string; ffprobePath?: string; concurrency?: number; timeoutMs: number };
  /**
   * Where workers may download chat users' inputs from, and how big an image may be:
   * `MEDIA_ALLOW_HOSTS`, hosts allowed besides Discord's CDN and the Telegram Bot API; and
   * `MEDIA_ALLOW_PRIVATE`, private and loopback addresses allowed (for tests against local fakes
   * only: start-up warns when it is on). `IMAGE_MAX_PIXELS`: the most pixels of any image input,
   * whatever the model.
   */
  media: { allowHosts: string[]; allowPrivate: boolean; imageMaxPixels: number };
  /** `TELEGRAM_MAX_UPLOAD_MB`: the Bot API's upload limit (50 MB; up to 2000 with a local Bot API server). */
  telegramMaxUploadBytes: number;
  jobDeadlineMs: number;
  workerConcurrency: number;
  /**
   * `WORKER_MEMORY_BUDGET_MB`: the most bytes a worker process's steps hold in memory at once (input
   * downloads); steps wait for room beyond it.
   */
  workerMemoryBudgetBytes: number;
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
  const plugged = pluggedSchema.safeParse(env);
  const shards = discordShardsSchema.safeParse(env);
  const problems = [parsed, plugged, shards].flatMap((result) =>
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
    : [...PLATFORMS.filter((p) => set(p.env.token)).map((p) => p.name), 'worker', 'http'];
  for (const platform of PLATFORMS) {
    if (!roles?.includes(platform.name)) continue;
    if (!set(platform.env.token)) {
      problems.push(`${platform.env.token}: required when REELAY_ROLES includes ${platform.name}`);
    }
    if (platform.webhookWithPublicUrl && set('PUBLIC_URL') && !roles.includes('http')) {
      problems.push(
        `REELAY_ROLES: with PUBLIC_URL set, the ${platform.label} bot takes updates by webhook, served by the http role: add http to this process`,
      );
    }
  }
  // A PUBLIC_URL that is no URL is its own problem: one line for it.
  if (
    URL.canParse(env.PUBLIC_URL ?? '') &&
    !set('WEBHOOK_SECRET') &&
    roles?.some((r) => r === 'worker' || r === 'http')
  ) {
    problems.push("WEBHOOK_SECRET: required with PUBLIC_URL, to sign the providers' completion hints");
  }
  if (set('DASHBOARD_USER') !== set('DASHBOARD_PASSWORD')) {
    problems.push(
      'DASHBOARD_PASSWORD: DASHBOARD_USER and DASHBOARD_PASSWORD go together (the queue dashboard)',
    );
  }
  const keys = PROVIDERS.map((p) => p.env.apiKey);
  if (roles?.includes('worker') && !keys.some(set)) {
    problems.push(`${keys[0]}: a worker needs a provider key: ${keys.join(' or ')}`);
  }
  if (problems.length > 0 || !parsed.success || !plugged.success || !shards.success || !roles) {
    throw new ConfigError([...new Set(problems)]);
  }
  const e = parsed.data;
  const p = plugged.data as Record<string, string | undefined>;
  const providers = Object.fromEntries(
    PROVIDERS.map((d) => [d.name, { apiKey: p[d.env.apiKey], apiUrl: p[d.env.apiUrl] as string }]),
  );
  const platforms = Object.fromEntries(
    PLATFORMS.map((d) => [
      d.name,
      {
        token: p[d.env.token] as string | undefined,
        apiUrl: p[d.env.apiUrl] as string,
        allowed: (p[d.env.allowList] as unknown as string[] | undefined) ?? [],
      },
    ]),
  );
  return {
    redisUrl: e.REDIS_URL,
    roles,
    platforms,
    providers,
    discordShards: shards.data,
    publicUrl: e.PUBLIC_URL,
    webhookSecret: e.WEBHOOK_SECRET,
    dashboard:
      e.DASHBOARD_USER && e.DASHBOARD_PASSWORD
        ? { user: e.DASHBOARD_USER, password: e.DASHBOARD_PASSWORD }
        : undefined,
    httpPort: e.HTTP_PORT,
    metricsPort: e.METRICS_PORT,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    quotaDailyVideos: e.QUOTA_DAILY_VIDEOS,
    quotaDailyCredits: e.QUOTA_DAILY_CREDITS,
    spendCapDailyCredits: e.SPEND_CAP_DAILY_CREDITS,
    userMaxInFlight: e.USER_MAX_IN_FLIGHT,
    userCooldownS: e.USER_COOLDOWN_S,
    access: { allowPrivate: e.ALLOW_PRIVATE_CHATS, operators: e.REELAY_OPERATORS ?? [] },
    blockedWordsFile: e.BLOCKED_WORDS_FILE,
    pricesFile: e.PRICES_FILE,
    transcode: {
      ...(e.FFMPEG_PATH ? { ffmpegPath: e.FFMPEG_PATH } : {}),
      ...(e.FFPROBE_PATH ? { ffprobePath: e.FFPROBE_PATH } : {}),
      ...(e.TRANSCODE_CONCURRENCY ? { concurrency: e.TRANSCODE_CONCURRENCY } : {}),
      timeoutMs: e.TRANSCODE_TIMEOUT_S * 1_000,
    },
    media: {
      allowHosts: e.MEDIA_ALLOW_HOSTS ?? [],
      allowPrivate: e.MEDIA_ALLOW_PRIVATE,
      imageMaxPixels: e.IMAGE_MAX_PIXELS,
    },
    telegramMaxUploadBytes: e.TELEGRAM_MAX_UPLOAD_MB * 1024 * 1024,
    jobDeadlineMs: e.JOB_DEADLINE_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerMemoryBudgetBytes: e.WORKER_MEMORY_BUDGET_MB * 1024 * 1024,
    queuePrefix: e.QUEUE_PREFIX,
    logLevel: e.LOG_LEVEL,
  };
}
