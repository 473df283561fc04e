import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { createApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { UserError } from './core/errors.js';
import { messageFor } from './core/messages.js';
import type { GenerationRequest, ImageRef } from './core/request.js';
import type { GenerateProgress } from './jobs/generate.js';
import { createFileImageSource } from './jobs/media.js';
import { deliverJobId, settleWithin } from './jobs/queues.js';
import { createLogger } from './log.js';

const USAGE = `usage: reelay generate --model <id> --prompt "…" --out clip.mp4
         [--first-frame a.png] [--last-frame b.png] [--reference r1.png --reference r2.png …]
         [--reference-video v.mp4] [--duration 10] [--aspect-ratio 9:16] [--mode std|pro]
         [--negative-prompt "…"] [--cfg-scale 0.5] [--sound]
       reelay register-commands [--guild <server id>]
generate: one clip. Images may be local paths or http(s) URLs. Uses the same environment as the
service (REDIS_URL, RUNNINGHUB_API_KEY, RUNWARE_API_KEY, …); does not count against user quotas.
register-commands: replaces the Discord bot's slash commands with those built from the model
catalog: everywhere, or in one server with --guild (shown there at once, for testing). Uses
DISCORD_TOKEN and DISCORD_API_URL.`;

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export interface CliOptions {
  /** BullMQ worker overrides (tests). */
  workerOptions?: Partial<WorkerOptions>;
  /** How often progress is checked, ms. */
  progressEveryMs?: number;
}

/** A failure the admin reads as one line; `code` is the exit status. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

async function imageRef(value: string, flag: string): Promise<ImageRef> {
  if (isUrl(value)) {
    if (!URL.canParse(value)) throw new CliError(`${flag}: not a valid URL: ${value}`, 2);
    return { source: { kind: 'url', url: value }, filename: basename(new URL(value).pathname) || 'image' };
  }
  const path = resolve(value);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`${flag}: no such file: ${value}`, 2);
  return { source: { kind: 'file', path }, filename: basename(path), size: info.size };
}

function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new CliError(`${flag}: expected a number, got "${value}"`, 2);
  return n;
}

/** Parses `generate` flags into a request and an output path. Pure apart from checking files exist. */
export async function parseGenerateArgs(
  args: string[],
): Promise<{ request: GenerationRequest; out: string }> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: false; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  const v = parsed.values;
  if (!v.model) throw new CliError(`--model is required\n${USAGE}`, 2);
  if (!v.out) throw new CliError(`--out is required\n${USAGE}`, 2);
  const request: GenerationRequest = { model: v.model };
  if (v.prompt !== undefined) request.prompt = v.prompt;
  if (v['negative-prompt'] !== undefined) request.negativePrompt = v['negative-prompt'];
  const duration = numberFlag(v.duration, '--duration');
  if (duration !== undefined) request.duration = duration;
  const cfg = numberFlag(v['cfg-scale'], '--cfg-scale');
  if (cfg !== undefined) request.cfgScale = cfg;
  if (v['aspect-ratio'] !== undefined) request.aspectRatio = v['aspect-ratio'];
  if (v.mode !== undefined) request.quality = v.mode;
  if (v.sound) request.sound = true;
  if (v['first-frame']) request.firstFrame = await imageRef(v['first-frame'], '--first-frame');
  if (v['last-frame']) request.lastFrame = await imageRef(v['last-frame'], '--last-frame');
  if (v.reference && v.reference.length > 0) {
    request.references = await Promise.all(v.reference.map((r) => imageRef(r, '--reference')));
  }
  if (v['reference-video'])
    request.referenceVideo = await imageRef(v['reference-video'], '--reference-video');
  return { request, out: resolve(v.out) };
}

const OPTIONS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'negative-prompt': { type: 'string' },
  duration: { type: 'string' },
  'aspect-ratio': { type: 'string' },
  mode: { type: 'string' },
  'cfg-scale': { type: 'string' },
  sound: { type: 'boolean' },
  'first-frame': { type: 'string' },
  'last-frame': { type: 'string' },
  reference: { type: 'string', multiple: true },
  'reference-video': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const describe = (p: GenerateProgress | undefined): string | undefined => {
  if (!p?.step) return undefined;
  if (p.step === 'prepare') return 'preparing inputs';
  if (p.step === 'submit') return 'submitting';
  if (p.step === 'poll')
    return `${p.phase === 'queued' ? 'queued at provider' : 'generating'}${p.percent === undefined ? '' : ` ${Math.round(p.percent)}%`}`;
  if (p.step === 'done') return 'downloading the clip';
  return undefined;
};

