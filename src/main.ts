import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { createTelegramApi } from './bots/telegram/api.js';
import { createTelegramBot, type TelegramBot } from './bots/telegram/bot.js';
import { createTelegramDelivery } from './bots/telegram/delivery.js';
import { createTelegramImageSource } from './bots/telegram/source.js';
import { createStatusStore } from './bots/telegram/status.js';
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

  if (config.roles.includes('discord')) {
    logger.warn({ role: 'discord' }, 'the discord front end is not in this version yet; role ignored');
  }
  const tg = config.telegram;
  const store = createStatusStore(app.redis, config.queuePrefix);
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
    // Workers post Telegram clips themselves (with the token, never through the bot process).
    const api = tg.token
      ? (telegram?.bot.api ?? createTelegramApi({ token: tg.token, apiRoot: tg.apiUrl }))
      : undefined;
    const workers = app.startWorkers(
      api && tg.token
        ? {
            deliveries: { telegram: createTelegramDelivery({ api, store, logger, token: tg.token }) },
            imageSources: {
              telegram: createTelegramImageSource({ api, token: tg.token, apiRoot: tg.apiUrl }),
            },
          }
        : {},
    );
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

  if (telegram) {
    const bot = telegram;
    await bot.start();
    // First in line to stop: no new requests while the workers finish theirs.
    stops.unshift(() => bot.stop());
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing the steps in hand');
    // Step jobs are short slices; a poll waiting in Redis is not in hand and simply waits for the next worker.
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
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
