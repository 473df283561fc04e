import { existsSync } from 'node:fs';
import { createApp } from './app.js';
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
  const logger = createLogger(config.logLevel);
  const app = createApp({ config, logger });
  const stops: (() => Promise<void>)[] = [];

  for (const role of ['discord', 'telegram'] as const) {
    if (config.roles.includes(role)) {
      logger.warn({ role }, `the ${role} front end is not in this version yet; role ignored`);
    }
  }
  if (config.roles.includes('worker')) {
    const workers = app.startWorkers();
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
    });
    stops.push(() => http.close());
    logger.info({ port: config.httpPort }, 'http server listening');
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
