import { describe, expect, it } from 'vitest';
import { MemoryBudget, type Release } from '../../src/jobs/memory-budget.js';

const MB = 1024 * 1024;
/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('MemoryBudget', () => {
  it('never holds more than the budget, however many ask at once', async () => {
    const budget = new MemoryBudget(100 * MB);
    let held = 0;
    let most = 0;
    const sizes = Array.from({ length: 60 }, (_, i) => ((i * 37) % 45) * MB + MB);
    await Promise.all(
      sizes.map((bytes, i) =>
        budget.use(bytes, async () => {
          held += bytes;
          most = Math.max(most, held);
          expect(budget.held).toBeLessThanOrEqual(100 * MB);
          await new Promise((r) => setTimeout(r, (i % 5) * 2));
          held -= bytes;
        }),
      ),
    );
    expect(most).toBeLessThanOrEqual(100 * MB);
    // Concurrent: more than one step held room at a time.
    expect(most).toBeGreaterThan(45 * MB);
    expect(budget.held).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  it('serves waiters in the order they asked: a large one is not passed by smaller ones', async () => {
    const budget = new MemoryBudget(10 * MB);
    const order: string[] = [];
    const first = await budget.acquire(6 * MB);
    const big = budget.acquire(8 * MB).then((release) => {
      order.push('big');
      return release;
    });
    // 3 MB would fit beside the first, but the 8 MB request is ahead of it.
    const small = budget.acquire(3 * MB).then((release) => {
      order.push('small');
      return release;
    });
    await settle();
    expect(order).toEqual([]);
    expect(budget.waiting).toBe(2);
    first();
    const releaseBig = await big;
    await settle();
    expect(order).toEqual(['big']);
    expect(budget.held).toBe(8 * MB);
    releaseBig();
    (await small)();
    expect(order).toEqual(['big', 'small']);
    expect(budget.held).toBe(0);
  });

  it('lets a request larger than the whole budget through alone, once nothing else is held', async () => {
    const budget = new MemoryBudget(10 * MB);
    const small = await budget.acquire(2 * MB);
    let huge: Release | undefined;
    const waiting = budget.acquire(50 * MB).then((r) => {
      huge = r;
    });
    await settle();
    expect(huge).toBeUndefined();
    small();
    await waiting;
    expect(budget.held).toBe(50 * MB);
    // Alone: nothing else gets in beside it, not even a byte.
    let tiny: Release | undefined;
    const next = budget.acquire(1).then((r) => {
      tiny = r;
    });
    await settle();
    expect(tiny).toBeUndefined();
    huge?.();
    await next;
    expect(budget.held).toBe(1);
    tiny?.();
    expect(budget.held).toBe(0);
  });

  it('gives the room back when the step throws, and a release twice counts once', async () => {
    const budget = new MemoryBudget(10 * MB);
    await expect(
      budget.use(8 * MB, async () => {
        throw new Error('download failed');
      }),
    ).rejects.toThrow('download failed');
    expect(budget.held).toBe(0);
    const release = await budget.acquire(4 * MB);
    release();
    release();
    expect(budget.held).toBe(0);
    // The whole budget is free again.
    (await budget.acquire(10 * MB))();
  });

  it('refuses a budget that is not a positive number of bytes', () => {
    expect(() => new MemoryBudget(0)).toThrow(RangeError);
    expect(() => new MemoryBudget(Number.NaN)).toThrow(RangeError);
  });
});
