import type { Queue } from 'bullmq';
import { type Api, InlineKeyboard } from 'grammy';
import type { UserError } from '../../core/errors.js';
import { messageFor } from '../../core/messages.js';
import type { GenerateProgress } from '../../jobs/generate.js';
import type { Logger } from '../../log.js';
import { type PacedEntry, PacedTracker } from '../paced-tracker.js';
import {
  type FinalOutcome,
  formatElapsed,
  liveState,
  progressBar,
  REFUND_NOTE,
  refunded,
} from '../shared.js';
import type { StatusStore } from '../status-store.js';
import { describeApiError, isMessageGone, isNotModified } from './api.js';

/**
 * Status messages. The bot posts "Queued — #N in line" when it takes a request, then edits that one
 * message as the job moves. One writer per status message — the bot process that posted it — so the
 * limit of one edit per interval and a 429's `retry_after` are kept by construction; the worker
 * records the outcome in Redis and the bot's tracker shows it. When no live bot owns the status (its
 * process is gone), the worker edits it itself; when there is none, it answers with a message of its
 * own, so a person always hears back.
 *
 * Redis: the `tg` namespace of `../status-store.ts`.
 */

/** What a failure means for the person's quota, said after the reason. */
export const refundNote = (error: UserError): string => (refunded(error) ? `\n${REFUND_NOTE}` : '');

/** The words of an outcome, for the status message or the worker's own reply. */
export function finalText(outcome: FinalOutcome, elapsedMs?: number): string {
  const took = elapsedMs === undefined ? '' : ` in ${formatElapsed(elapsedMs)}`;
  switch (outcome.kind) {
    case 'clip':
      return `✅ Done${took}: your clip is below.`;
    case 'link':
      return `✅ Done${took}: the clip is too big to upload here, so it is below as a link.`;
    case 'failure':
      if (outcome.error.id === 'cancelled') return `🚫 Cancelled.${refundNote(outcome.error)}`;
      return `❌ ${messageFor(outcome.error)}${refundNote(outcome.error)}`;
  }
}

/** What a status message says about a job that is not finished. */
export interface LiveView {
  position: number;
  model: string;
  duration: number;
  /** Where the job is: undefined while it waits for a worker. */
  progress?: GenerateProgress;
  /** The generate job finished: the clip is on its way. */
  handedOver?: boolean;
  cancelling?: boolean;
  elapsedMs: number;
}

/** The headline of a live status: what changes as the job moves (the elapsed time aside). */
export function liveHeadline(view: LiveView): string {
  if (view.cancelling) return '🚫 Cancelling…';
  const p = view.progress;
  switch (liveState(p, view.handedOver)) {
    case 'queued':
      return `⏳ Queued — #${view.position} in line`;
    case 'preparing':
      return p?.step === 'submit' ? '📤 Sending to the video provider…' : '⚙️ Preparing your images…';
    case 'submitted':
      return "🕒 Submitted: waiting in the provider's queue";
    case 'generating':
      return p?.percent === undefined
        ? '🎬 Generating…'
        : `🎬 Generating… ${progressBar(p.percent)} ${Math.round(p.percent)}%`;
    case 'sending':
      return '📦 The clip is ready: sending it…';
  }
}

export function liveText(view: LiveView): string {
  const elapsed = view.progress || view.handedOver ? ` · ${formatElapsed(view.elapsedMs)}` : '';
  return `${liveHeadline(view)}\n${view.model} · ${view.duration}s${elapsed}`;
}

export const cancelKeyboard = (jobId: string): InlineKeyboard =>
  new InlineKeyboard().text('✖️ Cancel', `cancel:${jobId}`);

export interface TrackedJob {
  jobId: string;
  chatId: number;
  messageId: number;
  model: string;
  duration: number;
  position: number;
  startedAt: number;
}

interface Entry extends TrackedJob, PacedEntry {
  headline: string;
  text: string;
}

export interface StatusTrackerOptions {
  api: Api;
  store: StatusStore;
  generateQueue: Queue;
  logger: Logger;
  /** For scrubbing error text. */
  token: string;
  /** This bot process's id (the owner recorded with each status). */
  owner: string;
  /** Least time between two edits of one status message. Default 5 s. */
  editIntervalMs?: number;
  /** Least time between edits that only move the elapsed time. Default 15 s. */
  elapsedEveryMs?: number;
  /** How often tracked jobs are looked at. Default 1 s. */
  tickMs?: number;
  now?: () => number;
}

/**
 * Edits the status messages this process posted as their jobs move, at most once per
 * `editIntervalMs` each. An edit that Telegram answers with 429 is retried by auto-retry after
 * `retry_after`; until then the message gets no other edit (one edit in flight per message).
 */
export class StatusTracker extends PacedTracker<Entry> {
  private readonly elapsedEvery: number;

  constructor(private readonly o: StatusTrackerOptions) {
    super(o.editIntervalMs ?? 5_000, o.tickMs ?? 1_000, o.now ?? Date.now);
    this.elapsedEvery = Math.max(this.intervalMs, o.elapsedEveryMs ?? 15_000);
  }

  /** Starts following a job whose status message was just posted with `text`. */
  track(job: TrackedJob, text: string, postedAt: number): void {
    this.entries.set(job.jobId, {
      ...job,
      lastEditAt: postedAt,
      headline: text.split('\n')[0] ?? '',
      text,
      inflight: false,
      cancelling: false,
    });
  }

  /** Every fifth tick, the heartbeat that tells workers this process still edits its statuses. */
  protected override onTick(count: number): void {
    if (count % 5 !== 0) return;
    void this.o.store.heartbeat(this.o.owner, Math.max(20_000, this.intervalMs * 4)).catch(() => undefined);
  }

  protected override async update(e: Entry): Promise<void> {
    const record = await this.o.store.read(e.jobId);
    const at = this.now();
    if (record.final) {
      // Kept on a failed edit, so the next tick tries again.
      if ((await this.edit(e, finalText(record.final, at - e.startedAt), false)) !== 'failed') {
        this.entries.delete(e.jobId);
      }
      return;
    }
    const job = await this.o.generateQueue.getJob(e.jobId);
    const progress = job?.progress as GenerateProgress | undefined;
    const started = progress && typeof progress === 'object' && 'step' in progress;
    const view: LiveView = {
      position: e.position,
      model: e.model,
      duration: e.duration,
      handedOver: Boolean(job?.finishedOn) && !job?.failedReason,
      cancelling: e.cancelling,
      elapsedMs: at - e.startedAt,
    };
    if (started) view.progress = progress;
    const headline = liveHeadline(view);
    const text = liveText(view);
    if (text === e.text) return;
    if (headline === e.headline && at - e.lastEditAt < this.elapsedEvery) return;
    if ((await this.edit(e, text, !e.cancelling)) === 'ok') e.headline = headline;
  }

  /** One edit; `gone` when the message was deleted (nothing left to edit). */
  private async edit(e: Entry, text: string, withCancel: boolean): Promise<'ok' | 'gone' | 'failed'> {
    try {
      await this.o.api.editMessageText(
        e.chatId,
        e.messageId,
        text,
        withCancel ? { reply_markup: cancelKeyboard(e.jobId) } : {},
      );
    } catch (error) {
      if (isMessageGone(error)) {
        this.entries.delete(e.jobId);
        return 'gone';
      }
      if (!isNotModified(error)) {
        this.o.logger.warn(
          { jobId: e.jobId, err: describeApiError(error, this.o.token) },
          'telegram status edit failed',
        );
        return 'failed';
      }
    } finally {
      e.lastEditAt = this.now();
    }
    e.text = text;
    return 'ok';
  }
}
