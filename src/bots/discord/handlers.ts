import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type AutocompleteInteraction,
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
import { actionId, parseAction } from '../../desk/actions.js';
import { cancelReply } from '../../desk/cancel-reply.js';
import { GENERATE_COMMANDS, type GenerateCommandName } from '../../desk/commands.js';
import {
  CANCEL_ANSWERS,
  fittingModelsDoc,
  helpDoc,
  historyDoc,
  modelAnswer,
  quotaDoc,
  REPLAY_ANSWERS,
  replayLabel,
} from '../../desk/content.js';
import type { Accepted, CancelMine, Desk, HistoryItem } from '../../desk/desk.js';
import type { StatusFollower } from '../../desk/follower.js';
import { shorten } from '../../desk/format.js';
import { suggestModels } from '../../desk/models.js';
import type { Caller } from '../../desk/place.js';
import type { Logger } from '../../log.js';
import { adminCommandOf } from './admin.js';
import { discordHelpWords, MESSAGE_LIMIT, relativeTime, renderDoc } from './markdown.js';
import { commandOf, givenOptions, impliedModes, modelChoice, type RawOption } from './options.js';
import { callerOf, placeOf, targetOf } from './platform.js';
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
/** Most suggestions an autocomplete answer may hold. */
const AUTOCOMPLETE_CHOICES = 25;

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
  return { content: text, components: rowsOf(buttons) };
}

/** Buttons in rows of five, as many as Discord takes. */
function rowsOf(buttons: APIButtonComponentWithCustomId[]): Rows {
  const shown = buttons.slice(0, MAX_BUTTONS);
  const rows: Rows = [];
  for (let at = 0; at < shown.length; at += BUTTONS_PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: shown.slice(at, at + BUTTONS_PER_ROW) });
  }
  return rows;
}

/** `/history`: the desk's list, and a button to post each clip whose link still lives. */
function historyAnswer(items: readonly HistoryItem[]): Answer {
  const buttons = items.flatMap((item, i) =>
    item.live
      ? [
          button(
            replayLabel(item, i).slice(0, LABEL_MAX),
            ButtonStyle.Secondary,
            actionId({ kind: 'replay', jobId: item.jobId }),
          ),
        ]
      : [],
  );
  return { content: renderDoc(historyDoc(items)), components: rowsOf(buttons) };
}

/** A clip posted again: what it was, when it was made, and its link (Discord shows an mp4 link as a player). */
const replayText = (entry: { model: string; prompt: string; at: number }, url: string): string =>
  `${entry.model} · “${shorten(entry.prompt, 80)}” — made ${relativeTime(entry.at)}\n${url}`;

/** A document in one message: Discord refuses content over 2,000 characters. */
const fitted = (text: string): string =>
  text.length <= MESSAGE_LIMIT ? text : `${text.slice(0, MESSAGE_LIMIT - 1)}…`;

/**
 * A private answer that needs Redis: deferred first, so a slow Redis can't outlast Discord's three
 * seconds, then edited in.
 */
async function privately(interaction: RepliableInteraction, work: () => Promise<Answer>): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const { content, components = [] } = await work();
  await interaction.editReply({ content: fitted(content), components, allowedMentions: { parse: [] } });
}

/** Lets interactions that arrived meanwhile be deferred first (setImmediate runs after pending I/O). */
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

