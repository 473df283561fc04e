import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
} from 'discord.js';
import { messageFor } from '../../core/messages.js';
import {
  type FinalOutcome,
  formatElapsed,
  LINK_LIFETIME_TEXT,
  type LiveState,
  progressBar,
  REFUND_NOTE,
  refunded,
  remainingMs,
} from '../shared.js';

/**
 * The status message of a Discord job, rendered: an embed that moves through the job's states and
 * the buttons under it. Pure: the bot and the worker post what these return.
 */

/** Every state a status shows: the live ones, and how the job ended. */
export type JobState = LiveState | 'done' | 'failed' | 'cancelled';

/** Embed colour of each state. */
export const STATE_COLOURS: Record<JobState, number> = {
  queued: 0x99aab5,
  preparing: 0x5865f2,
  submitted: 0x5865f2,
  generating: 0xfee75c,
  sending: 0x57f287,
  done: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x4f545c,
};

/** What a status says about one job. */
export interface StatusView {
  state: JobState;
  model: string;
  /** Seconds. */
  duration: number;
  /** The requester's user id, mentioned in the status. */
  userId: string;
  /** Place in line while queued (1 = next). */
  position?: number;
  /** The provider's progress while generating, 0–100. */
  percent?: number;
  /** Since the request was taken (ms). */
  elapsedMs: number;
  /**
   * How long the provider has been generating (ms), when known: the base of the ETA, which
   * `elapsedMs` (time in our queue included) would overstate.
   */
  generatingMs?: number;
  /** Epoch ms the view was taken at: the ETA is absolute. */
  now: number;
  /** The requester pressed Cancel; the worker's outcome follows. */
  cancelling?: boolean;
  prompt?: string;
}

/** The fields a final status keeps of the job. */
export type FinalView = Pick<StatusView, 'model' | 'duration' | 'userId'> &
  Partial<Pick<StatusView, 'elapsedMs' | 'prompt'>>;

/** `<t:1763769600:R>`: Discord shows it in the reader's time zone, as "in 2 minutes". */
export const relativeTime = (epochMs: number): string => `<t:${Math.round(epochMs / 1000)}:R>`;

const PROMPT_SHOWN = 300;

const promptText = (prompt: string | undefined): string | undefined => {
  const p = prompt?.trim();
  if (!p) return undefined;
  const cut = p.length > PROMPT_SHOWN ? `${p.slice(0, PROMPT_SHOWN - 1)}…` : p;
  return cut
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
};

function headline(view: StatusView): string {
  if (view.cancelling && !isFinished(view.state)) return '🚫 Cancelling…';
  switch (view.state) {
    case 'queued':
      return view.position === undefined ? '⏳ Queued' : `⏳ Queued — #${view.position} in line`;
    case 'preparing':
      return '⚙️ Preparing your request…';
    case 'submitted':
      return "🕒 Submitted: waiting in the provider's queue";
    case 'generating':
      return '🎬 Generating…';
    case 'sending':
      return '📦 The clip is ready: sending it…';
    case 'done':
      return '✅ Done';
    case 'failed':
      return '❌ Failed';
    case 'cancelled':
      return '🚫 Cancelled';
  }
}

const isFinished = (state: JobState): boolean =>
  state === 'done' || state === 'failed' || state === 'cancelled';

/**
 * When the clip should be ready, from the provider's progress and how long it has run; undefined
 * unless the job is generating with a percent between 0 and 100.
 */
export function etaOf(view: StatusView): number | undefined {
  if (view.state !== 'generating') return undefined;
  const left = remainingMs(view.percent, view.generatingMs ?? view.elapsedMs);
  return left === undefined ? undefined : view.now + left;
}

const jobFields = (view: FinalView): APIEmbedField[] => [
  { name: 'Model', value: view.model, inline: true },
  { name: 'Length', value: `${view.duration} s`, inline: true },
];

const requesterField = (userId: string): APIEmbedField => ({
  name: 'Requested by',
  value: `<@${userId}>`,
  inline: true,
});

