import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import type { UserError } from '../core/errors.js';
import { messageFor } from '../core/messages.js';
import type { GenerationRequest, MediaRef } from '../core/request.js';
import { fileTarget } from '../jobs/file-delivery.js';
import { createFileSource } from '../jobs/media.js';
import type { GenerateProgress } from '../jobs/payloads.js';
import { deliverJobId, settleWithin } from '../jobs/queues.js';
import { createLogger } from '../log.js';
import { CliError, type CliIo, type CliOptions, USAGE } from './common.js';
import { CLI_WORDS } from './words.js';

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

async function imageRef(value: string, flag: string): Promise<MediaRef> {
  if (isUrl(value)) {
    if (!URL.canParse(value)) throw new CliError(`${flag}: not a valid URL: ${value}`, 2);
    return { source: { kind: 'url', id: value }, filename: basename(new URL(value).pathname) || 'image' };
  }
  const path = resolve(value);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CliError(`${flag}: no such file: ${value}`, 2);
  return { source: { kind: 'file', id: path }, filename: basename(path), size: info.size };
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
  if (v['multi-shot']) request.multiShot = true;
  if (v.resolution !== undefined) request.resolution = v.resolution;
  const seed = numberFlag(v.seed, '--seed');
  if (seed !== undefined) request.seed = seed;
  if (v['first-frame']) request.firstFrame = await imageRef(v['first-frame'], '--first-frame');
  if (v['last-frame']) request.lastFrame = await imageRef(v['last-frame'], '--last-frame');
  if (v.reference && v.reference.length > 0) {
    request.references = await Promise.all(v.reference.map((r) => imageRef(r, '--reference')));
  }
  if (v['reference-video'])
    request.referenceVideo = await imageRef(v['reference-video'], '--reference-video');
  if (v['motion-video']) {
    // Motion control: --first-frame is the character, this video the motion it copies.
    request.mode = 'motion';
    request.referenceVideo = await imageRef(v['motion-video'], '--motion-video');
  }
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
  'multi-shot': { type: 'boolean' },
  resolution: { type: 'string' },
  seed: { type: 'string' },
  'first-frame': { type: 'string' },
  'last-frame': { type: 'string' },
  reference: { type: 'string', multiple: true },
  'reference-video': { type: 'string' },
  'motion-video': { type: 'string' },
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
export async function generate(
  config: Config,
  args: string[],
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const { request, out } = await parseGenerateArgs(args);
  // Ask once, without retrying, before building anything that would wait for Redis forever.
  if (!(await redisAnswers(config.redisUrl))) {
    throw new CliError(`cannot reach Redis at ${new URL(config.redisUrl).host} (REDIS_URL)`);
  }
  // A throwaway prefix: the service's own workers, if any share this Redis, never see this job
  // (it names local files only this process can read).
  const prefix = `${config.queuePrefix}-cli-${randomUUID().slice(0, 8)}`;
  const app = createApp({
    fileDelivery: true,
    config: { ...config, queuePrefix: prefix },
    logger: createLogger('silent'),
    sources: { file: createFileSource() },
    ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
  });
  try {
    if (app.providers.size === 0)
      throw new CliError('no provider key: set RUNNINGHUB_API_KEY or RUNWARE_API_KEY');
    const accepted = await app.intake.submit(
      request,
      { platform: 'cli', userId: userInfo().username || 'admin' },
      fileTarget(out),
      { charge: false },
    );
    if (!accepted.ok) throw new CliError(messageFor(accepted.error, CLI_WORDS), 2);
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
            error ? messageFor(error, CLI_WORDS) : `generation failed: ${job?.failedReason ?? 'unknown'}`,
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
