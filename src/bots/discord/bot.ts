import { randomUUID } from 'node:crypto';
import { Client, Events, MessageFlags } from 'discord.js';
import { messageFor } from '../../core/messages.js';
import type { Desk } from '../../desk/desk.js';
import { type FollowerLimits, followerLimits, StatusFollower } from '../../desk/follower.js';
import { headline } from '../../desk/status.js';
import type { BotStatusStore } from '../../desk/status-store.js';
import type { Logger } from '../../log.js';
import { describeDiscordError } from './errors.js';
import { createHandlers } from './handlers.js';
import { type DiscordShards, shardClientOptions } from './shards.js';
import type { DiscordMessageBody } from './status.js';
import { createDiscordSurface, type InteractionReply } from './surface.js';
import { DISCORD_WORDS } from './words.js';

/** What the Discord bot needs: its token and API, the desk, its status records, a log. */
export interface DiscordBotOptions {
  token: string;
  /** `DISCORD_API_URL` (REST base; the gateway URL comes from `GET /gateway/bot`). */
  apiUrl: string;
  desk: Desk;
  /** Discord's status records (`DISCORD_STORE`), shared with the workers' delivery. */
  store: BotStatusStore;
  logger: Logger;
  /**
   * Status pacing: least time between two edits of one status message (default 3 s), between
   * edits that change only the elapsed time (default the same), and how often followed jobs are
   * looked at (default 1 s).
   */
  status?: { editIntervalMs?: number; elapsedEveryMs?: number; tickMs?: number } & FollowerLimits;
  /** The gateway shards this process runs (`config.discordShards`); undefined: one, discord.js's default. */
  shards?: DiscordShards;
  now?: () => number;
}

/** A running Discord bot: its client, its status follower, and its lifecycle. */
export interface DiscordBot {
  client: Client;
  follower: StatusFollower<InteractionReply, DiscordMessageBody>;
  /** Logs in on the gateway and resolves when the client is ready: every shard of this process is. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Discord front end: a translator between Discord's interactions and the front desk. Slash
 * commands are answered in the order that keeps Discord's 3-second deadline whatever Redis does —
 * pure checks first (an immediate private reply for bad input), then a defer before any Redis call,
 * then the desk, then a status message the desk's follower keeps up to date. Clips go out from the
 * workers (`delivery.ts`).
 */
export function createDiscordBot(o: DiscordBotOptions): DiscordBot {
  // No gateway intents: interactions arrive without any. With shards, discord.js opens one gateway
  // session per shard and Discord sends each guild's interactions to the session of its shard; the
  // rest of the bot (handlers, the status follower) stays one per process.
  const client = new Client({ intents: [], rest: { api: o.apiUrl }, ...shardClientOptions(o.shards) });
  const surface = createDiscordSurface({
    rest: client.rest,
    logger: o.logger,
    ...(o.status?.editIntervalMs === undefined ? {} : { intervalMs: o.status.editIntervalMs }),
    ...(o.status?.elapsedEveryMs === undefined ? {} : { elapsedEveryMs: o.status.elapsedEveryMs }),
  });
  const follower = new StatusFollower<InteractionReply, DiscordMessageBody>({
    surface,
    status: (jobId) => o.desk.status(jobId),
    store: o.store,
    logger: o.logger,
    owner: randomUUID(),
    headline,
    ...(o.status?.tickMs === undefined ? {} : { tickMs: o.status.tickMs }),
    ...followerLimits(o.status),
    ...(o.now ? { now: o.now } : {}),
  });
  const { onCommand, onButton, onAutocomplete } = createHandlers({
    desk: o.desk,
    follower,
    logger: o.logger,
  });

  client.on(Events.InteractionCreate, (interaction) => {
    const handled = interaction.isChatInputCommand()
      ? onCommand(interaction)
      : interaction.isButton()
        ? onButton(interaction)
        : interaction.isAutocomplete()
          ? onAutocomplete(interaction)
          : undefined;
    handled?.catch(async (error: unknown) => {
      o.logger.error(
        { err: describeDiscordError(error), kind: interaction.type },
        'discord interaction failed',
      );
      if (!interaction.isRepliable()) return;
      const content = messageFor({ id: 'internal' }, DISCORD_WORDS);
      await (interaction.deferred || interaction.replied
        ? interaction.editReply({ content })
        : interaction.reply({ content, flags: MessageFlags.Ephemeral })
      ).catch(() => undefined);
    });
  });
  client.on(Events.Error, (error) =>
    o.logger.error({ err: describeDiscordError(error) }, 'discord client error'),
  );
  client.on(Events.ShardDisconnect, (event, shard) =>
    o.logger.error({ shard, code: event.code }, 'discord shard disconnected for good'),
  );

  return {
    client,
    follower,
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(o.token);
      await ready;
      follower.start();
      // ClientReady comes once every shard of this process is ready; by then discord.js has
      // settled the ids and the count (asked of Discord with `auto`).
      const shards = [...client.ws.shards.keys()].sort((a, b) => a - b);
      const shardCount = client.options.shardCount;
      o.logger.info({ bot: client.user?.username, shards, shardCount }, 'discord bot started');
    },
    async stop() {
      await follower.stop();
      await client.destroy();
    },
  };
}