/** Whether Redis answers PING within a few seconds, asked on a connection that does not retry. */
async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Runs one `generate` through Redis with an in-process worker; resolves to the exit status. */
async function generate(config: Config, args: string[], io: CliIo, options: CliOptions): Promise<number> {
  const { request, out } = await parseGenerateArgs(args);
  // Ask once, without retrying, before building anything that would wait for Redis forever.
  if (!(await redisAnswers(config.redisUrl))) {
    throw new CliError(`cannot reach Redis at ${new URL(config.redisUrl).host} (REDIS_URL)`);
  }
  // A throwaway prefix: the service's own workers, if any share this Redis, never see this job
  // (it names local files only this process can read).
  const prefix = `${config.queuePrefix}-cli-${randomUUID().slice(0, 8)}`;
  const app = createApp({
    config: { ...config, queuePrefix: prefix },
    logger: createLogger('silent'),
    imageSources: { file: createFileImageSource() },
    ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
  });
  try {
    if (app.providers.size === 0)
      throw new CliError('no provider key: set RUNNINGHUB_API_KEY or RUNWARE_API_KEY');
    const accepted = await app.intake.submit(
      request,
      { platform: 'cli', userId: userInfo().username || 'admin' },
      { kind: 'file', path: out },
      { charge: false },
    );
    if (!accepted.ok) throw new CliError(messageFor(accepted.error), 2);
    const { jobId } = accepted.value;
    const valid = accepted.value.request;
    io.stderr(
      `${valid.model}: ${valid.mode}, ${valid.duration}s${valid.aspectRatio ? `, ${valid.aspectRatio}` : ''} (job ${jobId})`,
    );
    const workers = app.startWorkers();
    const interrupt = () =>
      void app.intake.cancel(jobId, { platform: 'cli', userId: userInfo().username || 'admin' });
    process.once('SIGINT', interrupt);
    try {
      let last: string | undefined;
      for (;;) {
        const job = await app.queues.generate.getJob(jobId);
        const state = await job?.getState();
        const line = describe(job?.progress as GenerateProgress | undefined);
        if (line && line !== last) io.stderr(line);
        last = line ?? last;
        if (state === 'failed') {
          const error = (job?.data as { state?: { error?: UserError } } | undefined)?.state?.error;
          throw new CliError(
            error ? messageFor(error) : `generation failed: ${job?.failedReason ?? 'unknown'}`,
          );
        }
        if (state === 'completed') {
          const delivery = await app.queues.deliver.getJob(deliverJobId(jobId));
          const dState = await delivery?.getState();
          if (dState === 'completed') break;
          if (dState === 'failed')
            throw new CliError(`could not write the clip: ${delivery?.failedReason ?? 'unknown'}`);
        }
        await new Promise((r) => setTimeout(r, options.progressEveryMs ?? 500));
      }
    } finally {
      process.off('SIGINT', interrupt);
      await workers.close();
    }
    const size = existsSync(out) ? (await stat(out)).size : 0;
    io.stdout(`wrote ${out} (${size} bytes)`);
    return 0;
  } finally {
    await settleWithin(
      Promise.allSettled([
        app.queues.generate.obliterate({ force: true }),
        app.queues.deliver.obliterate({ force: true }),
      ]),
      10_000,
    );
    await app.close();
  }
}

/** The configuration from `env`; a bad or missing variable is exit status 78 (EX_CONFIG). */
function cliConfig(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.problems.join('; '), 78);
    throw error;
  }
}

type DiscordJs = typeof import('discord.js');

