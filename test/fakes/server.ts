import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a fake received it. `json` is set when the body parsed as JSON. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  json?: unknown;
  /** What the fake classified it as (`submit`, `query`, `upload`, `download`…). */
  kind: string;
  at: number;
}

/**
 * Faults a provider fake can inject. `rate-limit`: 429 with Retry-After; `server-error`: 500;
 * `slow`: answer after `slowMs`; `drop`: close the socket without answering; `client-error`: a
 * plain HTTP 400; `content-rejected`,
 * `no-balance`, `bad-key`: the provider's own error for those; `task-failed`: the task fails at the
 * provider while generating.
 */
export type Fault =
  | 'rate-limit'
  | 'server-error'
  | 'slow'
  | 'drop'
  | 'client-error'
  | 'content-rejected'
  | 'no-balance'
  | 'bad-key'
  | 'task-failed';

export interface InjectedFault {
  fault: Fault;
  /** Which requests it applies to; `any` matches every kind. */
  on: string;
  /** How many matching requests get it; `Infinity` for all. */
  times: number;
  /** For `rate-limit`: the Retry-After in seconds. */
  retryAfterSeconds?: number;
}

/** A request the test is holding: the fake does not answer it until `release()`. */
export interface HeldRequest {
  request: RecordedRequest;
  release(): void;
}

export interface FakeHandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  recorded: RecordedRequest;
  url: URL;
}

export type FakeHandler = (ctx: FakeHandlerContext) => Promise<void> | void;

/**
 * The controls every fake offers a test: recording, fault injection, holds. Provider fakes build on
 * it; the shared contract suite drives RunningHub's and Runware's fakes through it alone.
 */
export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private faults: InjectedFault[] = [];
  private holds: { kind: string; remaining: number; waiting: HeldRequest[] }[] = [];
  private heldWaiters: ((h: HeldRequest) => void)[] = [];
  /** Delay for the `slow` fault. */
  slowMs = 2_000;
  baseUrl = '';

  constructor(
    private readonly classify: (method: string, path: string, json: unknown) => string,
    private readonly handler: FakeHandler,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ fakeError: String(error) }));
        }
      });
    });
    // Keep-alive sockets from undici would hold close() open.
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const h of this.holds) for (const held of h.waiting) held.release();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** Answers the next `times` requests of `kind` (or `any`) with `fault`. */
  inject(fault: Fault, options: { on?: string; times?: number; retryAfterSeconds?: number } = {}): void {
    const injected: InjectedFault = { fault, on: options.on ?? 'any', times: options.times ?? 1 };
    if (options.retryAfterSeconds !== undefined) injected.retryAfterSeconds = options.retryAfterSeconds;
    this.faults.push(injected);
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Takes the fault that applies to a request of `kind`, if any, and counts it used. Provider fakes
   * call this for faults they answer in their own words (`content-rejected`, `bad-key`…).
   */
  takeFault(kind: string): InjectedFault | undefined {
    const index = this.faults.findIndex((f) => (f.on === 'any' || f.on === kind) && f.times > 0);
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** Holds the next `count` requests of `kind` unanswered until the test releases them. */
  hold(kind: string, count = 1): void {
    this.holds.push({ kind, remaining: count, waiting: [] });
  }

  /** Resolves with the next held request (already held or yet to come). */
  nextHeld(): Promise<HeldRequest> {
    for (const h of this.holds) {
      const first = h.waiting.shift();
      if (first) return Promise.resolve(first);
    }
    return new Promise((resolve) => this.heldWaiters.push(resolve));
  }

  /** Every recorded request of one kind. */
  requestsOf(kind: string): RecordedRequest[] {
    return this.requests.filter((r) => r.kind === kind);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.baseUrl);
    let json: unknown;
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      kind: this.classify(req.method ?? 'GET', url.pathname, json),
      at: Date.now(),
    };
    if (json !== undefined) recorded.json = json;
    this.requests.push(recorded);

    const hold = this.holds.find((h) => h.remaining > 0 && (h.kind === 'any' || h.kind === recorded.kind));
    if (hold) {
      hold.remaining -= 1;
      await new Promise<void>((resolve) => {
        const held: HeldRequest = { request: recorded, release: resolve };
        const waiter = this.heldWaiters.shift();
        if (waiter) waiter(held);
        else hold.waiting.push(held);
      });
      // Carry on even if the client is gone: a real server that received a request acts on it
      // whether or not the caller lives to read the answer (the crash tests rely on this).
    }

    const generic = this.faults.find(
      (f) =>
        (f.on === 'any' || f.on === recorded.kind) &&
        f.times > 0 &&
        (f.fault === 'rate-limit' ||
          f.fault === 'server-error' ||
          f.fault === 'client-error' ||
          f.fault === 'slow' ||
          f.fault === 'drop'),
    );
    if (generic) {
      this.takeFaultExact(generic);
      if (generic.fault === 'drop') {
        req.socket.destroy();
        return;
      }
      if (generic.fault === 'slow') {
        await new Promise((r) => setTimeout(r, this.slowMs));
      } else if (generic.fault === 'rate-limit') {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(generic.retryAfterSeconds ?? 1),
        });
        res.end(JSON.stringify({ error: 'rate limited' }));
        return;
      } else if (generic.fault === 'client-error') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad request' }));
        return;
      } else {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal server error' }));
        return;
      }
    }
    await this.handler({ req, res, recorded, url });
  }

  private takeFaultExact(fault: InjectedFault): void {
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
  }
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Splits a multipart/form-data body into its parts, leniently (any header case, quoted or bare
 * names): enough for the uploads our clients send.
 */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): { name: string; filename?: string; contentType?: string; data: Buffer }[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename?: string; contentType?: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const chunk = body.subarray(start + delimiter.length, next);
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headerText = chunk.subarray(0, headerEnd).toString('utf8');
      let data = chunk.subarray(headerEnd + 4);
      if (data.subarray(-2).toString() === '\r\n') data = data.subarray(0, -2);
      const name = /name=(?:"([^"]*)"|([^;\s]+))/i.exec(headerText);
      const filename = /filename=(?:"([^"]*)"|([^;\s]+))/i.exec(headerText);
      const type = /content-type:\s*([^\r\n]+)/i.exec(headerText);
      const part: { name: string; filename?: string; contentType?: string; data: Buffer } = {
        name: name?.[1] ?? name?.[2] ?? '',
        data,
      };
      const fn = filename?.[1] ?? filename?.[2];
      if (fn !== undefined) part.filename = fn;
      if (type?.[1]) part.contentType = type[1].trim();
      parts.push(part);
    }
    start = next;
  }
  return parts;
}