/** The embed of a job in any state: headline, model and length, place in line, progress, elapsed, ETA. */
export function statusEmbed(view: StatusView): APIEmbed {
  const fields = jobFields(view);
  if (view.state === 'queued' && view.position !== undefined) {
    fields.push({ name: 'Queue', value: `#${view.position}`, inline: true });
  }
  const percent =
    view.state === 'generating'
      ? view.percent
      : view.state === 'sending' || view.state === 'done'
        ? 100
        : undefined;
  if (percent !== undefined) {
    const shown = Math.max(0, Math.min(100, Math.round(percent)));
    fields.push({ name: 'Progress', value: `${progressBar(shown)} ${shown}%`, inline: false });
  }
  fields.push({ name: 'Elapsed', value: formatElapsed(view.elapsedMs), inline: true });
  const eta = etaOf(view);
  if (eta !== undefined) fields.push({ name: 'ETA', value: relativeTime(eta), inline: true });
  fields.push(requesterField(view.userId));

  const embed: APIEmbed = { title: headline(view), color: STATE_COLOURS[view.state], fields };
  const prompt = promptText(view.prompt);
  if (prompt) embed.description = prompt;
  return embed;
}

/** Custom ids of the status buttons: `cancel:<jobId>`, `again:<jobId>`. */
export const BUTTON_ACTIONS = ['cancel', 'again'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

export const customId = (action: ButtonAction, jobId: string): string => `${action}:${jobId}`;

/** A button's custom id read back; undefined when it is none of ours. */
export function parseCustomId(id: string): { action: ButtonAction; jobId: string } | undefined {
  const at = id.indexOf(':');
  const action = id.slice(0, at);
  const jobId = id.slice(at + 1);
  if (at <= 0 || jobId === '' || !(BUTTON_ACTIONS as readonly string[]).includes(action)) return undefined;
  return { action: action as ButtonAction, jobId };
}

/**
 * The buttons under a status: Cancel while the job can still be stopped (queued up to generating;
 * not once the clip is made and sending, when cancelling would change nothing), none while a cancel
 * is under way; Again when it is done; none after a failure or a cancel.
 */
export function statusButtons(
  jobId: string,
  state: JobState,
  cancelling = false,
): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const row = (button: APIButtonComponentWithCustomId) => [
    { type: ComponentType.ActionRow as const, components: [button] },
  ];
  switch (state) {
    case 'queued':
    case 'preparing':
    case 'submitted':
    case 'generating':
      if (cancelling) return [];
      return row({
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Cancel',
        emoji: { name: '✖️' },
        custom_id: customId('cancel', jobId),
      });
    case 'done':
      return row({
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: 'Again',
        emoji: { name: '🔁' },
        custom_id: customId('again', jobId),
      });
    default:
      return [];
  }
}

/** The state an outcome ends a job in. */
export const outcomeState = (outcome: FinalOutcome): JobState =>
  outcome.kind !== 'failure' ? 'done' : outcome.error.id === 'cancelled' ? 'cancelled' : 'failed';

const mb = (bytes: number): string => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * The embed of a finished job: done (the clip is in the message), done as a link (too big to upload;
 * how long the link lives), a failure (the reason, and that it did not count against the quota unless
 * the clip was made), or cancelled.
 */
export function finalEmbed(outcome: FinalOutcome, view: FinalView): APIEmbed {
  const state = outcomeState(outcome);
  const took = view.elapsedMs === undefined ? '' : ` in ${formatElapsed(view.elapsedMs)}`;
  let title: string;
  let description: string;
  switch (outcome.kind) {
    case 'clip':
      title = `✅ Done${took}`;
      description = 'Here is your clip.';
      break;
    case 'link': {
      title = `✅ Done${took}`;
      const lives =
        outcome.expiresAt === undefined
          ? `download it soon: ${LINK_LIFETIME_TEXT}`
          : `download it soon: the link expires ${relativeTime(outcome.expiresAt)}`;
      description =
        `At ${mb(outcome.size)} the clip is too big to upload here, so here is a link` +
        `${outcome.url === undefined ? '' : `:\n${outcome.url}`}\n(${lives}).`;
      break;
    }
    case 'failure':
      if (state === 'cancelled') {
        title = '🚫 Cancelled';
        description = REFUND_NOTE;
      } else {
        title = '❌ Failed';
        description = refunded(outcome.error)
          ? `${messageFor(outcome.error)}\n${REFUND_NOTE}`
          : messageFor(outcome.error);
      }
      break;
  }
  const prompt = promptText(view.prompt);
  return {
    title,
    description: prompt ? `${prompt}\n\n${description}` : description,
    color: STATE_COLOURS[state],
    fields: [...jobFields(view), requesterField(view.userId)],
  };
}
