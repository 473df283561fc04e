import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type APIMessage, REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordDelivery } from '../../../src/bots/discord/delivery.js';
import { DISCORD, type DiscordTarget } from '../../../src/bots/discord/platform.js';
import type { DeliveryContext } from '../../../src/core/ports.js';
import type { StatusRecord, StatusStore } from '../../../src/desk/status-store.js';
import { createLogger } from '../../../src/log.js';
import type { DiscordCall } from '../../fakes/discord.js';
import { DC_TOKEN, type DiscordHarness, discordHarnesses, OPT } from '../../helpers/discord.js';
import type { UploadSummary } from '../../helpers/upload-sink.js';

const harness = discordHarnesses();

const hasClip = (m: APIMessage): boolean => (m.attachments?.length ?? 0) > 0;

/** The request as the fake received it (its headers), for one parsed call. */
const recordedOf = (t: DiscordHarness, call: DiscordCall) =>
  t.dc.server.requests.find((r) => r.at === call.at && r.method === call.method && r.kind === call.kind);

/** The calls of `kind` that carried a file. */
const uploads = (t: DiscordHarness, kind: string): DiscordCall[] =>
  t.dc.calls(kind).filter((c) => c.files.length > 0);

describe('discord delivery: the clip is uploaded from its file on disk', () => {
  it('edits @original with Discord’s multipart form: payload_json and files[0], bytes intact, no auth, a fixed length', async () => {
    const t = await harness();
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a heron over a pond' }]);
    const final = await t.reply(i.token, hasClip);
    expect(t.dc.fileBytes(final.attachments?.[0]?.url ?? '')?.equals(t.rh.video)).toBe(true);

    const [edit, ...more] = uploads(t, 'webhook-edit');
    expect(more).toHaveLength(0);
    expect(edit?.method).toBe('PATCH');
    expect(edit?.path).toMatch(/^\/webhooks\/\d+\/[^/]+\/messages\/@original$/);
    expect(edit?.files).toHaveLength(1);
    const file = edit?.files[0];
    expect(file?.name).toBe('files[0]');
    expect(file?.filename).toBe('clip.mp4');
    expect(file?.contentType).toBe('video/mp4');
    expect(file?.data.equals(t.rh.video)).toBe(true);
    const payload = edit?.json as { attachments?: unknown; embeds?: { title?: string }[] };
    expect(payload.attachments).toEqual([{ id: 0, filename: 'clip.mp4' }]);
    expect(payload.embeds?.[0]?.title).toMatch(/^✅ Done/);
    // The interaction webhook goes without the bot token; the body has a length, not chunks.
    expect(edit?.authorization).toBeUndefined();
    const headers = edit ? recordedOf(t, edit)?.headers : undefined;
    expect(headers?.['transfer-encoding']).toBeUndefined();
    expect(Number(headers?.['content-length'])).toBeGreaterThan(t.rh.video.length);
    expect(headers?.['user-agent']).toMatch(/^DiscordBot \(/);
    expect(t.dc.calls('channel-message')).toHaveLength(0);
  });

  it('the channel fallback uploads with the bot token, mentioning the requester', async () => {
    const t = await harness({ workerNow: () => Date.now() + 15 * 60_000 });
    t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a late heron' }]);
    const posted = await t.dc.waitForMessage(t.channel.id, hasClip, 20_000);
    expect(t.dc.fileBytes(posted.attachments?.[0]?.url ?? '')?.equals(t.rh.video)).toBe(true);
    const [post] = uploads(t, 'channel-message');
    if (!post) throw new Error('no channel upload');
    expect(post.authorization).toBe(`Bot ${DC_TOKEN}`);
    const json = post.json as { content?: string; attachments?: unknown };
    expect(json.content).toContain(`<@${t.alice.id}>`);
    expect(json.attachments).toEqual([{ id: 0, filename: 'clip.mp4' }]);
    expect(post.files[0]?.data.equals(t.rh.video)).toBe(true);
  });

  // In these two the bot edits the status once (its pace is a minute), so the next edit of the
  // reply is the worker's upload, and the fault lands on it.
  const quietStatus = { status: { editIntervalMs: 60_000 }, pollsToComplete: 4 };

  it('a 413 from Discord on the upload posts the link instead', async () => {
    const t = await harness(quietStatus);
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a heron, too big' }]);
    await t.reply(i.token, (m) => (m.embeds?.length ?? 0) > 0);
    t.dc.failNext('webhook-edit', 'too-large');
    const final = await t.reply(i.token, (m) => /expires <t:\d+:R>/.test(m.embeds?.[0]?.description ?? ''));
    expect(final.attachments ?? []).toHaveLength(0);
    const [refused] = uploads(t, 'webhook-edit');
    expect(refused?.status).toBe(413);
    expect(t.dc.calls('channel-message')).toHaveLength(0);
  });

  it('a 429 on the upload is waited out and the clip sent again, whole', async () => {
    const t = await harness(quietStatus);
    const i = t.run('video', [{ name: 'prompt', type: OPT.string, value: 'a patient heron' }]);
    await t.reply(i.token, (m) => (m.embeds?.length ?? 0) > 0);
    t.dc.failNext('webhook-edit', 'rate-limit', { retryAfter: 0.2 });
    const final = await t.reply(i.token, hasClip);
    expect(t.dc.fileBytes(final.attachments?.[0]?.url ?? '')?.equals(t.rh.video)).toBe(true);
    expect(uploads(t, 'webhook-edit').map((c) => c.status)).toEqual([429, 200]);
    expect(uploads(t, 'webhook-edit')[1]?.files[0]?.data.equals(t.rh.video)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// A 45 MB clip against a Discord stand-in in another process, measuring this process's memory.

const MiB = 1024 * 1024;
const SINK = new URL('../../helpers/upload-sink.ts', import.meta.url).pathname;

/** V8's `gc()`, exposed at run time (the process was not started with --expose-gc). */
function exposedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes `bytes` of random-looking data (1 MiB blocks, never the whole in memory); its SHA-256. */
async function writeClip(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= MiB) {
      const block = randomBytes(Math.min(MiB, left));
      hash.update(block);
      await file.write(block);
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/** A status store in memory: what the delivery reads and writes, nothing else. */
function memoryStore(): StatusStore {
  const records = new Map<string, StatusRecord>();
  const marks = new Set<string>();
  return {
    async attach(jobId, f) {
      records.set(jobId, { ...records.get(jobId), chatId: f.chatId, messageId: f.messageId, owner: f.owner });
    },
    async setFinal(jobId, outcome) {
      records.set(jobId, { ...records.get(jobId), final: outcome });
    },
    async read(jobId) {
      return records.get(jobId) ?? {};
    },
    async heartbeat() {},
    async isAlive() {
      return false;
    },
    async markOnce(jobId, name) {
      const key = `${name}:${jobId}`;
      const first = !marks.has(key);
      marks.add(key);
      return first;
    },
    async isMarked(jobId, name) {
      return marks.has(`${name}:${jobId}`);
    },
  };
}

describe('discord delivery: memory', () => {
  let sink: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    sink?.kill();
    sink = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a 45 MB clip is uploaded whole while this process’s memory grows by far less than the clip', async ({
    annotate,
  }) => {
    dir = await mkdtemp(join(tmpdir(), 'reelay-upload-'));
    const size = 45 * MiB;
    const path = join(dir, 'clip.mp4');
    const sha256 = await writeClip(path, size);

    sink = fork(SINK, [], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
    const [ready] = (await once(sink, 'message')) as [{ port: number }];
    const received = new Promise<UploadSummary>((resolve) =>
      sink?.once('message', (m) => resolve(m as UploadSummary)),
    );

    const rest = new REST({ api: `http://127.0.0.1:${ready.port}/api` }).setToken(DC_TOKEN);
    const delivery = createDiscordDelivery({
      rest,
      token: DC_TOKEN,
      store: memoryStore(),
      logger: createLogger('silent'),
    });
    const target: DiscordTarget = {
      applicationId: '1098765432109876540',
      interactionToken: 'interaction-token-value',
      interactionAt: Date.now(),
      channelId: '1098765432109876541',
      userId: '1098765432109876542',
      attachmentSizeLimit: 50 * MiB,
      canPostInChannel: true,
    };
    const ctx: DeliveryContext = {
      jobId: 'job-45mb',
      target: { platform: DISCORD, data: target },
      requester: { platform: DISCORD, userId: target.userId },
      request: {
        model: 'kling-2.5-turbo-pro',
        mode: 'text',
        prompt: 'a long heron',
        duration: 10,
        images: {},
      } as DeliveryContext['request'],
    };
    const clip = { path, size, contentType: 'video/mp4', sourceUrl: 'https://provider.example/clip.mp4' };

    // Bytes held, sampled while the upload runs. Garbage is not memory held: a sample over a quarter
    // of the bound is taken again after a full collection (one at every sample would slow it tenfold).
    const gc = exposedGc();
    // Half the clip: a buffered upload holds all of it (twice, before the fix); streaming grew by
    // 5–16 MiB here, with the sockets' buffers and whatever else this test process holds meanwhile.
    const bound = 24 * MiB;
    const used = () => {
      const m = process.memoryUsage();
      return m.arrayBuffers + m.heapUsed;
    };
    gc?.();
    const base = used();
    let peak = base;
    const sample = () => {
      let now = used();
      if (now - base > bound / 4 && gc) {
        gc();
        now = used();
      }
      peak = Math.max(peak, now);
    };
    const started = performance.now();
    const sampler = setInterval(sample, 10);
    try {
      await delivery.deliverClip(ctx, clip);
    } finally {
      clearInterval(sampler);
    }
    sample();

    const upload = await received;
    expect(upload.method).toBe('PATCH');
    expect(upload.path).toBe(
      `/api/v10/webhooks/${target.applicationId}/${target.interactionToken}/messages/%40original`,
    );
    // Streamed with a declared length (not buffered and not chunked), and arrived whole.
    expect(upload.headers['transfer-encoding']).toBeUndefined();
    expect(Number(upload.headers['content-length'])).toBe(upload.bodyBytes);
    expect(upload.files).toEqual([
      { name: 'files[0]', filename: 'clip.mp4', contentType: 'video/mp4', size, sha256 },
    ]);
    expect(upload.payload).toMatchObject({ attachments: [{ id: 0, filename: 'clip.mp4' }] });
    await annotate(
      `45 MiB clip uploaded in ${Math.round(performance.now() - started)} ms; heap + array buffers grew ${((peak - base) / MiB).toFixed(1)} MiB at most${gc ? '' : ' (no gc: not asserted)'}`,
    );
    if (gc) {
      // discord.js's REST held the file twice (readFile, then a Blob copy): 90 MB and more.
      expect(peak - base).toBeLessThan(bound);
    }
  });
});
