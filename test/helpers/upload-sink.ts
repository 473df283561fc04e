/**
 * A stand-in for Discord's REST API in its own process, for upload tests that measure the worker's
 * memory: whatever it buffers does not count against the test process. Every request is read
 * whole, its multipart form parsed, and a summary sent to the parent over IPC (the file part as its
 * size and SHA-256, not its bytes); the answer is a message with the file as its attachment.
 *
 * Parent: `fork(path, { execArgv: ['--import', 'tsx'] })`, wait for `{ port }`, then each request
 * arrives as an {@link UploadSummary} message.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMultipart } from '../fakes/server.js';

export interface UploadSummary {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Bytes of the whole body as received. */
  bodyBytes: number;
  /** The `payload_json` field, parsed. */
  payload: unknown;
  files: { name: string; filename?: string; contentType?: string; size: number; sha256: string }[];
}

const server = createServer((req, res) => {
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const parts = parseMultipart(body, req.headers['content-type'] ?? '');
    const payload = parts.find((p) => p.name === 'payload_json' && p.filename === undefined);
    const files = parts
      .filter((p) => p.filename !== undefined)
      .map((p) => ({
        name: p.name,
        ...(p.filename !== undefined ? { filename: p.filename } : {}),
        ...(p.contentType !== undefined ? { contentType: p.contentType } : {}),
        size: p.data.length,
        sha256: createHash('sha256').update(p.data).digest('hex'),
      }));
    const summary: UploadSummary = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      bodyBytes: body.length,
      payload: payload ? JSON.parse(payload.data.toString('utf8')) : undefined,
      files,
    };
    process.send?.(summary);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: '1',
        attachments: files.map((f, i) => ({ id: String(i), filename: f.filename, size: f.size })),
      }),
    );
  })();
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
