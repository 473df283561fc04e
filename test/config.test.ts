import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** The smallest environment that starts: one provider key, so the default `worker` role has one. */
const BASE = { RUNNINGHUB_API_KEY: 'rh-key' };

/** The problem lines of a configuration that must fail; fails the test if it loads. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

/** The problem lines that name `variable` (each line starts with the name). */
const about = (problems: string[], variable: string): string[] =>
  problems.filter((p) => p.startsWith(`${variable}:`));

describe('transcoding settings', () => {
  it('reads where ffmpeg is, how many transcodes run at once, for how long, and the Telegram upload limit', () => {
    const c = loadConfig({
      ...BASE,
      FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg',
      FFPROBE_PATH: '/opt/ffmpeg/bin/ffprobe',
      TRANSCODE_CONCURRENCY: '3',
      TRANSCODE_TIMEOUT_S: '120',
      TELEGRAM_MAX_UPLOAD_MB: '2000',
    });
    expect(c.transcode).toEqual({
      ffmpegPath: '/opt/ffmpeg/bin/ffmpeg',
      ffprobePath: '/opt/ffmpeg/bin/ffprobe',
      concurrency: 3,
      timeoutMs: 120_000,
    });
    expect(c.telegramMaxUploadBytes).toBe(2000 * 1024 * 1024);
    expect(about(problemsOf({ ...BASE, TRANSCODE_CONCURRENCY: '0' }), 'TRANSCODE_CONCURRENCY')).toHaveLength(
      1,
    );
    expect(about(problemsOf({ ...BASE, TRANSCODE_TIMEOUT_S: '5' }), 'TRANSCODE_TIMEOUT_S')).toHaveLength(1);
    expect(
      about(problemsOf({ ...BASE, TELEGRAM_MAX_UPLOAD_MB: 'big' }), 'TELEGRAM_MAX_UPLOAD_MB'),
    ).toHaveLength(1);
  });
});

