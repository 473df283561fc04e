import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { waitFor } from './helpers/wait.js';

/**
 * A "Redis" that resets the first connection (an error ioredis reports, then reconnects) and takes
 * the next without ever answering: ioredis is left connecting, with that error behind it.
 */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    if (accepted === 1) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);

afterEach(() => {
  process.off('unhandledRejection', record);
  unhandled.length = 0;
});

describe('closing the app before Redis ever answered', () => {
  it('ends the queues’ wait for a first connection quietly: no unhandled rejection', async () => {
    const redis = await silentServer();
    process.on('unhandledRejection', record);
    try {
      const config = loadConfig({ REDIS_URL: redis.url, RUNWARE_API_KEY: 'rw-key', REELAY_ROLES: 'worker' });
      const app = createApp({ config, logger: createLogger('silent') });
      let failed = false;
      app.redis.on('error', () => {
        failed = true;
      });
      await waitFor(() => failed && app.redis.status === 'connect', {
        what: 'a failed connection, then one open and unanswered',
      });
      await app.close();
      await waitFor(() => app.redis.status === 'end', { what: 'the connection to end' });
      // The queues' wait settles on the 'end' event; give its promise chain a few turns to run.
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      await redis.close();
    }
  });
});
