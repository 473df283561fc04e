/**
 * The worker process of part (d): the worker role as `src/main.ts` wires it for a service with both
 * platforms — ffmpeg found on start (`findFfmpeg`), the real Discord and Telegram deliveries (their
 * REST and Bot API clients pointed, by DISCORD_API_URL and TELEGRAM_API_URL, at the fakes of
 * bench/platform-fakes.ts), `createApp(...).startWorkers({ deliveries })` — configured from the
 * environment the bench hands it. It logs at info, as in production: the bench reads its
 * 'clip compressed to fit' lines. Answers a `stats` message with its event-loop delay, and a `memory`
 * message with its `process.memoryUsage()` now and the peak of each figure since the last one.
 */
import { REST } from 'discord.js';
import { createApp } from '../src/app.js';
import { createDiscordDelivery } from '../src/bots/discord/delivery.js';
import { DISCORD, DISCORD_STORE } from '../src/bots/discord/platform.js';
import { createTelegramApi } from '../src/bots/telegram/api.js';
import { createTelegramDelivery } from '../src/bots/telegram/delivery.js';
import { TELEGRAM, TELEGRAM_STORE } from '../src/bots/telegram/platform.js';
import { loadConfig } from '../src/config.js';
import type { ChatDelivery } from '../src/core/ports.js';
import { createStatusStore } from '../src/desk/status-store.js';
import { createLogger } from '../src/log.js';
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { serveBenchChild } from './child.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const ffmpeg = await findFfmpeg({
  ...(config.transcode.ffmpegPath ? { FFMPEG_PATH: config.transcode.ffmpegPath } : {}),
  ...(config.transcode.ffprobePath ? { FFPROBE_PATH: config.transcode.ffprobePath } : {}),
});
if (!ffmpeg)
  logger.warn('ffmpeg/ffprobe not found: clips over a platform upload limit will be posted as links');
const app = createApp({ config, logger, ...(ffmpeg ? { ffmpeg } : {}) });

const deliveries: Record<string, ChatDelivery> = {};
const tg = config.platforms[TELEGRAM];
const dc = config.platforms[DISCORD];
if (tg?.token) {
  deliveries[TELEGRAM] = createTelegramDelivery({
    api: createTelegramApi({ token: tg.token, apiRoot: tg.apiUrl }),
    store: createStatusStore(app.redis, config.queuePrefix, TELEGRAM_STORE),
    logger,
    token: tg.token,
    uploadLimit: config.telegramMaxUploadBytes,
  });
}
if (dc?.token) {
  deliveries[DISCORD] = createDiscordDelivery({
    rest: new REST({ api: dc.apiUrl }).setToken(dc.token),
    token: dc.token,
    store: createStatusStore(app.redis, config.queuePrefix, DISCORD_STORE),
    logger,
  });
}
const workers = app.startWorkers({ deliveries });
await Promise.all([workers.generate.waitUntilReady(), workers.deliver.waitUntilReady()]);

// Where the memory is, sampled every 100 ms: the peak of each figure since the last `memory` message.
type Usage = Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'>;
const usage = (): Usage => {
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
};
let peaks = usage();
setInterval(() => {
  const now = usage();
  for (const key of Object.keys(now) as (keyof Usage)[]) peaks[key] = Math.max(peaks[key], now[key]);
}, 100).unref();
serveBenchChild(app, (message) => {
  if (message !== 'memory') return;
  process.send?.({ memory: { now: usage(), peaks } });
  peaks = usage();
});
