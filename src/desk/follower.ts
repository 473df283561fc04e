import { settleWithin } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { FinalOutcome, StatusView } from './status.js';
import type { BotStatusStore, OrphanStatus } from './status-store.js';

/** Longest a stop waits on work in hand and on Redis. */
const STOP_WAIT_MS = 2_000;

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
  /**
   * What else the record must keep for another bot replica to edit the message (`refOf`), and when
   * that stops working (epoch ms; absent: as long as the record). May be a secret: it stays in Redis.
   */
  handleOf(ref: Ref): { handle: string; expiresAt?: number };
  /** The inverse of `recordOf` and `handleOf`: the message's handle again, or undefined if it is lost. */
  refOf(record: { chatId: string; messageId: string; handle?: string }): Ref | undefined;
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
  store: BotStatusStore;
  logger: Logger;
  /** This process's id: the owner recorded with each status, kept alive by a heartbeat. */
  owner: string;
  /** How often followed jobs are looked at. Default 1 s. */
  tickMs?: number;
  /**
   * Most status messages this process follows at once. Default 10,000. Past it a new status is
   * still recorded, without an owner, so the worker shows its outcome and another replica may take it.
   */
  maxFollowed?: number;
  /** How often this process looks for statuses whose owner died, to take them over. Default 3 s. */
  adoptEveryMs?: number;
  /** Most statuses taken over in one look. Default 100. */
  adoptBatch?: number;
  /** The part of a view whose change is worth an edit at once (the headline). */
  headline(view: StatusView): string;
  now?: () => number;
}

/** The follower's bounds and its look for orphans, as a bot's options may set them. */
export type FollowerLimits = Partial<
  Pick<FollowerOptions<unknown, unknown>, 'maxFollowed' | 'adoptEveryMs' | 'adoptBatch'>
>;

/** The limits that are set, as follower options (an unset one keeps its default). */
export const followerLimits = (limits: FollowerLimits = {}): FollowerLimits => ({
  ...(limits.maxFollowed === undefined ? {} : { maxFollowed: limits.maxFollowed }),
  ...(limits.adoptEveryMs === undefined ? {} : { adoptEveryMs: limits.adoptEveryMs }),
  ...(limits.adoptBatch === undefined ? {} : { adoptBatch: limits.adoptBatch }),
});

/** Default most status messages followed by one process. */
export const MAX_FOLLOWED = 10_000;

/**
 * Follows the status messages this process posted and edits them as their jobs move: every tick,
 * each message whose last edit is at least `intervalMs` old and has no edit in flight gets the
 * desk's current view, if it shows something new. One edit per message at a time, each at its own
 * pace, so a 429's wait holds that message back and no other. Platform-neutral: the surface renders.
 *
 * Any number of bot replicas behave as one: every few seconds each looks in the shared index of open
 * statuses for those whose owner's heartbeat lapsed (a replica that died) and claims them, one
 * atomic claim each, so exactly one replica follows an orphan from then on. Workers see the new
 * owner alive, and leave the outcome to it as they did to the old one.
 */
export class StatusFollower<Ref, Body> {
  private readonly entries = new Map<string, Entry<Ref>>();
  private timer: NodeJS.Timeout | undefined;
  private adoptTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private adopting: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly max: number;
  /** Whether the last status recorded was past the maximum (said once in the log, not at each). */
  private full = false;

  constructor(private readonly o: FollowerOptions<Ref, Body>) {
    this.now = o.now ?? Date.now;
    this.max = o.maxFollowed ?? MAX_FOLLOWED;
  }

  /** This process's owner id, as recorded with the statuses it follows. */
  get owner(): string {
    return this.o.owner;
  }

  /** How many status messages this process follows now. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether this process follows a job's status message. */
  follows(jobId: string): boolean {
    return this.entries.has(jobId);
  }