/** The handlers of slash commands and of buttons, over the desk. */
export function createHandlers({ desk, follower, logger }: HandlerDeps) {
  const help = renderDoc(helpDoc(desk.catalog, discordHelpWords(desk.catalog)));
  // Every model's details while they fit one message; past that, a line each, or only their ids.
  const models = renderDoc(fittingModelsDoc(desk.catalog, (doc) => renderDoc(doc).length <= MESSAGE_LIMIT));

  /**
   * The answer of `work`, unless the bot does not serve the caller's place (a server not allowed, a
   * DM where private chats are off): then the desk's polite refusal. Operators are always served.
   */
  async function admitted(caller: Caller, work: () => Promise<Answer>): Promise<Answer> {
    const admission = await desk.admission(caller);
    if (!admission.ok) return { content: messageFor(admission.error, DISCORD_WORDS) };
    return work();
  }

  /** `/admin <sub> …`: the desk decides who may and does it; the answer is its document. */
  async function admin(interaction: ChatInputCommandInteraction, caller: Caller): Promise<Answer> {
    return admitted(caller, async () => {
      const cmd = adminCommandOf(interaction.options);
      if (!cmd) return { content: help };
      const reply = await desk.admin(caller, cmd);
      if (reply === 'busy') return { content: busy() };
      logger.info(
        { sub: cmd.sub, ok: reply.ok, guild: interaction.guildId, user: caller.requester.userId },
        'discord admin command',
      );
      return { content: renderDoc(reply.doc) };
    });
  }

  /**
   * A press of a `/history` button: the clip's link posted in the channel for everyone, or privately
   * why not. Deferred privately first (the desk reads Redis); the public post is a follow-up.
   */
  async function replay(interaction: ButtonInteraction, jobId: string) {
    const caller = callerOf(interaction);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const admission = await desk.admission(caller);
    if (!admission.ok) {
      await interaction.editReply({ content: messageFor(admission.error, DISCORD_WORDS) });
      return;
    }
    const result = await desk.replay(jobId, caller.requester);
    if (!result.ok) {
      await interaction.editReply({ content: REPLAY_ANSWERS[result.reason] });
      return;
    }
    await interaction.editReply({ content: '▶ Posted in the channel.' });
    await interaction.followUp({
      content: replayText(result.entry, result.url),
      allowedMentions: { parse: [] },
    });
  }

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
    const caller = callerOf(interaction);
    const { command, words } = commandOf(name, interaction.options, {
      requester: caller.requester,
      target: targetOf(interaction),
      place: caller.place,
      ...(caller.roles ? { roles: caller.roles } : {}),
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
    const caller = callerOf(interaction);
    const { requester } = caller;
    switch (name) {
      case 'cancel':
        return privately(interaction, async () => cancelAnswer(await desk.cancelMine(requester)));
      case 'quota':
        return privately(interaction, () =>
          admitted(caller, async () => {
            const quota = await desk.quota(caller);
            return { content: quota === 'busy' ? busy() : renderDoc(quotaDoc(quota)) };
          }),
        );
      case 'history':
        return privately(interaction, () =>
          admitted(caller, async () => {
            const items = await desk.history(caller);
            return items === 'busy' ? { content: busy() } : historyAnswer(items);
          }),
        );
      case 'admin':
        return privately(interaction, () => admin(interaction, caller));
      case 'models': {
        const typed = interaction.options.getString('model')?.trim();
        return ephemeral(interaction, typed ? fitted(renderDoc(modelAnswer(typed, desk.catalog))) : models);
      }
      default:
        // `/help`, and any command registered before this version knew it: how to use the bot.
        return ephemeral(interaction, help);
    }
  }

  async function onButton(interaction: ButtonInteraction) {
    const action = parseAction(interaction.customId);
    if (!action) return;
    const caller = callerOf(interaction);
    const { requester } = caller;
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
          await desk.again(action.jobId, caller, targetOf(interaction)),
          DISCORD_WORDS,
        );
      case 'replay':
        return replay(interaction, action.jobId);
    }
  }

  /**
   * A `model` option being typed: up to 25 suggestions, best first, among the models the command's
   * attachments so far call for and the server allows (read briefly cached and time-boxed, so the
   * answer comes within Discord's 3 s). `/models` and `/admin` suggest the whole catalog.
   */
  async function onAutocomplete(interaction: AutocompleteInteraction) {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== 'model') return interaction.respond([]);
    const name = interaction.commandName;
    const generating = (GENERATE_COMMANDS as readonly string[]).includes(name);
    const given = givenOptions(interaction.options.data as readonly RawOption[]);
    const models = generating ? await desk.allowedModels(placeOf(interaction)) : desk.catalog;
    const modes = generating ? impliedModes(name as GenerateCommandName, given) : undefined;
    const suggested = suggestModels(String(focused.value), models, {
      ...(modes ? { modes } : {}),
      max: AUTOCOMPLETE_CHOICES,
    });
    return interaction.respond(suggested.map(modelChoice));
  }

  return { onCommand, onButton, onAutocomplete };
}
