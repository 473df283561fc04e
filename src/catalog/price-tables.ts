import type { CreditPrice, PriceRow } from '../core/catalog.js';

/** Credits per second of clip at one resolution; `withSound` where the model makes sound on request. */
export interface SecondRate {
  credits: number;
  withSound?: number;
}

/**
 * A per-clip table from per-second rates at each resolution: one row per duration and resolution,
 * and one per sound setting where the rate has a price with sound. For the families priced by the
 * second whose price also depends on the resolution (a `per-second` price knows no resolution).
 */
export function perSecondByResolution(
  durations: readonly number[],
  rates: Readonly<Record<string, SecondRate>>,
): CreditPrice {
  const table: PriceRow[] = durations.flatMap((duration) =>
    Object.entries(rates).flatMap(([resolution, rate]): PriceRow[] =>
      rate.withSound === undefined
        ? [{ duration, resolution, credits: duration * rate.credits }]
        : [
            { duration, resolution, sound: false, credits: duration * rate.credits },
            { duration, resolution, sound: true, credits: duration * rate.withSound },
          ],
    ),
  );
  return { kind: 'per-clip', table };
}

/** `[from, …, to]`: the whole seconds an endpoint offers as a run of options. */
export const seconds = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
