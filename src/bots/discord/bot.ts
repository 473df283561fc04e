import { randomUUID } from 'node:crypto';
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  Events,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  type RepliableInteraction,
} from 'discord.js';
import type { UserError } from '../../core/errors.js';
import { messageFor } from '../../core/messages.js';
import type { DiscordTarget } from '../../core/ports.js';
import { type GenerationRequest, type Requester, userKey, type ValidRequest } from '../../core/request.js';
import type { Intake } from '../../jobs/intake.js';
import type { GeneratePayload, Queues } from '../../jobs/queues.js';
import type { Quota } from '../../jobs/quota.js';
import type { Logger } from '../../log.js';
import { CANCEL_ANSWERS } from '../shared.js';
import type { StatusStore } from '../status-store.js';
import { checkCommand, type GenerateCommand, requestFromOptions } from './commands.js';
import { describeDiscordError } from './delivery.js';
import { liveMessage } from './render.js';
import { parseCustomId } from './status.js';
import { helpText, modelsText, quotaText } from './texts.js';
import { DiscordStatusTracker } from './tracker.js';

export interface DiscordBotOptions {
  token: string;
  /** `DISCORD_API_URL` (REST base; the gateway URL comes from `GET /gateway/bot`). */
  apiUrl: string;
  intake: Intake;
  quota: Quota;
  queues: Queues;
  store: StatusStore;
  logger: Logger;
  /** Status pacing: least time between two edits of one status message (default 3 s). */
  status?: { editIntervalMs?: number; tickMs?: number };
  now?: () => number;
}

