import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test Redis that can stop forwarding commands while keeping the
 * connection open: a Redis that is reachable but slow, for this test's connections only (CLIENT
 * PAUSE would stall every test file sharing the Redis).
 */
export class RedisProxy {
  private readonly sockets = new Set<Socket>();
  private readonly held: (() => void)[] = [];
  private paused = false;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target = { host: '127.0.0.1', port: 6379 }): Promise<RedisProxy> {
    let proxy: RedisProxy | undefined;
    const server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      proxy?.sockets.add(client).add(upstream);
      client.on('data', (chunk) => {
        if (proxy?.paused) proxy.held.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        a.on('close', () => b.destroy());
        a.on('error', () => b.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    proxy = new RedisProxy(server, `redis://127.0.0.1:${port}`);
    return proxy;
  }

  /** Commands sent from now on wait, unanswered, until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const send of this.held.splice(0)) send();
  }

  async close(): Promise<void> {
    this.resume();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
