import { existsSync } from 'node:fs';
import { REST } from 'discord.js';
import { createApp } from './app.js';
import { createDiscordBot, type DiscordBot } from './bots/discord/bot.js';
import { createDiscordDelivery } from './bots/discord/delivery.js';
import { DISCORD, DISCORD_STORE } from './bots/discord/platform.js';
import { createDiscordSource } from './bots/discord/source.js';
import { createTelegramApi } from './bots/telegram/api.js';
import { createTelegramBot, type TelegramBot } from './bots/telegram/bot.js';
import { createTelegramDelivery } from './bots/telegram/delivery.js';
import { TELEGRAM, TELEGRAM_STORE } from './bots/telegram/platform.js';
import { createTelegramSource } from './bots/telegram/source.js';
import { CATALOG } from './catalog/models.js';
import { loadPrices, withPrices } from './catalog/prices.js';
import { ConfigError, loadConfig } from './config.js';
import type { ChatDelivery, MediaSource } from './core/ports.js';
import { loadBlockedWords } from './desk/moderation.js';
import { createStatusStore } from './desk/status-store.js';
import { startHttpServer } from './http/server.js';
import { createLogger, scrub } from './log.js';
import { findFfmpeg } from './media/ffmpeg.js';

/**
 * The composition root: config → connections → roles → graceful shutdown. Nothing else in the
 * codebase reads the environment. A platform is wired here: its media source and delivery (for
 * workers and the desk), and its bot (for its role).
 */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`reelay: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, [
    ...Object.values(config.platforms).map((p) => p.token),
    ...Object.values(config.providers).map((p) => p.apiKey),
    config.webhookSecret,
    config.dashboard?.password,
  ]);
  // A promise rejected with no handler is a bug, but one stray rejection (a late "Connection is
  // closed", a notice that could not be sent) must not take down every job and chat this process
  // serves: it is logged as an error, scrubbed of secrets, and the process keeps running. Node's
  // default would exit.
  process.on('unhandledRejection', (reason: unknown) => {
    const error = reason instanceof Error ? reason : undefined;
    logger.error(
      {
        err: scrub(error ? error.message : String(reason)),
        ...(error?.stack ? { stack: scrub(error.stack) } : {}),
      },
      'unhandled promise rejection (kept running)',
    );
  });
  // Workers compress clips over a platform's upload limit with ffmpeg, and probe every clip.
  const ffmpeg = config.roles.includes('worker')
    ? await findFfmpeg({
        ...(config.transcode.ffmpegPath ? { FFMPEG_PATH: config.transcode.ffmpegPath } : {}),
        ...(config.transcode.ffprobePath ? { FFPROBE_PATH: config.transcode.ffprobePath } : {}),
      })
    : undefined;
  if (config.roles.includes('worker') && !ffmpeg) {
    logger.warn(
      { FFMPEG_PATH: config.transcode.ffmpegPath ?? null },
      'ffmpeg/ffprobe not found: clips over a platform upload limit will be posted as links (install ffmpeg, or set FFMPEG_PATH)',
    );
  }
  // The operator's prices over the catalog's, checked before anything is charged.
  let catalog = CATALOG;
  if (config.pricesFile) {
    try {
      catalog = withPrices(CATALOG, await loadPrices(config.pricesFile, CATALOG));
    } catch (error) {
      process.stderr.write(`reelay: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(78); // EX_CONFIG
    }
    logger.info({ file: config.pricesFile }, 'prices loaded');
  }
  const app = createApp({ config, logger, catalog, ...(ffmpeg ? { ffmpeg } : {}) });
  logger.info(
    {
      credits: app.memberLimit.credits,
      from: app.memberLimit.source === 'credits' ? 'QUOTA_DAILY_CREDITS' : 'QUOTA_DAILY_VIDEOS',
      ...(app.memberLimit.source === 'videos' ? { videos: config.quotaDailyVideos } : {}),
    },
    'daily credits per member',
  );
  if (config.spendCapDailyCredits === undefined) {
    logger.warn(
      'SPEND_CAP_DAILY_CREDITS is not set: nothing caps what the whole service spends in a day (an operator can set one at run time with `reelay admin cap`)',
    );
  }
  if (config.media.allowPrivate) {
    logger.warn(
      'MEDIA_ALLOW_PRIVATE is on: workers may download inputs from private and loopback addresses (meant for tests against local fakes only)',
    );
  }
  const stops: (() => Promise<void>)[] = [];
  /** The bots: stopped first, so no new request arrives while the workers finish theirs. */
  const frontEnds: (() => Promise<void>)[] = [];

  // Each platform with a token: its media source and its delivery, for the workers and the desk.
  const sources: Record<string, MediaSource> = {};
  const deliveries: Record<string, ChatDelivery> = {};
  const tg = config.platforms[TELEGRAM] ?? { token: undefined, apiUrl: '' };
  const dc = config.platforms[DISCORD] ?? { token: undefined, apiUrl: '' };
  const tgStore = createStatusStore(app.redis, config.queuePrefix, TELEGRAM_STORE);
  const dcStore = createStatusStore(app.redis, config.queuePrefix, DISCORD_STORE);
  if (tg.token) {
    const api = createTelegramApi({ token: tg.token, apiRoot: tg.apiUrl });
    sources[TELEGRAM] = createTelegramSource({
      api,
      token: tg.token,
      apiRoot: tg.apiUrl,
      network: config.media,
    });
    deliveries[TELEGRAM] = createTelegramDelivery({
      api,
      store: tgStore,
      logger,
      token: tg.token,
      uploadLimit: config.telegramMaxUploadBytes,
    });
  }
  if (dc.token) {
    const rest = new REST({ api: dc.apiUrl }).setToken(dc.token);
    sources[DISCORD] = createDiscordSource({ rest, network: config.media });
    deliveries[DISCORD] = createDiscordDelivery({ rest, token: dc.token, store: dcStore, logger });
  }
  let globalWords: string[] = [];
  if (config.blockedWordsFile) {
    try {
      globalWords = await loadBlockedWords(config.blockedWordsFile);
    } catch (error) {
      process.stderr.write(`reelay: ${error instanceof Error ? error.message : String(error)}\n`);
      await app.close();
      process.exit(78); // EX_CONFIG
    }
    logger.info({ words: globalWords.length }, 'blocked words loaded');
  }
  const desk = app.desk(sources, { globalWords });

  let discord: DiscordBot | undefined;
  if (config.roles.includes(DISCORD) && dc.token) {
    discord = createDiscordBot({
      token: dc.token,
      apiUrl: dc.apiUrl,
      desk,
      store: dcStore,
      logger,
      ...(config.discordShards ? { shards: config.discordShards } : {}),
    });
  }
  let telegram: TelegramBot | undefined;
  if (config.roles.includes(TELEGRAM) && tg.token) {
    telegram = createTelegramBot({
      token: tg.token,
      apiRoot: tg.apiUrl,
      desk,
      redis: app.redis,
      prefix: config.queuePrefix,
      store: tgStore,
      logger,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    });
  }
  if (config.roles.includes('worker')) {
    const workers = app.startWorkers({ deliveries, sources });
    stops.push(() => workers.close());
    logger.info(
      {
        providers: [...app.providers.keys()],
        platforms: Object.keys(deliveries),
        concurrency: config.workerConcurrency,
        pollIntervalMs: config.pollIntervalMs,
      },
      'worker started',
    );
  }
  if (config.roles.includes('http')) {
    const http = await startHttpServer({
      port: config.httpPort,
      redis: app.redis,
      queues: app.queues,
      logger,
      credits: app.credits,
      ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
      ...(config.dashboard ? { dashboard: config.dashboard } : {}),
      ...(telegram && config.publicUrl
        ? { routes: [{ path: telegram.webhookPath, handler: telegram.webhookHandler }] }
        : {}),
    });
    stops.push(() => http.close());
    logger.info({ port: config.httpPort }, 'http server listening');
  } else if (config.metricsPort !== undefined) {
    // A worker's job metrics live in its own process: it serves them (and its health) itself.
    const own = await startHttpServer({
      port: config.metricsPort,
      redis: app.redis,
      queues: app.queues,
      logger,
      scope: 'process',
    });
    stops.push(() => own.close());
    logger.info({ port: config.metricsPort }, 'metrics server listening');
  }

  for (const bot of [discord, telegram]) {
    if (!bot) continue;
    await bot.start();
    frontEnds.push(() => bot.stop());
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing the steps in hand');
    // Step jobs are short slices; a poll waiting in Redis is not in hand and simply waits for the next worker.
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await Promise.allSettled(frontEnds.map((stop) => stop()));
    await Promise.allSettled(stops.map((stop) => stop()));
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`reelay: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