export interface DiscordBot {
  client: Client;
  tracker: DiscordStatusTracker;
  /** Logs in on the gateway and resolves when the client is ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the bot needs to post in a channel without the interaction token. */
const CHANNEL_POST =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.AttachFiles;

/** A stored request as a new one (the Again button): same model, prompt, settings and images. */
export function requestFromValid(valid: ValidRequest): GenerationRequest {
  const request: GenerationRequest = { model: valid.model, prompt: valid.prompt, duration: valid.duration };
  if (valid.negativePrompt !== undefined) request.negativePrompt = valid.negativePrompt;
  if (valid.aspectRatio !== undefined) request.aspectRatio = valid.aspectRatio;
  if (valid.quality !== undefined) request.quality = valid.quality;
  if (valid.cfgScale !== undefined) request.cfgScale = valid.cfgScale;
  if (valid.sound !== undefined) request.sound = valid.sound;
  if (valid.images.first) request.firstFrame = valid.images.first;
  if (valid.images.last) request.lastFrame = valid.images.last;
  if (valid.images.references) request.references = valid.images.references;
  if (valid.images.video) request.referenceVideo = valid.images.video;
  return request;
}

/**
 * The Discord front end: slash commands from the catalog, answered in the order that keeps
 * Discord's 3-second deadline whatever Redis does — pure checks first (an immediate ephemeral reply
 * for bad input), then a defer before any Redis call, then the intake, then a status message that
 * follows the job. Clips go out from the workers (`delivery.ts`).
 */
export function createDiscordBot(o: DiscordBotOptions): DiscordBot {
  // No gateway intents: interactions arrive without any.
  const client = new Client({ intents: [], rest: { api: o.apiUrl } });
  const now = o.now ?? Date.now;
  const owner = randomUUID();
  const tracker = new DiscordStatusTracker({
    rest: client.rest,
    store: o.store,
    generateQueue: o.queues.generate,
    logger: o.logger,
    ...o.status,
    now,
  });

  const ephemeral = (interaction: RepliableInteraction, content: string) =>
    interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

  const requesterOf = (interaction: RepliableInteraction): Requester => ({
    platform: 'discord',
    userId: interaction.user.id,
    displayName: interaction.user.username,
  });

  const targetOf = (interaction: RepliableInteraction): DiscordTarget => {
    const perms = interaction.appPermissions;
    const inBotDm = interaction.context === InteractionContextType.BotDM;
    return {
      kind: 'discord',
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      interactionAt: interaction.createdTimestamp,
      channelId: interaction.channelId ?? '',
      guildId: interaction.guildId ?? undefined,
      userId: interaction.user.id,
      attachmentSizeLimit: interaction.attachmentSizeLimit,
      canPostInChannel: Boolean(interaction.channelId) && (inBotDm || (perms?.has(CHANNEL_POST) ?? false)),
    };
  };

  /** After the defer: intake, then the status message (or the reason there is none). */
  async function enqueue(interaction: RepliableInteraction, request: GenerationRequest) {
    const requester = requesterOf(interaction);
    const accepted = await o.intake.submit(request, requester, targetOf(interaction));
    if (!accepted.ok) {
      await interaction.editReply({ content: messageFor(accepted.error), allowedMentions: { parse: [] } });
      return;
    }
    const { jobId, position, request: valid } = accepted.value;
    const startedAt = now();
    const view = {
      jobId,
      position,
      model: valid.model,
      duration: valid.duration,
      userId: interaction.user.id,
      startedAt,
      prompt: valid.prompt,
    };
    const { embeds, components } = liveMessage(view, { elapsedMs: 0 }, startedAt);
    const message = await interaction.editReply({ embeds, components });
    try {
      await o.store.attach(jobId, {
        chatId: message.channelId,
        messageId: message.id,
        owner,
      });
    } catch (error) {
      o.logger.warn({ jobId, err: String(error) }, 'could not record the discord status message');
    }
    tracker.track({
      ...view,
      applicationId: interaction.applicationId,
      interactionToken: interaction.token,
      interactionAt: interaction.createdTimestamp,
    });
    o.logger.info(
      { jobId, model: valid.model, mode: valid.mode, guild: interaction.guildId },
      'discord request queued',
    );
  }

  async function generate(interaction: ChatInputCommandInteraction, command: GenerateCommand) {
    const request = requestFromOptions(command, interaction.options);
    const checked = checkCommand(request);
    if (!checked.ok) return ephemeral(interaction, messageFor(checked.error));
    // Deferred before any Redis call: a slow or absent Redis can't leave "is thinking…" forever.
    await interaction.deferReply();
    // Interactions that arrived meanwhile are deferred first (setImmediate runs after pending I/O):
    // in a burst, every defer is due within 3 s, and a place in the queue can wait a moment.
    await new Promise((resolve) => setImmediate(resolve));
    await enqueue(interaction, request);
  }

  async function onButton(interaction: ButtonInteraction) {
    const parsed = parseCustomId(interaction.customId);
    if (!parsed) return;
    const { action, jobId } = parsed;
    if (action === 'cancel') {
      const outcome = await o.intake.cancel(jobId, requesterOf(interaction)).catch(() => 'busy' as const);
      if (outcome === 'cancelling') tracker.markCancelling(jobId);
      return ephemeral(interaction, CANCEL_ANSWERS[outcome]);
    }
    // Again: the same settings, as a new request of whoever pressed (their quota applies).
    let job: Awaited<ReturnType<Queues['generate']['getJob']>>;
    try {
      job = await o.queues.generate.getJob(jobId);
    } catch {
      return ephemeral(interaction, messageFor({ id: 'service-busy' }));
    }
    const data = job?.data as GeneratePayload | undefined;
    if (!data?.request) return ephemeral(interaction, 'That clip is too old to repeat: use /video again.');
    await interaction.deferReply();
    await enqueue(interaction, requestFromValid(data.request));
  }

  async function onCommand(interaction: ChatInputCommandInteraction) {
    switch (interaction.commandName) {
      case 'video':
      case 'reference':
        return generate(interaction, interaction.commandName);
      case 'models':
        return ephemeral(interaction, modelsText());
      case 'help':
        return ephemeral(interaction, helpText());
      case 'quota': {
        const usage = await o.quota.usage(userKey(requesterOf(interaction))).catch(() => undefined);
        return ephemeral(interaction, usage ? quotaText(usage, now()) : messageFor({ id: 'service-busy' }));
      }
      default:
        return ephemeral(interaction, `I don't know /${interaction.commandName}.`);
    }
  }

  client.on(Events.InteractionCreate, (interaction) => {
    const handled = interaction.isChatInputCommand()
      ? onCommand(interaction)
      : interaction.isButton()
        ? onButton(interaction)
        : undefined;
    handled?.catch(async (error: unknown) => {
      o.logger.error(
        { err: describeDiscordError(error), kind: interaction.type },
        'discord interaction failed',
      );
      if (!interaction.isRepliable()) return;
      const reason: UserError = { id: 'internal' };
      await (interaction.deferred || interaction.replied
        ? interaction.editReply({ content: messageFor(reason) })
        : ephemeral(interaction, messageFor(reason))
      ).catch(() => undefined);
    });
  });
  client.on(Events.Error, (error) =>
    o.logger.error({ err: describeDiscordError(error) }, 'discord client error'),
  );

  return {
    client,
    tracker,
    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(o.token);
      await ready;
      tracker.start();
      o.logger.info({ bot: client.user?.username }, 'discord bot started');
    },
    async stop() {
      await tracker.stop();
      await client.destroy();
    },
  };
}
