import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type CreditPrice, creditsFor, type ModelSpec, type PriceRow } from '../core/catalog.js';
import { QUALITIES } from '../core/request.js';

/**
 * `PRICES_FILE`: an operator's own prices, in credits, over the catalog's. A JSON object keyed by
 * model id (credits are charged when a request is accepted, before a route is picked, so a price
 * belongs to the model: every route of it costs the same). Each value is one of:
 *
 * - a number: credits per clip, whatever its settings;
 * - `{ "perSecond": 40, "withSound": 55 }`: credits per second of clip (`withSound` defaults to
 *   `perSecond`);
 * - a list of rows `{ "duration": 5, "credits": 300 }`, each optionally naming `quality`,
 *   `resolution` or `sound`: where several rows hold, the one naming the most of them wins.
 *
 * The file is checked at start against the catalog: an unknown model, or a table without a price
 * for some clip the model makes, stops the start with a line saying which.
 */

const credits = z.number().int().nonnegative();

const rowSchema = z
  .object({
    duration: z.number().int().positive(),
    quality: z.enum(QUALITIES).optional(),
    resolution: z.string().min(1).optional(),
    sound: z.boolean().optional(),
    credits,
  })
  .strict();

const priceSchema = z.union([
  credits,
  z.object({ perSecond: credits, withSound: credits.optional() }).strict(),
  z.array(rowSchema).min(1),
]);

export const pricesFileSchema = z.record(z.string(), priceSchema);
export type PriceOverrides = Record<string, CreditPrice>;

/** A prices file that cannot be used, with one line per problem. */
export class PricesFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`PRICES_FILE ${file}: ${problems.join('; ')}`);
    this.name = 'PricesFileError';
  }
}

/** A file's price as the catalog's shape. */
function asCreditPrice(price: z.infer<typeof priceSchema>, model: ModelSpec): CreditPrice {
  if (typeof price === 'number') {
    return { kind: 'per-clip', table: model.durations.map((duration) => ({ duration, credits: price })) };
  }
  if (Array.isArray(price)) {
    // Only the keys a row names: an absent key holds for any value.
    const table = price.map(
      ({ duration, credits, quality, resolution, sound }): PriceRow => ({
        duration,
        credits,
        ...(quality === undefined ? {} : { quality }),
        ...(resolution === undefined ? {} : { resolution }),
        ...(sound === undefined ? {} : { sound }),
      }),
    );
    return { kind: 'per-clip', table };
  }
  return { kind: 'per-second', credits: price.perSecond, withSound: price.withSound ?? price.perSecond };
}

/** The clips a model makes that its price does not cover: "kling-o1 pro 10s". */
function unpriced(model: ModelSpec): string[] {
  const missing: string[] = [];
  for (const duration of model.durations) {
    for (const quality of model.qualities) {
      for (const resolution of model.resolutions?.options ?? [undefined]) {
        for (const sound of model.sound ? [false, true] : [false]) {
          try {
            creditsFor(model, duration, quality, sound, resolution);
          } catch {
            const facts = [quality, resolution, sound ? 'with sound' : undefined, `${duration}s`];
            missing.push(`${model.id} ${facts.filter(Boolean).join(' ')}`);
          }
        }
      }
    }
  }
  return missing;
}

/**
 * Reads a prices file's text against the catalog: the prices by model id, or a
 * {@link PricesFileError} naming every problem (bad JSON, a bad value, an unknown model, a clip
 * left without a price).
 */
export function parsePrices(text: string, catalog: readonly ModelSpec[], file: string): PriceOverrides {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PricesFileError(file, [`not JSON (${error instanceof Error ? error.message : String(error)})`]);
  }
  const parsed = pricesFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new PricesFileError(
      file,
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'the file'}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const prices: PriceOverrides = {};
  for (const [id, price] of Object.entries(parsed.data)) {
    const model = catalog.find((m) => m.id === id);
    if (!model) {
      problems.push(`${id}: no such model (models: ${catalog.map((m) => m.id).join(', ')})`);
      continue;
    }
    prices[id] = asCreditPrice(price, model);
    for (const clip of unpriced({ ...model, price: prices[id] })) problems.push(`${clip}: no price`);
  }
  if (problems.length > 0) throw new PricesFileError(file, problems);
  return prices;
}

/** Reads and checks a prices file; throws a {@link PricesFileError} when it cannot be used. */
export async function loadPrices(file: string, catalog: readonly ModelSpec[]): Promise<PriceOverrides> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PricesFileError(file, [
      code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'error'})`,
    ]);
  }
  return parsePrices(text, catalog, file);
}

/** The catalog with the operator's prices over its own. */
export const withPrices = (catalog: readonly ModelSpec[], prices: PriceOverrides): ModelSpec[] =>
  catalog.map((m) => (Object.hasOwn(prices, m.id) ? { ...m, price: prices[m.id] as CreditPrice } : m));
