import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { defaultTranscodeConcurrency, TranscodePool } from '../../src/media/pool.js';

/** A promise with its resolve and reject in hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TranscodePool', () => {
  it('never runs more than N at once, and all of them finish', async () => {
    const pool = new TranscodePool(3);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await sleep(1 + (i % 4) * 3);
          running -= 1;
          return i * 2;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect({ size: pool.size, active: pool.active, waiting: pool.waiting }).toEqual({
      size: 3,
      active: 0,
      waiting: 0,
    });
  });

  it('starts waiting tasks in the order they came', async () => {
    const pool = new TranscodePool(1);
    const gate = deferred();
    const started: number[] = [];
    const first = pool.run(async () => {
      started.push(0);
      await gate.promise;
    });
    const rest = [1, 2, 3, 4].map((i) =>
      pool.run(async () => {
        started.push(i);
      }),
    );
    expect({ active: pool.active, waiting: pool.waiting }).toEqual({ active: 1, waiting: 4 });
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('passes errors on without wedging: the slot goes to the next task', async () => {
    const pool = new TranscodePool(1);
    const failing = pool.run(async () => {
      throw new Error('ffmpeg broke');
    });
    // A task that throws before it returns a promise, too.
    const throwing = pool.run((() => {
      throw new Error('at once');
    }) as () => Promise<never>);
    const after = pool.run(async () => 'still runs');
    await expect(failing).rejects.toThrow('ffmpeg broke');
    await expect(throwing).rejects.toThrow('at once');
    await expect(after).resolves.toBe('still runs');
    expect(pool.active).toBe(0);
  });

  it('a waiting task can be withdrawn by its signal; a running one is not touched', async () => {
    const pool = new TranscodePool(1);
    const gate = deferred();
    const running = pool.run(() => gate.promise.then(() => 'done'));
    const controller = new AbortController();
    let ran = false;
    const withdrawn = pool.run(async () => {
      ran = true;
    }, controller.signal);
    const next = pool.run(async () => 'next');
    expect(pool.waiting).toBe(2);
    controller.abort(new Error('cancelled'));
    await expect(withdrawn).rejects.toThrow('cancelled');
    expect(pool.waiting).toBe(1);
    gate.resolve();
    await expect(running).resolves.toBe('done');
    await expect(next).resolves.toBe('next');
    expect(ran).toBe(false);
    await expect(pool.run(async () => 1, AbortSignal.abort())).rejects.toThrow();
    expect(pool.active).toBe(0);
  });

  it('wants a whole number of slots, one per core by default', () => {
    expect(() => new TranscodePool(0)).toThrow(RangeError);
    expect(() => new TranscodePool(1.5)).toThrow(RangeError);
    expect(defaultTranscodeConcurrency()).toBeGreaterThanOrEqual(1);
  });
});
