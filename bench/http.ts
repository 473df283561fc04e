/**
 * The http role of part P3, as `src/main.ts` starts it: `startHttpServer` on `HTTP_PORT` with the
 * app's Redis and queues and `WEBHOOK_SECRET`, so the providers' completion hints go through the
 * real route. Answers `stats` like the bench's workers.
 */
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startHttpServer } from '../src/http/server.js';
import { createLogger } from '../src/log.js';
import { serveBenchChild } from './child.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const app = createApp({ config, logger });
await startHttpServer({
  port: config.httpPort,
  host: '127.0.0.1',
  redis: app.redis,
  queues: app.queues,
  logger,
  ...(config.webhookSecret ? { webhookSecret: config.webhookSecret } : {}),
});

serveBenchChild(app);
