import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type ButtonInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
  ComponentType,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import type { Result } from '../../core/errors.js';
import { messageFor } from '../../core/messages.js';
import type { Vocabulary } from '../../core/words.js';
import { parseAction } from '../../desk/actions.js';
import { cancelReply } from '../../desk/cancel-reply.js';
import { GENERATE_COMMANDS, type GenerateCommandName } from '../../desk/commands.js';
import { CANCEL_ANSWERS, helpDoc, modelsDoc, quotaDoc } from '../../desk/content.js';
import type { Accepted, CancelMine, Desk } from '../../desk/desk.js';
import type { StatusFollower } from '../../desk/follower.js';
import type { Logger } from '../../log.js';
import { discordHelpWords, renderDoc } from './markdown.js';
import { commandOf } from './options.js';
import { requesterOf, targetOf } from './platform.js';
import { button, type DiscordMessageBody, liveMessage } from './status.js';
import type { InteractionReply } from './surface.js';
import { DISCORD_WORDS } from './words.js';

/**
 * What the bot does with each interaction: a translation of it into a desk call, and of the desk's
 * answer into a Discord reply. Nothing is decided here.
 */

/** What the handlers work with: the desk, the status follower, the log. */
export interface HandlerDeps {
  desk: Desk;
  follower: StatusFollower<InteractionReply, DiscordMessageBody>;
  logger: Logger;
}

type Rows = APIActionRowComponent<APIButtonComponentWithCustomId>[];

/** Discord's limits on buttons: 5 a row, 5 rows, 80 characters a label. */
const BUTTONS_PER_ROW = 5;
const MAX_BUTTONS = 25;
const LABEL_MAX = 80;

const ephemeral = (interaction: RepliableInteraction, content: string) =>
  interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

const busy = () => messageFor({ id: 'service-busy' }, DISCORD_WORDS);

interface Answer {
  content: string;
  components?: Rows;
}

/**
 * `/cancel`'s answer as a Discord reply: the desk's words, and its choice as buttons, five a row.
 * Past Discord's 25 buttons, the oldest jobs are offered, and "all of them" always.
 */
function cancelAnswer(result: CancelMine): Answer {
  const { text, choices } = cancelReply(result);
  const shown =
    choices.length > MAX_BUTTONS ? [...choices.slice(0, MAX_BUTTONS - 1), ...choices.slice(-1)] : choices;
  const buttons = shown.map((c, i) =>
    button(
      c.label.slice(0, LABEL_MAX),
      i === shown.length - 1 ? ButtonStyle.Danger : ButtonStyle.Secondary,
      c.action,
    ),
  );
  const components: Rows = [];
  for (let at = 0; at < buttons.length; at += BUTTONS_PER_ROW) {
    components.push({ type: ComponentType.ActionRow, components: buttons.slice(at, at + BUTTONS_PER_ROW) });
  }
  return { content: text, components };
}

/**
 * A private answer that needs Redis: deferred first, so a slow Redis can't outlast Discord's three
 * seconds, then edited in.
 */
async function privately(interaction: RepliableInteraction, work: () => Promise<Answer>): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const { content, components = [] } = await work();
  await interaction.editReply({ content, components, allowedMentions: { parse: [] } });
}

/** Lets interactions that arrived meanwhile be deferred first (setImmediate runs after pending I/O). */
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

/** The handlers of slash commands and of buttons, over the desk. */
export function createHandlers({ desk, follower, logger }: HandlerDeps) {
  const help = renderDoc(helpDoc(desk.catalog, discordHelpWords(desk.catalog)));
  const models = renderDoc(modelsDoc(desk.catalog));

  /** After the defer: the status message of the desk's job (or the reason there is none), followed. */
  async function showAccepted(
    interaction: RepliableInteraction,
    accepted: Result<Accepted>,
    words: Vocabulary,
  ) {
    if (!accepted.ok) {
      await interaction.editReply({
        content: messageFor(accepted.error, words),
        allowedMentions: { parse: [] },
      });
      return;
    }
    const { jobId, request, view } = accepted.value;
    const body = liveMessage(view);
    const message = await interaction.editReply({ embeds: body.embeds, components: body.components });
    await follower.follow(
      jobId,
      {
        applicationId: interaction.applicationId,
        interactionToken: interaction.token,
        interactionAt: interaction.createdTimestamp,
        channelId: message.channelId,
        messageId: message.id,
      },
      body,
    );
    logger.info(
      { jobId, model: request.model, mode: request.mode, guild: interaction.guildId },
      'discord request queued',
    );
  }

  async function generate(interaction: ChatInputCommandInteraction, name: GenerateCommandName) {
    const { command, words } = commandOf(name, interaction.options, {
      requester: requesterOf(interaction),
      target: targetOf(interaction),
    });
    const checked = desk.check(command);
    if (!checked.ok) return ephemeral(interaction, messageFor(checked.error, words));
    // Deferred before any Redis call: a slow or absent Redis can't leave "is thinking…" forever.
    await interaction.deferReply();
    // In a burst, every defer is then due within 3 s, and a place in the queue can wait a moment.
    await yieldToOthers();
    await showAccepted(interaction, await desk.submit(command), words);
  }

  async function onCommand(interaction: ChatInputCommandInteraction) {
    const name = interaction.commandName;
    if ((GENERATE_COMMANDS as readonly string[]).includes(name)) {
      return generate(interaction, name as GenerateCommandName);
    }
    const requester = requesterOf(interaction);
    switch (name) {
      case 'cancel':
        return privately(interaction, async () => cancelAnswer(await desk.cancelMine(requester)));
      case 'quota':
        return privately(interaction, async () => {
          const quota = await desk.quota(requester);
          return { content: quota === 'busy' ? busy() : renderDoc(quotaDoc(quota)) };
        });
      case 'models':
        return ephemeral(interaction, models);
      default:
        // `/help`, and any command registered before this version knew it: how to use the bot.
        return ephemeral(interaction, help);
    }
  }

  async function onButton(interaction: ButtonInteraction) {
    const action = parseAction(interaction.customId);
    if (!action) return;
    const requester = requesterOf(interaction);
    switch (action.kind) {
      case 'cancel':
        return privately(interaction, async () => ({
          content: CANCEL_ANSWERS[await desk.cancel(action.jobId, requester)],
        }));
      case 'cancel-all':
        return privately(interaction, async () => cancelAnswer(await desk.cancelAll(requester)));
      case 'again':
        // The same clip, as a new request of whoever pressed (their quota applies).
        await interaction.deferReply();
        await yieldToOthers();
        return showAccepted(
          interaction,
          await desk.again(action.jobId, requester, targetOf(interaction)),
          DISCORD_WORDS,
        );
    }
  }

  return { onCommand, onButton };
}
