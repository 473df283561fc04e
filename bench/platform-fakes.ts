/**
 * The far side of bench part (d), in a process of its own so that what it holds — every uploaded clip,
 * kept whole by the fakes — does not count against the worker under measurement, nor slow the bench:
 * the Discord fake (REST and gateway), the Telegram fake (Bot API), and a loopback file host that
 * streams a clip from disk at a provider-like result URL. Driven over IPC:
 *
 * - `serve {path}` → `served {url}`: the file at `path`, streamed with its length, at a fresh URL.
 * - `targets {discord, discordLimit, telegram}` → `targets {discord[], telegram[]}`: `discord`
 *   slash commands, each from its own member in one guild channel, deferred at once (as the bot does),
 *   with `attachment_size_limit` = `discordLimit`; `telegram` private chats, each with its own person
 *   and a `/video` message to reply to. Answers the delivery targets' data.
 * - `uploads` → `uploads {discord[], telegram[]}`: every clip upload answered 200 since the last
 *   `uploads`, as its size, SHA-256 and (Telegram) the parameters sent with it. The fakes' own record of
 *   the requests is then dropped, to keep this process's memory in bounds.
 * - `close`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { FAKE_DISCORD_TOKEN, FakeDiscord } from '../test/fakes/discord.js';
import { FAKE_TOKEN, FakeTelegram } from '../test/fakes/telegram.js';

export type FakesCommand =
  | { type: 'serve'; path: string }
  | { type: 'targets'; discord: number; discordLimit: number; telegram: number }
  | { type: 'uploads' }
  | { type: 'close' };

export interface DiscordTargetData {
  applicationId: string;
  interactionToken: string;
  interactionAt: number;
  channelId: string;
  guildId: string;
  userId: string;
  attachmentSizeLimit: number;
  canPostInChannel: boolean;
}

export interface TelegramTargetData {
  chatId: number;
  messageId: number;
}

export interface ReceivedUpload {
  size: number;
  sha256: string;
  /** Telegram: duration, width, height, supports_streaming as sent; whether a thumbnail came. */
  params?: Record<string, unknown>;
  thumbnail?: boolean;
}

export type FakesMessage =
  | { type: 'ready'; discordApiUrl: string; telegramApiUrl: string }
  | { type: 'served'; url: string }
  | { type: 'targets'; discord: DiscordTargetData[]; telegram: TelegramTargetData[] }
  | { type: 'uploads'; discord: ReceivedUpload[]; telegram: ReceivedUpload[] }
  | { type: 'error'; message: string };

const send = (message: FakesMessage) => process.send?.(message);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Serves registered files from disk, streamed (never read whole), with Content-Length. */
async function startFileHost(): Promise<{ serve(path: string): string; close(): Promise<void> }> {
  const files = new Map<string, string>();
  const server = createServer((req, res) => {
    const path = files.get(req.url ?? '');
    if (!path || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    stat(path).then(
      (s) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(s.size) });
        createReadStream(path).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  // A provider's CDN keeps connections about a minute.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    serve(path) {
      const route = `/results/${files.size + 1}/clip.mp4`;
      files.set(route, path);
      return `${base}${route}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A bare gateway session (HELLO → IDENTIFY → READY), so the fake can dispatch interactions. */
async function openGatewaySession(discord: FakeDiscord): Promise<WebSocket> {
  const socket = new WebSocket(`${discord.gatewayUrl}?v=10&encoding=json`);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no READY from the fake gateway within 10 s')), 10_000);
    socket.on('error', reject);
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; t?: string };
      if (frame.op === 10) {
        socket.send(
          JSON.stringify({
            op: 2,
            d: {
              token: FAKE_DISCORD_TOKEN,
              intents: 0,
              properties: { os: 'linux', browser: 'bench', device: 'bench' },
            },
          }),
        );
      } else if (frame.op === 0 && frame.t === 'READY') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return socket;
}

const discord = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN });
const telegram = await FakeTelegram.start({ token: FAKE_TOKEN });
const host = await startFileHost();
const gateway = await openGatewaySession(discord);
await discord.waitForReady(10_000);
const guild = discord.guild(undefined, 'bench');
const channel = discord.channel(guild.id, 'clips');
let people = 0;

async function discordTargets(count: number, limit: number): Promise<DiscordTargetData[]> {
  const targets: DiscordTargetData[] = [];
  for (let n = 0; n < count; n++) {
    people += 1;
    const user = discord.user(undefined, `bench-member-${people}`);
    const interaction = discord.command({
      name: 'video',
      user,
      channelId: channel.id,
      guildId: guild.id,
      attachmentSizeLimit: limit,
      options: [{ name: 'prompt', type: 3, value: `a heron over a river at dawn, take ${people}` }],
    });
    // Deferred as the bot defers: the deliver job then edits this reply (@original) with the clip.
    const answer = await fetch(
      `${discord.apiUrl}/v10/interactions/${interaction.id}/${interaction.token}/callback`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":5}' },
    );
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`fake discord refused the defer: HTTP ${answer.status}`);
    targets.push({
      applicationId: discord.applicationId,
      interactionToken: interaction.token,
      interactionAt: Date.now(),
      channelId: channel.id,
      guildId: guild.id,
      userId: user.id,
      attachmentSizeLimit: limit,
      canPostInChannel: true,
    });
  }
  return targets;
}

function telegramTargets(count: number): TelegramTargetData[] {
  const targets: TelegramTargetData[] = [];
  for (let n = 0; n < count; n++) {
    people += 1;
    const user = telegram.user(undefined, `Bench ${people}`);
    const chat = telegram.privateChat(user);
    const request = telegram.send({ chat, from: user, text: `/video a heron over a river, take ${people}` });
    targets.push({ chatId: chat.id, messageId: request.message_id });
  }
  return targets;
}

function takeUploads(): { discord: ReceivedUpload[]; telegram: ReceivedUpload[] } {
  const dc = discord
    .calls('webhook-edit')
    .filter((c) => c.status === 200)
    .flatMap((c) => c.files.map((f) => ({ size: f.data.length, sha256: sha256(f.data) })));
  const tg = telegram
    .calls('sendVideo')
    .filter((c) => c.status === 200)
    .flatMap((c) => {
      const video = c.uploads.video;
      if (!video) return [];
      const { duration, width, height, supports_streaming } = c.params;
      return [
        {
          size: video.data.length,
          sha256: sha256(video.data),
          params: { duration, width, height, supports_streaming },
          thumbnail: c.uploads.thumbnail !== undefined,
        },
      ];
    });
  // The recorded requests hold every body whole: drop them once read.
  discord.server.requests.length = 0;
  telegram.server.requests.length = 0;
  return { discord: dc, telegram: tg };
}

process.on('message', (command: FakesCommand) => {
  void (async () => {
    if (command.type === 'serve') {
      send({ type: 'served', url: host.serve(command.path) });
    } else if (command.type === 'targets') {
      send({
        type: 'targets',
        discord: await discordTargets(command.discord, command.discordLimit),
        telegram: telegramTargets(command.telegram),
      });
    } else if (command.type === 'uploads') {
      send({ type: 'uploads', ...takeUploads() });
    } else {
      gateway.close(1000);
      await Promise.allSettled([discord.close(), telegram.close(), host.close()]);
      process.exit(0);
    }
  })().catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});
// The bench went away: do not linger.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', discordApiUrl: discord.apiUrl, telegramApiUrl: telegram.apiUrl });
