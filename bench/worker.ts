/**
 * The worker process of part (b): the worker role exactly as `src/main.ts` starts it (createApp with
 * no overrides, so BullMQ's default lock and stalled intervals), configured from the environment the
 * bench hands it. Answers a `stats` message with its event-loop delay, for the report.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';

const config = loadConfig(process.env);
const app = createApp({ config, logger: createLogger(config.logLevel), fileDelivery: true });
const workers = app.startWorkers();
await Promise.all([workers.generate.waitUntilReady(), workers.deliver.waitUntilReady()]);

const RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loopDelay.enable();
// The histogram holds each timer tick's full wait, sampling interval included: report what is beyond it.
const beyond = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
process.on('message', (message) => {
  if (message !== 'stats') return;
  process.send?.({
    loopDelayMs: {
      p50: beyond(loopDelay.percentile(50)),
      p99: beyond(loopDelay.percentile(99)),
      max: beyond(loopDelay.max),
    },
  });
});
process.send?.('ready');

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
// Ctrl-C in a terminal reaches the whole process group: the bench stops us itself, after its report.
process.on('SIGINT', () => undefined);
// The bench went away (crashed or killed): do not linger as an orphan.
process.on('disconnect', stop);
