/**
 * What every bench worker child does once its workers are up: answer `stats` with its event-loop
 * delay (beyond the sampling interval), hand other messages to `onMessage`, say `ready`, and stop
 * cleanly on SIGTERM or when the bench goes away (Ctrl-C reaches the whole process group: the bench
 * stops us itself, after its report).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { App } from '../src/app.js';

const RESOLUTION_MS = 10;

export function serveBenchChild(app: App, onMessage?: (message: unknown) => void): void {
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
  // The histogram holds each timer tick's full wait, sampling interval included: report what is beyond it.
  const beyond = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  process.on('message', (message) => {
    if (message !== 'stats') return onMessage?.(message);
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
  process.on('SIGINT', () => undefined);
  // The bench went away (crashed or killed): do not linger as an orphan.
  process.on('disconnect', stop);
}
