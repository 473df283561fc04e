import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
} from 'discord.js';
import { actionId } from '../../desk/actions.js';
import { creditsText } from '../../desk/content.js';
import { AGAIN_LABEL, CLIP_POSTED, linkText, seedText } from '../../desk/delivered.js';
import { formatElapsed } from '../../desk/format.js';
import {
  clipFacts,
  type FinalOutcome,
  failureText,
  headline,
  type LiveState,
  outcomeTitle,
  PAID_NOTE,
  type StatusView,
  stopLabel,
  stoppable,
} from '../../desk/status.js';
import { relativeTime } from './markdown.js';
import { DISCORD_WORDS } from './words.js';

/**
 * The status message of a Discord job: the desk's view rendered as an embed, with the stop button
 * while the job can be stopped and Again once it is done. Pure: the bot, its status follower and
 * the worker's delivery post what these return.
 */

/** A message body as the REST API takes it (interaction webhook edits and channel posts). */
export interface DiscordMessageBody {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  attachments?: { id: number; filename: string }[];
}

/** Every state a status shows: the live ones, and how the job ended. */
export type JobState = LiveState | 'cancelling' | 'done' | 'failed' | 'cancelled' | 'stopped';

/** Embed colour of each state. */
export const STATE_COLOURS: Record<JobState, number> = {
  queued: 0x99aab5,
  preparing: 0x5865f2,
  submitting: 0x5865f2,
  submitted: 0x5865f2,
  generating: 0xfee75c,
  sending: 0x57f287,
  cancelling: 0x4f545c,
  done: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x4f545c,
  stopped: 0x4f545c,
};

/** The facts of a job a status shows, live or final. */
export interface JobFacts {
  jobId: string;
  model: string;
  /** Seconds of clip. */
  duration: number;
  prompt: string;
  /** The requester's user id, mentioned in the status. */
  userId: string;
  /** What the clip costs (absent for jobs queued before clips had a price). */
  credits?: number;
  /** The seed the member chose, shown with the clip so a good one can be made again. */
  seed?: number;
}

const PROMPT_SHOWN = 300;

/** The prompt as a quote, cut short, its markdown escaped (a prompt shows as typed, never as markup or a mention). */
export function promptQuote(prompt: string): string | undefined {
  const p = prompt.trim();
  if (!p) return undefined;
  const cut = p.length > PROMPT_SHOWN ? `${p.slice(0, PROMPT_SHOWN - 1)}…` : p;
  return escapeMarkdown(cut)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/** The clip's cost; struck through once it was given back. */
const costText = (credits: number, refunded: boolean): string =>
  refunded ? `~~${creditsText(credits)}~~ refunded` : creditsText(credits);

/** Model, length and cost: one row of the embed. */
const jobFields = (job: JobFacts, refunded = false): APIEmbedField[] => [
  { name: 'Model', value: job.model, inline: true },
  { name: 'Length', value: `${job.duration} s`, inline: true },
  ...(job.credits === undefined
    ? []
    : [{ name: 'Cost', value: costText(job.credits, refunded), inline: true }]),
];

const requesterField = (userId: string): APIEmbedField => ({
  name: 'Requested by',
  value: `<@${userId}>`,
  inline: true,
});

const row = (
  ...buttons: APIButtonComponentWithCustomId[]
): APIActionRowComponent<APIButtonComponentWithCustomId>[] =>
  buttons.length === 0 ? [] : [{ type: ComponentType.ActionRow, components: buttons }];

/** A button of ours: its label, style and action id. */
export const button = (
  label: string,
  style: APIButtonComponentWithCustomId['style'],
  customId: string,
): APIButtonComponentWithCustomId => ({ type: ComponentType.Button, style, label, custom_id: customId });

/** A job's facts as its status view has them. */
export const factsOf = (view: StatusView): JobFacts => ({
  jobId: view.jobId,
  model: view.model,
  duration: view.duration,
  prompt: view.prompt,
  userId: view.requester.userId,
  ...(typeof view.credits === 'number' ? { credits: view.credits } : {}),
});

/**
 * An unfinished job: the desk's headline, model, length and cost, place in line, elapsed time, the ETA as
 * a Discord timestamp (it counts down in the reader's client, with no edit), the requester, the
 * prompt; the note that stopping it now still counts once the provider has it; and the stop button,
 * labelled with what pressing it means.
 */
export function liveMessage(view: StatusView): DiscordMessageBody {
  const job = factsOf(view);
  const fields = jobFields(job);
  if (view.state === 'queued' && view.position !== undefined) {
    fields.push({ name: 'Queue', value: `#${view.position}`, inline: true });
  }
  fields.push({ name: 'Elapsed', value: formatElapsed(view.elapsedMs), inline: true });
  if (view.etaAt !== undefined) fields.push({ name: 'ETA', value: relativeTime(view.etaAt), inline: true });
  fields.push(requesterField(job.userId));
  const embed: APIEmbed = {
    title: headline(view),
    color: STATE_COLOURS[view.cancelling ? 'cancelling' : view.state],
    fields,
  };
  const prompt = promptQuote(job.prompt);
  if (prompt) embed.description = prompt;
  if (view.paid) embed.footer = { text: PAID_NOTE };
  const stop = stoppable(view)
    ? row(button(stopLabel(view), ButtonStyle.Danger, actionId({ kind: 'cancel', jobId: view.jobId })))
    : [];
  return { embeds: [embed], components: stop };
}

/** The state an outcome ends a job in. */
export function outcomeState(outcome: FinalOutcome): JobState {
  if (outcome.kind !== 'failure') return 'done';
  if (outcome.error.id !== 'cancelled') return 'failed';
  return outcome.refunded ? 'cancelled' : 'stopped';
}

/** What a final status says under its title: the clip, the link, or the reason and the quota. */
function outcomeText(outcome: FinalOutcome): string {
  switch (outcome.kind) {
    case 'clip':
      return [CLIP_POSTED, ...clipFacts(outcome)].join('\n');
    case 'link': {
      const said = linkText(
        outcome.size,
        outcome.expiresAt === undefined ? undefined : relativeTime(outcome.expiresAt),
      );
      return outcome.url === undefined ? `${said}.` : `${said}:\n${outcome.url}`;
    }
    case 'failure':
      return failureText(outcome, DISCORD_WORDS);
  }
}

/**
 * A finished job: the desk's title (done, failed, cancelled and refunded, stopped and charged), the
 * clip's cost (struck through when refunded), the prompt, then the clip's words, the link, or the reason and what it means for the quota; Again once
 * it is done.
 */
export function finalMessage(outcome: FinalOutcome, job: JobFacts, elapsedMs?: number): DiscordMessageBody {
  const state = outcomeState(outcome);
  const prompt = promptQuote(job.prompt);
  const text = outcomeText(outcome);
  const embed: APIEmbed = {
    title: outcomeTitle(outcome, elapsedMs),
    description: prompt ? `${prompt}\n\n${text}` : text,
    color: STATE_COLOURS[state],
    fields: [
      ...jobFields(job, outcome.kind === 'failure' && outcome.refunded),
      requesterField(job.userId),
      ...(state === 'done' && job.seed !== undefined
        ? [{ name: 'Seed', value: seedText(job.seed, DISCORD_WORDS) }]
        : []),
    ],
  };
  const again =
    state === 'done'
      ? row(button(AGAIN_LABEL, ButtonStyle.Secondary, actionId({ kind: 'again', jobId: job.jobId })))
      : [];
  return { embeds: [embed], components: again };
}
