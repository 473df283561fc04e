import { existsSync } from 'node:fs';
import { REST } from 'discord.js';
import { type AppOptions, createApp } from './app.js';
import { createDiscordBot, type DiscordBot } from './bots/discord/bot.js';
import { createDiscordDelivery } from './bots/discord/delivery.js';
import { createStatusStore } from './bots/status-store.js';
import { createTelegramApi } from './bots/telegram/api.js';
import { createTelegramBot, type TelegramBot } from './bots/telegram/bot.js';
import { createTelegramDelivery } from './bots/telegram/delivery.js';
import { createTelegramImageSource } from './bots/telegram/source.js';
import { ConfigError, loadConfig } from './config.js';
import { startHttpServer } from './http/server.js';
import { createLogger } from './log.js';

/**
 * The composition root: config → connections → roles → graceful shutdown. Nothing else in the
 * codebase reads the environment.
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
    config.telegram.token,
    config.discord.token,
    config.runninghub.apiKey,
    config.runware.apiKey,
  ]);
  const app = createApp({ config, logger });
  const stops: (() => Promise<void>)[] = [];
  /** The bots: stopped first, so no new request arrives while the workers finish theirs. */
  const frontEnds: (() => Promise<void>)[] = [];

  const tg = config.telegram;
  const dc = config.discord;
  const store = createStatusStore(app.redis, config.queuePrefix, 'tg');
  const dcStore = createStatusStore(app.redis, config.queuePrefix, 'dc');
  let discord: DiscordBot | undefined;
  if (config.roles.includes('discord') && dc.token) {
    discord = createDiscordBot({
      token: dc.token,
      apiUrl: dc.apiUrl,
      intake: app.intake,
      quota: app.quota,
      queues: app.queues,
      store: dcStore,
      logger,
    });
  }
  let telegram: TelegramBot | undefined;
  if (config.roles.includes('telegram') && tg.token) {
    telegram = createTelegramBot({
      token: tg.token,
      apiRoot: tg.apiUrl,
      intake: app.intake,
      quota: app.quota,
      queues: app.queues,
      redis: app.redis,
      store,
      logger,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    });
  }
  if (config.roles.includes('worker')) {
    // Workers post clips themselves: Telegram with the bot token, Discord through the interaction
    // token or, once it is dead, with the bot token in the channel.
    const deliveries: NonNullable<AppOptions['deliveries']> = {};
    const imageSources: NonNullable<AppOptions['imageSources']> = {};
    const tgToken = tg.token;
    if (tgToken) {
      const api = telegram?.bot.api ?? createTelegramApi({ token: tgToken, apiRoot: tg.apiUrl });
      deliveries.telegram = createTelegramDelivery({ api, store, logger, token: tgToken });
      imageSources.telegram = createTelegramImageSource({ api, token: tgToken, apiRoot: tg.apiUrl });
    }
    if (dc.token) {
      const rest = discord?.client.rest ?? new REST({ api: dc.apiUrl }).setToken(dc.token);
      deliveries.discord = createDiscordDelivery({ rest, store: dcStore, logger });
    }
    const workers = app.startWorkers({ deliveries, imageSources });
    stops.push(() => workers.close());
    logger.info(
      {
        providers: [...app.providers.keys()],
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
      ...(telegram && config.publicUrl
        ? { routes: [{ path: telegram.webhookPath, handler: telegram.webhookHandler }] }
        : {}),
    });
    stops.push(() => http.close());
    logger.info({ port: config.httpPort }, 'http server listening');
  }

  if (discord) {
    const bot = discord;
    await bot.start();
    frontEnds.push(() => bot.stop());
  }
  if (telegram) {
    const bot = telegram;
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
