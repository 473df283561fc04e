import type { Redis } from 'ioredis';
import type { UserError } from '../core/errors.js';
import { messageFor } from '../core/messages.js';
import type { Requester } from '../core/request.js';
import type { Vocabulary } from '../core/words.js';
import { providerCharges } from '../jobs/generate/failure.js';
import { readGeneratePayload } from '../jobs/migrate.js';
import type { GenerateProgress } from '../jobs/payloads.js';
import { cancelKey, placeInLine, type Queues } from '../jobs/queues.js';
import { formatElapsed, progressBar, remainingMs } from './format.js';

/** Where an unfinished job is, as a person would put it. */
export type LiveState = 'queued' | 'preparing' | 'submitting' | 'submitted' | 'generating' | 'sending';

/**
 * A job's status, computed from the job itself (so any bot process can show it): its place in line,
 * phase, percent, elapsed time and ETA, and what a cancel would mean for the person's quota.
 */
export interface StatusView {
  jobId: string;
  state: LiveState;
  model: string;
  /** Seconds of clip. */
  duration: number;
  prompt: string;
  /** What the clip costs. */
  credits: number;
  requester: Requester;
  /** Place in line while queued (1 = next). */
  position?: number;
  /** The provider's progress while generating, 0–100. */
  percent?: number;
  /** Since the request was taken (ms). */
  elapsedMs: number;
  /** When the clip should be ready (epoch ms), from the provider's progress and pace so far. */
  etaAt?: number;
  /** The provider accepted the task: it charges for it, and stopping it now gives nothing back. */
  paid: boolean;
  /** The requester asked to stop it; the worker's outcome follows. */
  cancelling: boolean;
  /** When the view was taken (epoch ms). */
  at: number;
}

/**
 * How a job ended, as the worker records it for the status message. `link`: the clip was too big to
 * upload, so it went as the provider's link (`url`, when the platform shows it in the status;
 * `expiresAt` in epoch ms, when known). `failure`: the reason, and whether the unit was given back.
 */
export type FinalOutcome =
  /** Posted; with the probed length and shape, and its size before compression, when known. */
  | {
      kind: 'clip';
      durationS?: number;
      width?: number;
      height?: number;
      size?: number;
      compressedFrom?: number;
    }
  | { kind: 'link'; size: number; url?: string; expiresAt?: number }
  | { kind: 'failure'; error: UserError; refunded: boolean };

/**
 * The state of a job from its generate progress: none yet → queued; preparing its inputs →
 * preparing; submitting → submitting; waiting in the provider's queue → submitted; running →
 * generating; the clip made (or the generate job finished, `handedOver`) → sending.
 */
export function liveState(progress: GenerateProgress | undefined, handedOver = false): LiveState {
  if (handedOver) return 'sending';
  if (!progress) return 'queued';
  switch (progress.step) {
    case 'prepare':
      return 'preparing';
    case 'submit':
      return 'submitting';
    case 'poll':
      return progress.phase === 'running' ? 'generating' : 'submitted';
    default:
      return 'sending';
  }
}

const isProgress = (p: unknown): p is GenerateProgress => typeof p === 'object' && p !== null && 'step' in p;

/** A job's status view now, or undefined when the job is gone. */
export async function readStatus(
  deps: { queues: Queues; redis: Redis },
  jobId: string,
  now: number,
): Promise<StatusView | undefined> {
  const job = await deps.queues.generate.getJob(jobId);
  const data = job ? readGeneratePayload(job.data) : undefined;
  if (!job || !data) return undefined;
  const progress = isProgress(job.progress) ? job.progress : undefined;
  const state = liveState(progress, Boolean(job.finishedOn) && !job.failedReason);
  const [cancelling, position] = await Promise.all([
    deps.redis.exists(cancelKey(deps.queues.prefix, jobId)),
    state === 'queued' ? placeInLine(deps.redis, deps.queues.generate, jobId) : undefined,
  ]);
  const view: StatusView = {
    jobId,
    state,
    model: data.request.model,
    duration: data.request.duration,
    prompt: data.request.prompt,
    credits: data.request.credits,
    requester: data.requester,
    elapsedMs: Math.max(0, now - job.timestamp),
    paid: providerCharges(data.state),
    cancelling: cancelling === 1,
    at: now,
  };
  if (position !== undefined) view.position = position;
  if (state === 'generating' && progress?.percent !== undefined) {
    view.percent = progress.percent;
    const since = data.state.step === 'poll' ? data.state.submittedAt : job.timestamp;
    const left = remainingMs(progress.percent, now - since);
    if (left !== undefined) view.etaAt = now + left;
  }
  return view;
}