/** A Discord REST failure as one line: who answered what, never the token. */
function describeDiscordFailure(
  error: unknown,
  apiUrl: string,
  { DiscordAPIError, HTTPError }: Pick<DiscordJs, 'DiscordAPIError' | 'HTTPError'>,
  guild: string | undefined,
): string {
  const path = (url: string) => (URL.canParse(url) ? new URL(url).pathname : url);
  if (error instanceof DiscordAPIError) {
    const hint =
      error.status === 401
        ? ': check DISCORD_TOKEN'
        : guild !== undefined && (error.status === 403 || error.status === 404)
          ? ' (is the bot in that server, invited with the applications.commands scope?)'
          : '';
    const words = error.message.split('\n').join('; ');
    // Discord's own words often start with the status ("401: Unauthorized"): say it once.
    const said = words.startsWith(String(error.status)) ? words : `${error.status} ${words}`;
    return `Discord refused ${error.method.toUpperCase()} ${path(error.url)}: ${said}${hint}`;
  }
  if (error instanceof HTTPError) {
    return `Discord answered ${error.status} ${error.message} to ${error.method.toUpperCase()} ${path(error.url)}; try again later`;
  }
  const reason =
    error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  return `cannot reach Discord at ${new URL(apiUrl).host} (DISCORD_API_URL): ${reason}`;
}

/**
 * `register-commands`: replaces the application's slash commands (bulk overwrite) with those built
 * from the catalog, globally or in one server. The application id comes from the token itself.
 */
async function registerCommands(
  env: Record<string, string | undefined>,
  args: string[],
  io: CliIo,
): Promise<number> {
  let guild: string | undefined;
  try {
    guild = parseArgs({ args, options: { guild: { type: 'string' } }, allowPositionals: false, strict: true })
      .values.guild;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (guild !== undefined && !/^\d{17,20}$/.test(guild)) {
    throw new CliError(`--guild: expected a server id (17 to 20 digits), got "${guild}"`, 2);
  }
  if ((env.DISCORD_TOKEN ?? '') === '') {
    throw new CliError('DISCORD_TOKEN is not set: register-commands needs the bot token', 78);
  }
  // Only the Discord settings matter here: no worker keys are needed to register commands.
  const config = cliConfig({ ...env, REELAY_ROLES: 'discord' });
  const token = config.discord.token ?? '';
  // Loaded here, not at the top: `generate` has no use for discord.js.
  const discord = await import('discord.js');
  const { REST, Routes } = discord;
  const { buildCommands } = await import('./bots/discord/commands.js');
  const rest = new REST({
    api: config.discord.apiUrl,
    retries: 2,
    timeout: 15_000,
    // A one-shot command: no sweeper timers left behind.
    handlerSweepInterval: 0,
    hashSweepInterval: 0,
  }).setToken(token);
  const scrub = (line: string) => (token === '' ? line : line.replaceAll(token, '[token]'));
  try {
    const app = (await rest.get(Routes.currentApplication())) as { id?: unknown; name?: unknown };
    if (typeof app.id !== 'string')
      throw new CliError('Discord did not say which application this token is for');
    const body = buildCommands();
    const route = guild ? Routes.applicationGuildCommands(app.id, guild) : Routes.applicationCommands(app.id);
    const registered = (await rest.put(route, { body })) as { id?: unknown; name?: unknown }[];
    const name = typeof app.name === 'string' ? `${app.name} (${app.id})` : app.id;
    io.stdout(
      `registered ${registered.length} commands for ${name} ${guild ? `in server ${guild}` : 'globally'}:`,
    );
    for (const c of registered) io.stdout(`  /${String(c.name)} (${String(c.id)})`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(scrub(describeDiscordFailure(error, config.discord.apiUrl, discord, guild)), 1);
  }
}

/** The `reelay` command line. Never throws: errors are one line on stderr and a non-zero status. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
  options: CliOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === 'help' || rest.includes('--help')) {
      io.stdout(USAGE);
      return command ? 0 : 2;
    }
    if (command === 'generate') return await generate(cliConfig(env), rest, io, options);
    if (command === 'register-commands') return await registerCommands(env, rest, io);
    throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`reelay: ${error.message}`);
      return error.code;
    }
    io.stderr(`reelay: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const code = await runCli(process.argv.slice(2), process.env, {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
  });
  process.exit(code);
}