describe('loadConfig defaults', () => {
  it('fills every documented default from an environment with only a provider key', () => {
    expect(loadConfig(BASE)).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      roles: ['worker', 'http'],
      platforms: {
        discord: { token: undefined, apiUrl: 'https://discord.com/api', allowed: [] },
        telegram: { token: undefined, apiUrl: 'https://api.telegram.org', allowed: [] },
      },
      providers: {
        runninghub: { apiKey: 'rh-key', apiUrl: 'https://www.runninghub.ai' },
        runware: { apiKey: undefined, apiUrl: 'https://api.runware.ai/v1' },
      },
      publicUrl: undefined,
      httpPort: 8080,
      pollIntervalMs: 5000,
      quotaDailyVideos: 5,
      quotaDailyCredits: undefined,
      spendCapDailyCredits: undefined,
      userMaxInFlight: 2,
      userCooldownS: 0,
      access: { allowPrivate: true, operators: [] },
      blockedWordsFile: undefined,
      transcode: { timeoutMs: 600_000 },
      media: { allowHosts: [], allowPrivate: false, imageMaxPixels: 50_000_000 },
      telegramMaxUploadBytes: 50 * 1024 * 1024,
      jobDeadlineMs: 30 * 60_000,
      workerConcurrency: 50,
      workerMemoryBudgetBytes: 512 * 1024 * 1024,
      queuePrefix: 'reelay',
      logLevel: 'info',
    });
  });

  it('accepts a Runware key alone as the provider key', () => {
    const config = loadConfig({ RUNWARE_API_KEY: 'rw-key' });
    expect(config.providers.runware?.apiKey).toBe('rw-key');
    expect(config.providers.runninghub?.apiKey).toBeUndefined();
  });

  it('defaults the roles to every platform with a token, plus worker and http', () => {
    expect(loadConfig({ ...BASE, DISCORD_TOKEN: 'd' }).roles).toEqual(['discord', 'worker', 'http']);
    expect(loadConfig({ ...BASE, TELEGRAM_BOT_TOKEN: 't' }).roles).toEqual(['telegram', 'worker', 'http']);
    expect(loadConfig({ ...BASE, DISCORD_TOKEN: 'd', TELEGRAM_BOT_TOKEN: 't' }).roles).toEqual([
      'discord',
      'telegram',
      'worker',
      'http',
    ]);
  });

  it('takes REELAY_ROLES as given, trimmed and without repeats', () => {
    expect(loadConfig({ REELAY_ROLES: ' http , http,' }).roles).toEqual(['http']);
    expect(loadConfig({ ...BASE, REELAY_ROLES: 'worker' }).roles).toEqual(['worker']);
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://user:pw@redis.example:6380/2',
      REELAY_ROLES: 'discord,telegram,worker,http',
      DISCORD_TOKEN: 'd',
      DISCORD_API_URL: 'http://127.0.0.1:9001/api',
      TELEGRAM_BOT_TOKEN: 't',
      TELEGRAM_API_URL: 'http://127.0.0.1:9002',
      RUNNINGHUB_API_KEY: 'rh',
      RUNNINGHUB_API_URL: 'http://127.0.0.1:9003',
      RUNWARE_API_KEY: 'rw',
      RUNWARE_API_URL: 'http://127.0.0.1:9004/v1',
      PUBLIC_URL: 'https://reelay.example',
      WEBHOOK_SECRET: 'a-webhook-secret-of-length',
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'dashboard-password',
      HTTP_PORT: '9090',
      POLL_INTERVAL_MS: '250',
      QUOTA_DAILY_VIDEOS: '0',
      QUOTA_DAILY_CREDITS: '1000',
      SPEND_CAP_DAILY_CREDITS: '50000',
      USER_MAX_IN_FLIGHT: '3',
      USER_COOLDOWN_S: '30',
      ALLOW_PRIVATE_CHATS: 'false',
      REELAY_OPERATORS: 'discord:1,telegram:2',
      ALLOWED_DISCORD_GUILDS: '10',
      ALLOWED_TELEGRAM_CHATS: '-20',
      BLOCKED_WORDS_FILE: '/etc/reelay/words.txt',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://user:pw@redis.example:6380/2',
      roles: ['discord', 'telegram', 'worker', 'http'],
      platforms: {
        discord: { token: 'd', apiUrl: 'http://127.0.0.1:9001/api', allowed: ['10'] },
        telegram: { token: 't', apiUrl: 'http://127.0.0.1:9002', allowed: ['-20'] },
      },
      providers: {
        runninghub: { apiKey: 'rh', apiUrl: 'http://127.0.0.1:9003' },
        runware: { apiKey: 'rw', apiUrl: 'http://127.0.0.1:9004/v1' },
      },
      publicUrl: 'https://reelay.example',
      webhookSecret: 'a-webhook-secret-of-length',
      dashboard: { user: 'ops', password: 'dashboard-password' },
      httpPort: 9090,
      pollIntervalMs: 250,
      quotaDailyVideos: 0,
      quotaDailyCredits: 1000,
      spendCapDailyCredits: 50000,
      userMaxInFlight: 3,
      userCooldownS: 30,
      access: { allowPrivate: false, operators: ['discord:1', 'telegram:2'] },
      blockedWordsFile: '/etc/reelay/words.txt',
      logLevel: 'debug',
    });
  });

  it('counts empty strings as unset', () => {
    const config = loadConfig({
      ...BASE,
      REDIS_URL: '',
      REELAY_ROLES: '',
      DISCORD_TOKEN: '',
      TELEGRAM_BOT_TOKEN: '',
      RUNWARE_API_KEY: '',
      DISCORD_API_URL: '',
      PUBLIC_URL: '',
      WEBHOOK_SECRET: '',
      DASHBOARD_USER: '',
      DASHBOARD_PASSWORD: '',
      HTTP_PORT: '',
      POLL_INTERVAL_MS: '',
      QUOTA_DAILY_VIDEOS: '',
      QUOTA_DAILY_CREDITS: '',
      SPEND_CAP_DAILY_CREDITS: '',
      USER_MAX_IN_FLIGHT: '',
      USER_COOLDOWN_S: '',
      ALLOW_PRIVATE_CHATS: '',
      REELAY_OPERATORS: '',
      ALLOWED_DISCORD_GUILDS: '',
      ALLOWED_TELEGRAM_CHATS: '',
      BLOCKED_WORDS_FILE: '',
      LOG_LEVEL: '',
    });
    expect(config).toEqual(loadConfig(BASE));
  });

  it('counts an empty provider key as missing', () => {
    const problems = problemsOf({ RUNNINGHUB_API_KEY: '', RUNWARE_API_KEY: '' });
    expect(about(problems, 'RUNNINGHUB_API_KEY')).toHaveLength(1);
  });

  it('strips trailing slashes from URLs', () => {
    const config = loadConfig({
      ...BASE,
      DISCORD_API_URL: 'http://127.0.0.1:9001/api/',
      TELEGRAM_API_URL: 'http://127.0.0.1:9002//',
      RUNNINGHUB_API_URL: 'https://www.runninghub.cn/',
      RUNWARE_API_URL: 'https://api.runware.ai/v1/',
      PUBLIC_URL: 'https://reelay.example/hooks/',
      WEBHOOK_SECRET: 'a-webhook-secret-of-length',
    });
    expect(config.platforms.discord?.apiUrl).toBe('http://127.0.0.1:9001/api');
    expect(config.platforms.telegram?.apiUrl).toBe('http://127.0.0.1:9002');
    expect(config.providers.runninghub?.apiUrl).toBe('https://www.runninghub.cn');
    expect(config.providers.runware?.apiUrl).toBe('https://api.runware.ai/v1');
    expect(config.publicUrl).toBe('https://reelay.example/hooks');
  });

  it('reads only the environment it is given, never process.env', () => {
    vi.stubEnv('HTTP_PORT', 'not-a-port');
    vi.stubEnv('REELAY_ROLES', 'bogus');
    try {
      const env = { ...BASE };
      const config = loadConfig(env);
      expect(config.httpPort).toBe(8080);
      expect(config.roles).toEqual(['worker', 'http']);
      expect(env).toEqual(BASE);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('loadConfig: credits and ceilings', () => {
  it('leaves QUOTA_DAILY_CREDITS and SPEND_CAP_DAILY_CREDITS unset by default', () => {
    const config = loadConfig(BASE);
    expect(config.quotaDailyCredits).toBeUndefined();
    expect(config.spendCapDailyCredits).toBeUndefined();
    expect(config.quotaDailyVideos).toBe(5);
  });

  it('reads QUOTA_DAILY_CREDITS beside QUOTA_DAILY_VIDEOS, 0 included', () => {
    expect(loadConfig({ ...BASE, QUOTA_DAILY_CREDITS: '1400' })).toMatchObject({
      quotaDailyCredits: 1400,
      quotaDailyVideos: 5,
    });
    expect(loadConfig({ ...BASE, QUOTA_DAILY_CREDITS: '0' }).quotaDailyCredits).toBe(0);
    expect(loadConfig({ ...BASE, QUOTA_DAILY_CREDITS: '1000000000' }).quotaDailyCredits).toBe(1_000_000_000);
  });

  it('reads SPEND_CAP_DAILY_CREDITS, 0 included', () => {
    expect(loadConfig({ ...BASE, SPEND_CAP_DAILY_CREDITS: '250000' }).spendCapDailyCredits).toBe(250_000);
    expect(loadConfig({ ...BASE, SPEND_CAP_DAILY_CREDITS: '0' }).spendCapDailyCredits).toBe(0);
  });

  it('defaults USER_MAX_IN_FLIGHT to 2 and USER_COOLDOWN_S to 0, and reads them', () => {
    expect(loadConfig(BASE)).toMatchObject({ userMaxInFlight: 2, userCooldownS: 0 });
    expect(loadConfig({ ...BASE, USER_MAX_IN_FLIGHT: '1', USER_COOLDOWN_S: '86400' })).toMatchObject({
      userMaxInFlight: 1,
      userCooldownS: 86_400,
    });
  });
});

describe('loadConfig: access', () => {
  it('allows private chats by default', () => {
    expect(loadConfig(BASE).access.allowPrivate).toBe(true);
  });

  it.each([
    ['false', false],
    ['no', false],
    ['0', false],
    ['off', false],
    [' FALSE ', false],
    ['No', false],
    ['true', true],
    ['yes', true],
    ['1', true],
    ['ON', true],
  ])('reads ALLOW_PRIVATE_CHATS=%j as %s', (value, expected) => {
    expect(loadConfig({ ...BASE, ALLOW_PRIVATE_CHATS: value }).access.allowPrivate).toBe(expected);
  });

  it('reads REELAY_OPERATORS as platform:userId items, trimmed, empty items ignored', () => {
    expect(
      loadConfig({ ...BASE, REELAY_OPERATORS: ' discord:123456789012345678 , telegram:42,,' }).access
        .operators,
    ).toEqual(['discord:123456789012345678', 'telegram:42']);
    expect(loadConfig(BASE).access.operators).toEqual([]);
  });

  it('names REELAY_OPERATORS once for several bad items, without the value', () => {
    const problems = problemsOf({ ...BASE, REELAY_OPERATORS: 'discord:1,slack:secret-99,telegram:x' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^REELAY_OPERATORS: expected a comma list of discord:<user id> or telegram:<user id>/,
    );
    expect(problems[0]).not.toContain('secret-99');
  });

  it('reads ALLOWED_DISCORD_GUILDS and ALLOWED_TELEGRAM_CHATS as lists of ids, per platform', () => {
    const config = loadConfig({
      ...BASE,
      ALLOWED_DISCORD_GUILDS: '123456789012345678, 223456789012345678',
      ALLOWED_TELEGRAM_CHATS: '-1001234567890,-4567 , 42,',
    });
    expect(config.platforms.discord?.allowed).toEqual(['123456789012345678', '223456789012345678']);
    expect(config.platforms.telegram?.allowed).toEqual(['-1001234567890', '-4567', '42']);
  });

  it('keeps ids as strings, so snowflakes past 2^53 are exact', () => {
    const config = loadConfig({ ...BASE, ALLOWED_DISCORD_GUILDS: '9007199254740993' });
    expect(config.platforms.discord?.allowed).toEqual(['9007199254740993']);
  });

  it('defaults each allowed list to empty: every community', () => {
    const config = loadConfig(BASE);
    expect(config.platforms.discord?.allowed).toEqual([]);
    expect(config.platforms.telegram?.allowed).toEqual([]);
  });

  it('names each bad allowed list on its own line', () => {
    const problems = problemsOf({
      ...BASE,
      ALLOWED_DISCORD_GUILDS: '1,two',
      ALLOWED_TELEGRAM_CHATS: '-1001,@group',
    });
    expect(about(problems, 'ALLOWED_DISCORD_GUILDS')).toEqual([
      'ALLOWED_DISCORD_GUILDS: expected a comma list of numeric ids',
    ]);
    expect(about(problems, 'ALLOWED_TELEGRAM_CHATS')).toHaveLength(1);
    expect(problems).toHaveLength(2);
  });
});

describe('loadConfig: WORKER_MEMORY_BUDGET_MB', () => {
  it('is read in MB, from 16 to 65536, as bytes', () => {
    expect(loadConfig({ ...BASE, WORKER_MEMORY_BUDGET_MB: '16' }).workerMemoryBudgetBytes).toBe(
      16 * 1024 * 1024,
    );
    expect(loadConfig({ ...BASE, WORKER_MEMORY_BUDGET_MB: '65536' }).workerMemoryBudgetBytes).toBe(2 ** 36);
  });
});

describe('loadConfig: BLOCKED_WORDS_FILE', () => {
  it('is unset by default and kept as given (read at start, not here)', () => {
    expect(loadConfig(BASE).blockedWordsFile).toBeUndefined();
    expect(loadConfig({ ...BASE, BLOCKED_WORDS_FILE: './does/not/exist.txt' }).blockedWordsFile).toBe(
      './does/not/exist.txt',
    );
  });
});

describe('loadConfig: PRICES_FILE', () => {
  it('is unset by default and kept as given (read and checked at start, not here)', () => {
    expect(loadConfig(BASE).pricesFile).toBeUndefined();
    expect(loadConfig({ ...BASE, PRICES_FILE: '' }).pricesFile).toBeUndefined();
    expect(loadConfig({ ...BASE, PRICES_FILE: '/etc/reelay/prices.json' }).pricesFile).toBe(
      '/etc/reelay/prices.json',
    );
  });
});

describe('loadConfig errors', () => {
  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', '127.0.0.1:6379'],
    ['HTTP_PORT', '0'],
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', 'abc'],
    ['HTTP_PORT', '80.5'],
    ['POLL_INTERVAL_MS', '10'],
    ['POLL_INTERVAL_MS', 'soon'],
    ['QUOTA_DAILY_VIDEOS', '-1'],
    ['QUOTA_DAILY_CREDITS', '-1'],
    ['QUOTA_DAILY_CREDITS', '12.5'],
    ['QUOTA_DAILY_CREDITS', 'lots'],
    ['QUOTA_DAILY_CREDITS', '1000000001'],
    ['SPEND_CAP_DAILY_CREDITS', '-100'],
    ['SPEND_CAP_DAILY_CREDITS', '1e6'],
    ['USER_MAX_IN_FLIGHT', '0'],
    ['USER_MAX_IN_FLIGHT', '1001'],
    ['USER_COOLDOWN_S', '-1'],
    ['USER_COOLDOWN_S', '86401'],
    ['ALLOW_PRIVATE_CHATS', 'maybe'],
    ['REELAY_OPERATORS', 'discord'],
    ['REELAY_OPERATORS', 'discord:'],
    ['REELAY_OPERATORS', 'discord:abc'],
    ['REELAY_OPERATORS', 'slack:123'],
    ['REELAY_OPERATORS', 'discord:1:2'],
    ['REELAY_OPERATORS', 'discord:-5'],
    ['REELAY_OPERATORS', 'discord:1,12345'],
    ['ALLOWED_DISCORD_GUILDS', 'my-guild'],
    ['ALLOWED_DISCORD_GUILDS', '111,22x'],
    ['ALLOWED_TELEGRAM_CHATS', '-100abc'],
    ['ALLOWED_TELEGRAM_CHATS', '--1001'],
    ['LOG_LEVEL', 'loud'],
    ['REELAY_ROLES', 'worker,bogus'],
    ['REELAY_ROLES', ','],
    ['RUNNINGHUB_API_URL', 'ftp://x'],
    ['RUNWARE_API_URL', 'api.runware.ai'],
    ['DISCORD_API_URL', 'discord'],
    ['TELEGRAM_API_URL', 'ws://127.0.0.1'],
    ['PUBLIC_URL', 'not a url'],
    ['WORKER_MEMORY_BUDGET_MB', '15'],
    ['WORKER_MEMORY_BUDGET_MB', '65537'],
    ['WORKER_MEMORY_BUDGET_MB', '0.5'],
  ])('%s=%j is one problem naming the variable', (variable, value) => {
    const problems = problemsOf({ ...BASE, [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: \\S`));
  });

  it('lists several bad variables at once, one line each', () => {
    const problems = problemsOf({
      ...BASE,
      REDIS_URL: 'http://x',
      HTTP_PORT: '70000',
      POLL_INTERVAL_MS: 'often',
      QUOTA_DAILY_VIDEOS: '-1',
      LOG_LEVEL: 'loud',
      REELAY_ROLES: 'worker,bogus',
      RUNNINGHUB_API_URL: 'ftp://x',
      PUBLIC_URL: 'not a url',
    });
    const names = [
      'REDIS_URL',
      'HTTP_PORT',
      'POLL_INTERVAL_MS',
      'QUOTA_DAILY_VIDEOS',
      'LOG_LEVEL',
      'REELAY_ROLES',
      'RUNNINGHUB_API_URL',
      'PUBLIC_URL',
    ];
    for (const name of names) expect(about(problems, name), name).toHaveLength(1);
    expect(problems).toHaveLength(names.length);
    for (const line of problems) expect(line).not.toContain('\n');
  });

  it('puts every problem in the message, one per line', () => {
    try {
      loadConfig({ ...BASE, HTTP_PORT: 'abc', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const error = e as ConfigError;
      expect(error.name).toBe('ConfigError');
      expect(error.message.split('\n').slice(1)).toEqual(error.problems.map((p) => `  ${p}`));
    }
  });

  it('requires a provider key for the worker role, naming RUNNINGHUB_API_KEY', () => {
    const problems = problemsOf({});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^RUNNINGHUB_API_KEY: /);
    expect(problems[0]).toContain('RUNWARE_API_KEY');
    expect(problemsOf({ REELAY_ROLES: 'worker' })).toEqual(problems);
  });

  it('needs no provider key without the worker role', () => {
    expect(loadConfig({ REELAY_ROLES: 'http' }).roles).toEqual(['http']);
  });

  it('requires DISCORD_TOKEN for the discord role', () => {
    const problems = problemsOf({ ...BASE, REELAY_ROLES: 'discord' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DISCORD_TOKEN: /);
    expect(problemsOf({ ...BASE, REELAY_ROLES: 'discord,worker', DISCORD_TOKEN: '' })).toEqual(problems);
  });

  it('requires TELEGRAM_BOT_TOKEN for the telegram role', () => {
    const problems = problemsOf({ ...BASE, REELAY_ROLES: 'telegram' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TELEGRAM_BOT_TOKEN: /);
  });

  it('with PUBLIC_URL, the telegram role needs the http role beside it (webhook mode)', () => {
    const env = {
      ...BASE,
      TELEGRAM_BOT_TOKEN: '1:abcdef',
      PUBLIC_URL: 'https://bot.example.org',
      WEBHOOK_SECRET: 'a-webhook-secret-of-length',
    };
    expect(about(problemsOf({ ...env, REELAY_ROLES: 'telegram,worker' }), 'REELAY_ROLES')).toHaveLength(1);
    expect(loadConfig({ ...env, REELAY_ROLES: 'telegram,http' }).roles).toEqual(['telegram', 'http']);
    expect(loadConfig({ ...env, PUBLIC_URL: '', REELAY_ROLES: 'telegram' }).roles).toEqual(['telegram']);
  });

  it('with PUBLIC_URL, the worker and http roles need WEBHOOK_SECRET (signed completion hints)', () => {
    const env = { ...BASE, PUBLIC_URL: 'https://reelay.example.org' };
    for (const roles of ['worker', 'http', 'worker,http']) {
      expect(about(problemsOf({ ...env, REELAY_ROLES: roles }), 'WEBHOOK_SECRET')).toHaveLength(1);
    }
    expect(about(problemsOf({ ...env, WEBHOOK_SECRET: 'too-short' }), 'WEBHOOK_SECRET')).toHaveLength(1);
    expect(loadConfig({ ...env, WEBHOOK_SECRET: 'a-webhook-secret-of-length' }).webhookSecret).toBe(
      'a-webhook-secret-of-length',
    );
    expect(loadConfig(BASE).webhookSecret).toBeUndefined();
  });

  it('METRICS_PORT is optional', () => {
    expect(loadConfig(BASE).metricsPort).toBeUndefined();
    expect(loadConfig({ ...BASE, METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(about(problemsOf({ ...BASE, METRICS_PORT: '0' }), 'METRICS_PORT')).toHaveLength(1);
  });

  it('the queue dashboard needs both DASHBOARD_USER and DASHBOARD_PASSWORD', () => {
    expect(about(problemsOf({ ...BASE, DASHBOARD_USER: 'ops' }), 'DASHBOARD_PASSWORD')).toHaveLength(1);
    expect(about(problemsOf({ ...BASE, DASHBOARD_PASSWORD: 'pw' }), 'DASHBOARD_PASSWORD')).toHaveLength(1);
    expect(loadConfig(BASE).dashboard).toBeUndefined();
    expect(loadConfig({ ...BASE, DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw' }).dashboard).toEqual({
      user: 'ops',
      password: 'pw',
    });
  });

  it('lists every missing token of the chosen roles together', () => {
    const problems = problemsOf({ REELAY_ROLES: 'discord,telegram,worker' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'DISCORD_TOKEN',
      'TELEGRAM_BOT_TOKEN',
      'RUNNINGHUB_API_KEY',
    ]);
  });

  it('never puts a value in a problem line: values may be secrets', () => {
    const secrets = {
      DISCORD_TOKEN: 'secret-token-123',
      TELEGRAM_BOT_TOKEN: 'secret-telegram-456',
      RUNNINGHUB_API_KEY: 'secret-rh-789',
      RUNWARE_API_KEY: 'secret-rw-000',
    };
    const problems = problemsOf({
      ...secrets,
      REDIS_URL: 'http://:secret-redis-pw@127.0.0.1:6379',
      RUNNINGHUB_API_URL: 'ftp://secret-host-path',
      HTTP_PORT: 'abc',
      LOG_LEVEL: 'secret-level',
    });
    expect(problems.length).toBeGreaterThanOrEqual(4);
    for (const line of problems) {
      for (const secret of [
        ...Object.values(secrets),
        'secret-redis-pw',
        'secret-host-path',
        'secret-level',
      ]) {
        expect(line).not.toContain(secret);
      }
    }
  });

  it('never puts a token in the message of a role problem', () => {
    try {
      loadConfig({ REELAY_ROLES: 'discord,worker', TELEGRAM_BOT_TOKEN: 'secret-token-123' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).message).not.toContain('secret-token-123');
    }
  });

  it('reports a bad value and a missing token or key in one go', () => {
    expect(problemsOf({ REELAY_ROLES: 'discord,worker', HTTP_PORT: '0' })).toEqual([
      'HTTP_PORT: expected a whole number from 1 to 65535',
      'DISCORD_TOKEN: required when REELAY_ROLES includes discord',
      'RUNNINGHUB_API_KEY: a worker needs a provider key: RUNNINGHUB_API_KEY or RUNWARE_API_KEY',
    ]);
  });
});

describe('loadConfig: Discord shards', () => {
  it('reads DISCORD_SHARDS=auto, and a count with this process’s ids (a count alone: every shard); unset or empty: one shard', () => {
    expect(loadConfig(BASE).discordShards).toBeUndefined();
    const empty = { DISCORD_SHARDS: '', DISCORD_SHARD_COUNT: '', DISCORD_SHARD_IDS: '' };
    expect(loadConfig({ ...BASE, ...empty }).discordShards).toBeUndefined();
    expect(loadConfig({ ...BASE, DISCORD_SHARDS: ' Auto ' }).discordShards).toEqual({ mode: 'auto' });
    const split = { ...BASE, DISCORD_SHARD_COUNT: '4', DISCORD_SHARD_IDS: ' 3, 1 ,' };
    expect(loadConfig(split).discordShards).toEqual({ mode: 'fixed', count: 4, ids: [1, 3] });
    expect(loadConfig({ ...BASE, DISCORD_SHARD_COUNT: '3' }).discordShards).toEqual({
      mode: 'fixed',
      count: 3,
      ids: [0, 1, 2],
    });
  });

  it('names each bad shard setting, with what to do', () => {
    const bad = (env: Record<string, string>, variable: string) =>
      about(problemsOf({ ...BASE, ...env }), variable);
    expect(bad({ DISCORD_SHARDS: '2' }, 'DISCORD_SHARDS')).toEqual([
      'DISCORD_SHARDS: expected auto (as many shards as Discord recommends), or unset for one shard',
    ]);
    expect(bad({ DISCORD_SHARD_COUNT: '0' }, 'DISCORD_SHARD_COUNT')).toHaveLength(1);
    expect(bad({ DISCORD_SHARD_COUNT: 'two' }, 'DISCORD_SHARD_COUNT')).toHaveLength(1);
    expect(bad({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '0,x' }, 'DISCORD_SHARD_IDS')).toHaveLength(1);
    expect(bad({ DISCORD_SHARD_IDS: '0,1' }, 'DISCORD_SHARD_IDS')[0]).toMatch(/needs DISCORD_SHARD_COUNT/);
    expect(bad({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '1,2' }, 'DISCORD_SHARD_IDS')[0]).toMatch(
      /shard 2 is out of range: with DISCORD_SHARD_COUNT=2 ids run from 0 to 1/,
    );
    expect(bad({ DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '1,1' }, 'DISCORD_SHARD_IDS')[0]).toMatch(
      /listed twice/,
    );
    expect(bad({ DISCORD_SHARDS: 'auto', DISCORD_SHARD_COUNT: '2' }, 'DISCORD_SHARDS')[0]).toMatch(
      /leave DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS unset/,
    );
    expect(bad({ DISCORD_SHARDS: 'auto', DISCORD_SHARD_IDS: '0' }, 'DISCORD_SHARDS')).toHaveLength(1);
  });
});