/** The first line of a live status: what changes as the job moves (elapsed time aside). */
export function headline(view: StatusView): string {
  if (view.cancelling) return view.paid ? '⏹ Stopping…' : '🚫 Cancelling…';
  switch (view.state) {
    case 'queued':
      return view.position === undefined ? '⏳ Queued' : `⏳ Queued — #${view.position} in line`;
    case 'preparing':
      return '⚙️ Preparing your images…';
    case 'submitting':
      return '📤 Sending to the video provider…';
    case 'submitted':
      return "🕒 Submitted: waiting in the provider's queue";
    case 'generating':
      return view.percent === undefined
        ? '🎬 Generating…'
        : `🎬 Generating… ${progressBar(view.percent)} ${Math.round(view.percent)}%`;
    case 'sending':
      return '📦 The clip is ready: sending it…';
  }
}

/** Whether the job can still be stopped (not once the clip is made and on its way). */
export const stoppable = (view: StatusView): boolean => view.state !== 'sending' && !view.cancelling;

/** The stop button's label: what pressing it means for the person's quota, said before they press. */
export const stopLabel = (view: Pick<StatusView, 'paid'>): string =>
  view.paid ? '⏹ Stop — already paid' : '✖️ Cancel';

/** Said under a status once the provider has the task. */
export const PAID_NOTE = 'The provider has started on it: stopping it now still counts against your quota.';
export const REFUND_NOTE = 'This one did not count against your quota.';
export const KEPT_NOTE = 'The provider had already started on it, so it counts against your quota.';

/** "1m 05s" elapsed, or "about 40s left" when the ETA is known. */
export function timing(view: StatusView): string {
  const left =
    view.etaAt === undefined ? '' : ` · about ${formatElapsed(Math.max(0, view.etaAt - view.at))} left`;
  return `${formatElapsed(view.elapsedMs)}${left}`;
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * What the worker learned of a posted clip, in words: "5.0 s · 1920×1080", then, when it was
 * compressed to fit, "Compressed from 12.3 MB to 9.8 MB to fit the upload limit here.".
 */
export function clipFacts(outcome: Extract<FinalOutcome, { kind: 'clip' }>): string[] {
  const lines: string[] = [];
  if (outcome.durationS !== undefined) {
    const shape = outcome.width && outcome.height ? ` · ${outcome.width}×${outcome.height}` : '';
    lines.push(`${outcome.durationS.toFixed(1)} s${shape}`);
  }
  if (outcome.compressedFrom !== undefined && outcome.size !== undefined) {
    lines.push(
      `Compressed from ${mb(outcome.compressedFrom)} to ${mb(outcome.size)} to fit the upload limit here.`,
    );
  }
  return lines;
}

/** The clip outcome of a file the worker posted: its probed facts, and its compression. */
export function postedOutcome(clip: {
  size: number;
  video?: { durationS: number; width: number; height: number };
  compressedFrom?: number;
}): Extract<FinalOutcome, { kind: 'clip' }> {
  return {
    kind: 'clip',
    ...(clip.video
      ? { durationS: clip.video.durationS, width: clip.video.width, height: clip.video.height }
      : {}),
    ...(clip.compressedFrom !== undefined ? { size: clip.size, compressedFrom: clip.compressedFrom } : {}),
  };
}

/** The title of a finished job: "✅ Done in 1m 05s", "❌ Failed", "🚫 Cancelled", "⏹ Stopped". */
export function outcomeTitle(outcome: FinalOutcome, elapsedMs?: number): string {
  const took = elapsedMs === undefined ? '' : ` in ${formatElapsed(elapsedMs)}`;
  if (outcome.kind !== 'failure') return `✅ Done${took}`;
  if (outcome.error.id === 'cancelled') return outcome.refunded ? '🚫 Cancelled' : '⏹ Stopped';
  return '❌ Failed';
}

/** What a failure means for the person's quota, said after the reason. */
export function quotaNote(outcome: Extract<FinalOutcome, { kind: 'failure' }>): string | undefined {
  if (outcome.refunded) return REFUND_NOTE;
  // A clip that was made but could not be posted says so itself.
  return outcome.error.id === 'delivery-failed' ? undefined : KEPT_NOTE;
}

/** The reason of a failure, then its quota note (one line each); cancels say only the note. */
export function failureText(outcome: Extract<FinalOutcome, { kind: 'failure' }>, words: Vocabulary): string {
  const note = quotaNote(outcome);
  const reason = outcome.error.id === 'cancelled' ? undefined : messageFor(outcome.error, words);
  return [reason, note].filter((l) => l !== undefined).join('\n');
}
