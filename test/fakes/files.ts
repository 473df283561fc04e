import { FakeServer, sendJson } from './server.js';

/**
 * A loopback file host standing in for a chat CDN (Discord attachment URLs) or any public image URL:
 * serves the buffers a test puts, with the content type it names, and records every fetch.
 */
export class FakeFileHost {
  private readonly files = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly server = new FakeServer(
    () => 'file',
    ({ res, url }) => {
      const file = this.files.get(url.pathname);
      if (!file) return sendJson(res, 404, { message: 'not found' });
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
      res.end(file.bytes);
    },
  );

  static async start(): Promise<FakeFileHost> {
    const host = new FakeFileHost();
    await host.server.start();
    return host;
  }

  /** Serves `bytes` at a fresh URL and returns it. */
  put(name: string, bytes: Buffer, contentType = 'image/png'): string {
    const path = `/attachments/${this.files.size + 1}/${name}`;
    this.files.set(path, { bytes, contentType });
    return `${this.server.baseUrl}${path}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
