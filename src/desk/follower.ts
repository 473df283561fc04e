import type { Logger } from '../log.js';
import type { FinalOutcome, StatusView } from './status.js';
import type { StatusStore } from './status-store.js';

/** What an edit of a status message came to. `gone`: it can never be edited again (stop following). */
export type EditResult = 'ok' | 'gone' | 'failed';

/**
 * How one platform shows a status message: renders the desk's views into its own message body, and
 * edits the message. `Ref` is the platform's handle on the message (a chat and message id; an
 * interaction token).
 */
export interface StatusSurface<Ref, Body> {
  /** Least time between two edits of one status message. */
  readonly intervalMs: number;
  /** Least time between edits that change nothing but the elapsed time and ETA. */
  readonly elapsedEveryMs: number;
  /** Whether the bot shows the outcome (`true`), or the worker does and the bot only stops. */
  readonly showsFinal: boolean;
  /** Where the message is, as the status record keeps it (for workers and other processes). */
  recordOf(ref: Ref): { chatId: string; messageId: string };
  /** Whether the message can still be edited at `now` (a Discord interaction token lives 15 min). */
  editable(ref: Ref, now: number): boolean;
  renderLive(view: StatusView): Body;
  /** `ref`: the message it goes in (a platform may keep there what its words need, like an input count). */
  renderFinal(outcome: FinalOutcome, view: StatusView, ref: Ref): Body;
  edit(ref: Ref, body: Body): Promise<EditResult>;
}

interface Entry<Ref> {
  jobId: string;
  ref: Ref;
  lastEditAt: number;
  /** The body last shown, as JSON: an identical one is not sent again. */
  shown: string;
  /** The headline last shown: a change of it is worth an edit at `intervalMs`. */
  headline: string;
  /** An edit (or its 429 wait) is under way: no other edit of this message starts meanwhile. */
  inflight: boolean;
}

export interface FollowerOptions<Ref, Body> {
  surface: StatusSurface<Ref, Body>;
  /** The desk's view of a job now. */
  status(jobId: string): Promise<StatusView | undefined>;
  store: StatusStore;
  logger: Logger;
  /** This process's id: the owner recorded with each status, kept alive by a heartbeat. */
  owner: string;
  /** How often followed jobs are looked at. Default 1 s. */
  tickMs?: number;
  /** The part of a view whose change is worth an edit at once (the headline). */
  headline(view: StatusView): string;
  now?: () => number;
}

/**
 * Follows the status messages this process posted and edits them as their jobs move: every tick,
 * each message whose last edit is at least `intervalMs` old and has no edit in flight gets the
 * desk's current view, if it shows something new. One edit per message at a time, each at its own
 * pace, so a 429's wait holds that message back and no other. Platform-neutral: the surface renders.
 */
export class StatusFollower<Ref, Body> {
  private readonly entries = new Map<string, Entry<Ref>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: FollowerOptions<Ref, Body>) {
    this.now = o.now ?? Date.now;
  }

  /** Records the status message of a job (for workers and other processes) and follows it. */
  async follow(jobId: string, ref: Ref, shown: Body): Promise<void> {
    const body = JSON.stringify(shown);
    this.entries.set(jobId, {
      jobId,
      ref,
      lastEditAt: this.now(),
      shown: body,
      headline: '',
      inflight: false,
    });
    try {
      await this.o.store.attach(jobId, { ...this.o.surface.recordOf(ref), owner: this.o.owner });
    } catch (error) {
      // The job runs anyway; without a record the worker answers with a message of its own.
      this.entries.delete(jobId);
      this.o.logger.warn({ jobId, err: String(error) }, 'could not record the status message');
    }
  }

  start(): void {
    let count = 0;
    this.heartbeat(count);
    this.timer = setInterval(() => {
      this.heartbeat(++count);
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

  /** Looks at every due message once. */
  async tick(): Promise<void> {
    const at = this.now();
    const due = [...this.entries.values()].filter(
      (e) => !e.inflight && at - e.lastEditAt >= this.o.surface.intervalMs,
    );
    await Promise.all(
      due.map(async (e) => {
        e.inflight = true;
        try {
          await this.update(e);
        } catch (error) {
          this.o.logger.warn({ jobId: e.jobId, err: String(error) }, 'status update failed');
        } finally {
          e.inflight = false;
        }
      }),
    );
  }

  /** Every fifth tick, the heartbeat that tells workers this process still edits its statuses. */
  private heartbeat(count: number): void {
    if (count % 5 !== 0) return;
    const ttl = Math.max(20_000, this.o.surface.intervalMs * 4);
    void this.o.store.heartbeat(this.o.owner, ttl).catch(() => undefined);
  }

  private async update(e: Entry<Ref>): Promise<void> {
    const { surface } = this.o;
    if (!surface.editable(e.ref, this.now())) {
      this.entries.delete(e.jobId);
      return;
    }
    const final = (await this.o.store.read(e.jobId)).final;
    const view = await this.o.status(e.jobId);
    if (final || !view) {
      if (final && view && surface.showsFinal) return this.showFinal(e, final, view);
      this.entries.delete(e.jobId);
      return;
    }
    const body = surface.renderLive(view);
    const shown = JSON.stringify(body);
    const headline = this.o.headline(view);
    if (shown === e.shown) return;
    if (headline === e.headline && this.now() - e.lastEditAt < surface.elapsedEveryMs) return;
    const result = await this.edit(e, body);
    if (result === 'ok') {
      e.shown = shown;
      e.headline = headline;
    }
    // The outcome may have been shown while our edit was on its way: put it back on top. Where the
    // bot shows outcomes itself, the next due tick does (an edit now would break the pace).
    const late =
      result === 'ok' && !surface.showsFinal ? (await this.o.store.read(e.jobId)).final : undefined;
    if (late) await this.showFinal(e, late, view);
  }

  private async showFinal(e: Entry<Ref>, final: FinalOutcome, view: StatusView): Promise<void> {
    // Kept on a failed edit, so the next tick tries again.
    if ((await this.edit(e, this.o.surface.renderFinal(final, view, e.ref))) !== 'failed')
      this.entries.delete(e.jobId);
  }

  private async edit(e: Entry<Ref>, body: Body): Promise<EditResult> {
    try {
      const result = await this.o.surface.edit(e.ref, body);
      if (result === 'gone') this.entries.delete(e.jobId);
      return result;
    } finally {
      e.lastEditAt = this.now();
    }
  }
}
