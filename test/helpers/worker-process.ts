/**
 * A worker in its own process, for the crash tests: the same app a service runs, configured from the
 * environment the test hands it, with short lock and stalled intervals so a killed worker's job is
 * picked up again within seconds.
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

const config = loadConfig(process.env);
const app = createApp({
  fileDelivery: true,
  config,
  logger: createLogger('silent'),
  jobOptions: { backoff: { type: 'exponential', delay: 50 } },
  workerOptions: { lockDuration: 1_500, stalledInterval: 500 },
});
const workers = app.startWorkers();
await workers.generate.waitUntilReady();
await workers.deliver.waitUntilReady();
process.send?.('ready');
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
