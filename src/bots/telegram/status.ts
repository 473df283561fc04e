import type { Queue } from 'bullmq';
import { type Api, InlineKeyboard } from 'grammy';
import type { Redis } from 'ioredis';
import type { UserError } from '../../core/errors.js';
import { messageFor } from '../../core/messages.js';
import type { GenerateProgress } from '../../jobs/generate.js';
import type { Logger } from '../../log.js';
import { describeApiError, isMessageGone, isNotModified } from './api.js';

/**
 * Status messages. The bot posts "Queued — #N in line" when it takes a request, then edits that one
 * message as the job moves. One writer per status message — the bot process that posted it — so the
 * limit of one edit per interval and a 429's `retry_after` are kept by construction; the worker
 * records the outcome in Redis and the bot's tracker shows it. When no live bot owns the status (it
 * never got posted, or its process is gone), the worker answers with a message of its own instead,
 * so a person always hears back.
 *
 * Redis: `${prefix}:tg:status:<jobId>` (hash: chat, msg, owner, created, final) and
 * `${prefix}:tg:instance:<id>` (a bot process's heartbeat).
 */

/** How a job ended, as the worker records it for the status message. */
export type FinalOutcome =
  | { kind: 'clip' }
  | { kind: 'link'; size: number }
  | { kind: 'failure'; error: UserError };

const STATUS_TTL_MS = 3 * 24 * 3_600_000;

export interface StatusRecord {
  chatId?: number;
  messageId?: number;
  owner?: string;
  createdAt?: number;
  final?: FinalOutcome;
}

export interface StatusStore {
  /** The bot posted the status message: record where it is and who edits it. */
  attach(
    jobId: string,
    fields: { chatId: number; messageId: number; owner: string; createdAt: number },
  ): Promise<void>;
  /** The worker's outcome; the owner's tracker shows it. */
  setFinal(jobId: string, outcome: FinalOutcome): Promise<void>;
  read(jobId: string): Promise<StatusRecord>;
  /** Marks a bot process alive for `ttlMs`. */
  heartbeat(owner: string, ttlMs: number): Promise<void>;
  isAlive(owner: string): Promise<boolean>;
  /** A once-only marker: true the first time for this job and name (`sent`: the outcome was posted). */
  markOnce(jobId: string, name: string): Promise<boolean>;
  isMarked(jobId: string, name: string): Promise<boolean>;
}

export function createStatusStore(redis: Redis, prefix: string): StatusStore {
  const key = (jobId: string) => `${prefix}:tg:status:${jobId}`;
  const instanceKey = (owner: string) => `${prefix}:tg:instance:${owner}`;
  const markKey = (jobId: string, name: string) => `${prefix}:tg:${name}:${jobId}`;
  return {
    async attach(jobId, f) {
      await redis
        .multi()
        .hset(key(jobId), 'chat', f.chatId, 'msg', f.messageId, 'owner', f.owner, 'created', f.createdAt)
        .pexpire(key(jobId), STATUS_TTL_MS)
        .exec();
    },
    async setFinal(jobId, outcome) {
      await redis
        .multi()
        .hset(key(jobId), 'final', JSON.stringify(outcome))
        .pexpire(key(jobId), STATUS_TTL_MS)
        .exec();
    },
    async read(jobId) {
      const h = await redis.hgetall(key(jobId));
      const record: StatusRecord = {};
      if (h.chat) record.chatId = Number(h.chat);
      if (h.msg) record.messageId = Number(h.msg);
      if (h.owner) record.owner = h.owner;
      if (h.created) record.createdAt = Number(h.created);
      if (h.final) record.final = JSON.parse(h.final) as FinalOutcome;
      return record;
    },
    async heartbeat(owner, ttlMs) {
      await redis.set(instanceKey(owner), '1', 'PX', ttlMs);
    },
    async isAlive(owner) {
      return (await redis.exists(instanceKey(owner))) === 1;
    },
    async markOnce(jobId, name) {
      return (await redis.set(markKey(jobId, name), '1', 'PX', STATUS_TTL_MS, 'NX')) === 'OK';
    },
    async isMarked(jobId, name) {
      return (await redis.exists(markKey(jobId, name))) === 1;
    },
  };
}

/** "1m 05s", "42s", "1h 02m". */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A ten-cell bar: ▓▓▓▓░░░░░░ */
export const progressBar = (percent: number): string => {
  const filled = Math.max(0, Math.min(10, Math.round(percent / 10)));
  return `${'▓'.repeat(filled)}${'░'.repeat(10 - filled)}`;
};

/** What a failure means for the person's quota, said after the reason. */
export const refundNote = (error: UserError): string =>
  error.id === 'delivery-failed' ? '' : '\nThis one did not count against your quota.';

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
  if (view.handedOver) return '📦 The clip is ready: sending it…';
  const p = view.progress;
  if (!p) return `⏳ Queued — #${view.position} in line`;
  switch (p.step) {
    case 'prepare':
      return '⚙️ Preparing your images…';
    case 'submit':
      return '📤 Sending to the video provider…';
    case 'poll':
      if (p.phase === 'running') {
        return p.percent === undefined
          ? '🎬 Generating…'
          : `🎬 Generating… ${progressBar(p.percent)} ${Math.round(p.percent)}%`;
      }
      return "🕒 Submitted: waiting in the provider's queue";
    default:
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

interface Entry extends TrackedJob {
  lastEditAt: number;
  headline: string;
  text: string;
  inflight: boolean;
  cancelling: boolean;
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
export class StatusTracker {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly interval: number;
  private readonly elapsedEvery: number;
  private readonly now: () => number;

  constructor(private readonly o: StatusTrackerOptions) {
    this.interval = o.editIntervalMs ?? 5_000;
    this.elapsedEvery = Math.max(this.interval, o.elapsedEveryMs ?? 15_000);
    this.now = o.now ?? Date.now;
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

  /** The requester pressed Cancel: say so at the next edit (the worker's outcome follows). */
  markCancelling(jobId: string): void {
    const e = this.entries.get(jobId);
    if (e) e.cancelling = true;
  }

  get size(): number {
    return this.entries.size;
  }

  start(): void {
    const beat = async () => {
      await this.o.store.heartbeat(this.o.owner, Math.max(20_000, this.interval * 4)).catch(() => undefined);
    };
    void beat();
    let beats = 0;
    this.timer = setInterval(() => {
      if (++beats % 5 === 0) void beat();
      if (this.ticking) return;
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, this.o.tickMs ?? 1_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look at every tracked job; edits run in parallel, each message at its own pace. */
  async tick(): Promise<void> {
    const at = this.now();
    const due = [...this.entries.values()].filter((e) => !e.inflight && at - e.lastEditAt >= this.interval);
    await Promise.all(due.map((e) => this.update(e).catch(() => undefined)));
  }

  private async update(e: Entry): Promise<void> {
    e.inflight = true;
    try {
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
    } finally {
      e.inflight = false;
    }
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
