/** What a paced tracker keeps per status message. */
export interface PacedEntry {
  jobId: string;
  /** When the message was last posted or edited (epoch ms). */
  lastEditAt: number;
  /** An edit (or its 429 wait) is under way: no other edit of this message starts meanwhile. */
  inflight: boolean;
  /** The requester pressed Cancel: the next edit says so. */
  cancelling: boolean;
}

/**
 * The loop both bots' status trackers share: every `tickMs`, each tracked message whose last edit
 * is at least `intervalMs` old and that has no edit in flight gets one `update`. Updates run in
 * parallel, each message at its own pace; one that fails waits for the next tick.
 */
export abstract class PacedTracker<E extends PacedEntry> {
  protected readonly entries = new Map<string, E>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  protected constructor(
    protected readonly intervalMs: number,
    private readonly tickMs: number,
    protected readonly now: () => number,
  ) {}

  /** One look at the tracked message of `e`; sets `lastEditAt` when it edits. */
  protected abstract update(e: E): Promise<void>;

  /** Called at start and at every tick (a heartbeat, say). */
  protected onTick(_count: number): void {}

  markCancelling(jobId: string): void {
    const e = this.entries.get(jobId);
    if (e) e.cancelling = true;
  }

  start(): void {
    let count = 0;
    this.onTick(count);
    this.timer = setInterval(() => {
      this.onTick(++count);
      if (this.ticking) return;
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, this.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  async tick(): Promise<void> {
    const at = this.now();
    const due = [...this.entries.values()].filter((e) => !e.inflight && at - e.lastEditAt >= this.intervalMs);
    await Promise.all(
      due.map(async (e) => {
        e.inflight = true;
        try {
          await this.update(e);
        } catch {
          // The update logs what it can; the message waits for the next tick.
        } finally {
          e.inflight = false;
        }
      }),
    );
  }
}
