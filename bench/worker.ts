/**
 * The worker process of part (b): the worker role exactly as `src/main.ts` starts it (createApp with
 * no overrides, so BullMQ's default lock and stalled intervals), configured from the environment the
 * bench hands it. Answers a `stats` message with its event-loop delay, for the report.
 */
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { serveBenchChild } from './child.js';

const config = loadConfig(process.env);
const app = createApp({ config, logger: createLogger(config.logLevel), fileDelivery: true });
const workers = app.startWorkers();
await Promise.all([workers.generate.waitUntilReady(), workers.deliver.waitUntilReady()]);

serveBenchChild(app);
