/**
 * The bytes a worker process holds in memory at once for its steps (`WORKER_MEMORY_BUDGET_MB`).
 * With 50 jobs at a time per queue, inputs of up to 20 MB (images) and 50 MB (a video) could add up
 * to gigabytes; a step asks for room before it downloads and gives it back when it is done, so the
 * process holds at most the budget and the other steps wait for room rather than over-commit.
 *
 * - Waiters are served in the order they asked (FIFO): a large request is not starved by small ones
 *   slipping past it.
 * - A request larger than the whole budget is let through alone, once nothing else holds bytes, so
 *   no request can wait forever.
 * - Only bytes are counted; what each step holds is the step's own estimate (the declared size of
 *   its download, else the model's cap).
 */

/** Gives the room back; safe to call more than once. */
export type Release = () => void;

interface Waiter {
  bytes: number;
  grant: (release: Release) => void;
}

export class MemoryBudget {
  private heldBytes = 0;
  private holders = 0;
  private readonly queue: Waiter[] = [];

  /** @param totalBytes the most bytes held at once (a larger single request goes alone). */
  constructor(readonly totalBytes: number) {
    if (!Number.isFinite(totalBytes) || totalBytes <= 0) {
      throw new RangeError(`memory budget must be a positive number of bytes, not ${totalBytes}`);
    }
  }

  /** Bytes held now. */
  get held(): number {
    return this.heldBytes;
  }

  /** Requests waiting for room now. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Room for `bytes`: resolves (in the order asked) once they fit, with the function that gives
   * them back. Call it in a `finally`; {@link use} does.
   */
  acquire(bytes: number): Promise<Release> {
    const size = Math.max(0, Math.ceil(bytes));
    return new Promise<Release>((resolve) => {
      this.queue.push({ bytes: size, grant: resolve });
      this.drain();
    });
  }

  /** Runs `work` with `bytes` of room, given back however it ends. */
  async use<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(bytes);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Grants the head of the line while it fits: within the budget, or alone when it is larger. */
  private drain(): void {
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      const fits = this.heldBytes + head.bytes <= this.totalBytes || this.holders === 0;
      if (!fits) return;
      this.queue.shift();
      this.heldBytes += head.bytes;
      this.holders += 1;
      let released = false;
      head.grant(() => {
        if (released) return;
        released = true;
        this.heldBytes -= head.bytes;
        this.holders -= 1;
        this.drain();
      });
    }
  }
}
