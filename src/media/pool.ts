import { availableParallelism } from 'node:os';

/** TRANSCODE_CONCURRENCY's default: one transcode per core (each ffmpeg uses every core it gets). */
export const defaultTranscodeConcurrency = (): number => availableParallelism();

/**
 * A bounded pool: at most `concurrency` tasks run at once (TRANSCODE_CONCURRENCY, default one per
 * core); others wait their turn in order. `run(fn)` resolves (or rejects) with fn's outcome; a slot
 * is given back however the task ends. A task waiting for its turn can be withdrawn by its signal.
 */
export class TranscodePool {
  readonly #size: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`a pool needs a whole number of slots ≥ 1, not ${concurrency}`);
    }
    this.#size = concurrency;
  }

  /** How many tasks may run at once. */
  get size(): number {
    return this.#size;
  }

  /** How many run now. */
  get active(): number {
    return this.#active;
  }

  /** How many wait for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Runs `task` when a slot is free, first come first served. `signal` withdraws it while it waits
   * (rejecting with the signal's reason); once started, the task itself must heed the signal.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#size && this.#queue.length === 0) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(start);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal?.reason);
      };
      // The slot is handed over by #release: `active` stays counted for the next task.
      const start = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(start);
    });
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#active -= 1;
  }
}
