import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';
import { REDIS_URL } from './helpers/harness.js';

const run = promisify(execFile);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: unknown;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  container_name?: string;
  ports?: string[];
  restart?: string;
}

/** docker-compose.yml as Compose reads it: `<<` merges, `${VAR:-default}` from `vars`, `$$` a `$`. */
function compose(vars: Record<string, string> = {}): Record<string, Service> {
  const text = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
  const interpolate = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$\$/g, (all, name?: string, fallback?: string) =>
        all === '$$' ? '$' : (vars[name as string] ?? fallback ?? ''),
      );
    }
    if (Array.isArray(value)) return value.map(interpolate);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
    }
    return value;
  };
  return (interpolate(parse(text, { merge: true })) as { services: Record<string, Service> }).services;
}

/** A service of the file, which must be there. */
function svc(all: Record<string, Service>, name: string): Service {
  const s = all[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

const SERVICES = ['redis', 'bot', 'worker', 'http'];
const REELAY = ['bot', 'worker', 'http'];
const PROVIDER_KEY = { RUNWARE_API_KEY: 'rw-key' };
const TOKENS = { DISCORD_TOKEN: 'dc-token', TELEGRAM_BOT_TOKEN: '123:tg-token' };

/** Compose durations: `45s`, `1m30s`, `2m`. */
const seconds = (d: string): number => {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || d === '') throw new Error(`not a duration: ${d}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
};

/** The bot service's command, run as the container would, printing the roles it would start with. */
async function botRoles(env: Record<string, string>): Promise<{ roles: string; stderr: string }> {
  const command = svc(compose(), 'bot').command as string[];
  expect(command.slice(0, 2)).toEqual(['sh', '-c']);
  expect(command.slice(-2)).toEqual(['node', 'dist/src/main.js']);
  const [, , script, name] = command;
  const { stdout, stderr } = await run(
    'sh',
    ['-c', script as string, name as string, 'sh', '-c', 'printf %s "$REELAY_ROLES"'],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } },
  );
  return { roles: stdout, stderr };
}

describe('docker-compose.yml', () => {
  const all = compose();
  const at = (name: string): Service => svc(all, name);

  it('runs redis, bot, worker and http, the three from one image', () => {
    expect(Object.keys(all).sort()).toEqual([...SERVICES].sort());
    const images = new Set(REELAY.map((s) => at(s).image));
    expect([...images]).toEqual(['reelay:local']);
    expect(new Set(REELAY.map((s) => JSON.stringify(at(s).build)))).toEqual(new Set(['"."']));
    expect(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')).toMatch(
      /^CMD \["node", "dist\/src\/main\.js"\]$/m,
    );
  });

  it('gives every service a healthcheck and a stop grace period longer than the 30 s drain', () => {
    for (const name of SERVICES) {
      const s = at(name);
      expect(s.healthcheck?.test, name).toBeInstanceOf(Array);
      expect(s.healthcheck?.test[0], name).toBe('CMD');
      expect(seconds(s.stop_grace_period ?? ''), name).toBeGreaterThanOrEqual(35);
    }
    expect(at('http').healthcheck?.test.join(' ')).toContain('/healthz');
  });

  it('drives every Reelay service from .env, waiting for a healthy Redis', () => {
    for (const name of REELAY) {
      expect(at(name).env_file, name).toEqual([{ path: '.env', required: false }]);
      expect(at(name).depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(at(name).environment?.REDIS_URL, name).toBe('redis://redis:6379');
    }
  });

  it('lets the workers scale: no container name, no host port', () => {
    for (const name of SERVICES) expect(at(name).container_name, name).toBeUndefined();
    expect(at('worker').ports).toBeUndefined();
    expect(at('bot').ports).toBeUndefined();
  });

  it('keeps Redis durable and never evicting, with a settable maxmemory', () => {
    const command = at('redis').command as string[];
    const flag = (name: string) => command[command.indexOf(name) + 1];
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--maxmemory')).toBe('0');
    const limited = svc(compose({ REDIS_MAXMEMORY: '1gb' }), 'redis').command as string[];
    expect(limited[limited.indexOf('--maxmemory') + 1]).toBe('1gb');
  });

  it('starts worker and http with roles the config accepts', () => {
    for (const [name, roles] of [
      ['worker', ['worker']],
      ['http', ['http']],
    ] as const) {
      const env = { ...PROVIDER_KEY, ...TOKENS, ...at(name).environment };
      expect(loadConfig(env).roles, name).toEqual(roles);
      // The quick start: nothing but a provider key in .env.
      expect(loadConfig({ ...PROVIDER_KEY, ...at(name).environment }).roles, name).toEqual(roles);
    }
  });

  it('starts the bot with the platforms that have a token, and a config that accepts them', async () => {
    const cases: [Record<string, string>, string][] = [
      [TOKENS, 'discord,telegram'],
      [{ DISCORD_TOKEN: TOKENS.DISCORD_TOKEN }, 'discord'],
      [{ TELEGRAM_BOT_TOKEN: TOKENS.TELEGRAM_BOT_TOKEN }, 'telegram'],
      // Telegram by webhook: the route is served by this process's http role.
      [
        {
          ...TOKENS,
          PUBLIC_URL: 'https://reelay.example.org',
          WEBHOOK_SECRET: 'a-secret-of-32-characters-or-so',
        },
        'discord,telegram,http',
      ],
      [{ ...TOKENS, BOT_ROLES: 'telegram' }, 'telegram'],
    ];
    for (const [vars, expected] of cases) {
      const env = { ...PROVIDER_KEY, ...vars, ...at('bot').environment };
      const { roles } = await botRoles(env);
      expect(roles, expected).toBe(expected);
      expect(loadConfig({ ...env, REELAY_ROLES: roles }).roles.join(','), expected).toBe(expected);
    }
  });

  it('with no platform token (the quick start with provider keys only), the bot exits 0 and says why', async () => {
    const { roles, stderr } = await botRoles({ ...PROVIDER_KEY, ...at('bot').environment });
    expect(roles).toBe('');
    expect(stderr).toMatch(/no DISCORD_TOKEN or TELEGRAM_BOT_TOKEN/);
    expect(at('bot').restart).toBe('on-failure');
  });

  it('http is healthy when /healthz answers 200, and not otherwise', async () => {
    const [kind, node, flag, script] = at('http').healthcheck?.test ?? [];
    expect([kind, node, flag]).toEqual(['CMD', 'node', '-e']);
    let status = 200;
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as AddressInfo).port);
    const check = () =>
      run(node as string, [flag as string, script as string], {
        env: { PATH: process.env.PATH ?? '', HTTP_PORT: port },
        timeout: 10_000,
      });
    try {
      await expect(check()).resolves.toBeDefined();
      status = 503;
      await expect(check()).rejects.toThrow();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("bot and worker are healthy when Redis answers, and not when it doesn't", async () => {
    for (const name of ['bot', 'worker']) {
      const [kind, node, flag, script] = at(name).healthcheck?.test ?? [];
      expect([kind, node, flag]).toEqual(['CMD', 'node', '-e']);
      const check = (url: string) =>
        run(node as string, [flag as string, script as string], {
          env: { PATH: process.env.PATH ?? '', REDIS_URL: url },
          timeout: 10_000,
        });
      await expect(check(REDIS_URL), name).resolves.toBeDefined();
      await expect(check('redis://127.0.0.1:1'), name).rejects.toThrow();
    }
  });
});
