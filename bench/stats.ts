/** Small numeric helpers for the bench's reports. */

/** The value at percentile `p` (0–100) by nearest rank; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/** Runs `task(i)` for i in [0, count) with at most `inFlight` running at once. */
export async function runPool(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}

export const ms = (n: number): string =>
  Number.isFinite(n) ? `${Math.round(n).toLocaleString('en')} ms` : 'n/a';
export const perSecond = (n: number): string => `${Math.round(n).toLocaleString('en')}/s`;
export const mb = (kib: number): string => `${(kib / 1024).toFixed(1)} MB`;
export const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

/**
 * A fixed slice of single-threaded work (JSON round trips of a job-sized object), in rounds per
 * second: how fast this shared machine is right now, to read the other figures of the run against.
 */
export function machineSpeed(): number {
  const sample = {
    v: 1,
    request: { model: 'kling-2.5-turbo-pro', mode: 'text', prompt: 'x'.repeat(200), duration: 5, images: {} },
    requester: { platform: 'telegram', userId: '123456789' },
    state: { step: 'poll', excluded: [], taskId: '1763720000000000001', progress: 42 },
  };
  const started = performance.now();
  let rounds = 0;
  while (performance.now() - started < 300) {
    for (let i = 0; i < 100; i++) JSON.parse(JSON.stringify(sample));
    rounds += 100;
  }
  return (rounds * 1000) / (performance.now() - started);
}