  /**
   * Records the status message of a job (for workers and other processes) and follows it, unless
   * this process follows its most already: then it is recorded without an owner, and not followed here.
   */
  async follow(jobId: string, ref: Ref, shown: Body): Promise<void> {
    const followed = this.entries.has(jobId) || this.entries.size < this.max;
    if (followed) this.entries.set(jobId, this.entry(jobId, ref, this.now(), JSON.stringify(shown)));
    if (!followed && !this.full) {
      this.o.logger.warn(
        { followed: this.entries.size },
        'following as many status messages as allowed: new ones are left to other replicas and the workers',
      );
    }
    this.full = !followed;
    const { handle, expiresAt } = this.o.surface.handleOf(ref);
    try {
      await this.o.store.attach(jobId, {
        ...this.o.surface.recordOf(ref),
        ...(followed ? { owner: this.o.owner } : {}),
        handle,
        ...(expiresAt === undefined ? {} : { handleExpiresAt: expiresAt }),
      });
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
    this.adoptTimer = setInterval(() => {
      if (this.adopting) return;
      this.adopting = this.adopt()
        .catch((error: unknown) => {
          this.o.logger.warn({ err: String(error) }, 'could not look for orphaned status messages');
        })
        .finally(() => {
          this.adopting = undefined;
        });
    }, this.o.adoptEveryMs ?? 3_000);
  }

  /** Stops following; the heartbeat goes at once, so other replicas take this one's statuses over. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.adoptTimer) clearInterval(this.adoptTimer);
    this.timer = undefined;
    this.adoptTimer = undefined;
    // Time-boxed: with Redis down, a tick, a claim or the release would wait for it forever, and a
    // stop must not (the others then take over when the heartbeat lapses instead).
    await settleWithin(Promise.all([this.ticking, this.adopting]), STOP_WAIT_MS);
    await settleWithin(this.o.store.release(this.o.owner), STOP_WAIT_MS);
  }

  /**
   * Takes over the open statuses whose owner died (or that have none), as many as this process has
   * room for: each claimed one is followed from its next tick, from the desk's view of the job then.
   */
  async adopt(): Promise<void> {
    const room = Math.min(this.o.adoptBatch ?? 100, this.max - this.entries.size);
    if (room <= 0) return;
    for (const orphan of await this.o.store.orphans(room)) {
      if (this.entries.has(orphan.jobId)) continue;
      const ref = this.refOf(orphan);
      if (ref === undefined) {
        // Its handle expired (a dead Discord token) or was never kept: no replica can edit it.
        await this.o.store.close(orphan.jobId);
        continue;
      }
      if (!(await this.o.store.claim(orphan.jobId, orphan.owner, this.o.owner))) continue;
      // Never edited by this process: the next tick shows the job as it is now.
      this.entries.set(orphan.jobId, this.entry(orphan.jobId, ref, 0, ''));
      this.o.logger.info({ jobId: orphan.jobId }, 'took over a status message whose bot process is gone');
    }
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

  private entry(jobId: string, ref: Ref, lastEditAt: number, shown: string): Entry<Ref> {
    return { jobId, ref, lastEditAt, shown, headline: '', inflight: false };
  }

  /** An orphan's handle, if it can still be edited. */
  private refOf(orphan: OrphanStatus): Ref | undefined {
    const ref = this.o.surface.refOf(orphan);
    return ref !== undefined && this.o.surface.editable(ref, this.now()) ? ref : undefined;
  }

  /** Stops following a job here, and takes it out of the open statuses (nobody follows it any more). */
  private drop(jobId: string): void {
    this.entries.delete(jobId);
    void this.o.store.close(jobId).catch(() => undefined);
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
      this.drop(e.jobId);
      return;
    }
    const { final, owner } = await this.o.store.read(e.jobId);
    if (owner !== undefined && owner !== this.o.owner) {
      // Another replica took it over (our heartbeat lapsed a while): it is that one's to edit now.
      this.entries.delete(e.jobId);
      return;
    }
    const view = await this.o.status(e.jobId);
    if (final || !view) {
      if (final && view && surface.showsFinal) return this.showFinal(e, final, view);
      this.drop(e.jobId);
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
    if ((await this.edit(e, this.o.surface.renderFinal(final, view, e.ref))) !== 'failed') this.drop(e.jobId);
  }

  private async edit(e: Entry<Ref>, body: Body): Promise<EditResult> {
    try {
      const result = await this.o.surface.edit(e.ref, body);
      if (result === 'gone') this.drop(e.jobId);
      return result;
    } finally {
      e.lastEditAt = this.now();
    }
  }
}
