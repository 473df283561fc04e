import { findModel, type ModelSpec } from '../core/catalog.js';
import { type UserError, userError } from '../core/errors.js';

/**
 * Models taken out of the catalog, and what replaced each. A model is retired by moving its id here
 * (with its replacement) when its entry leaves its family's file: a request naming it, or Again of
 * a clip made with it, is then told what to use instead rather than "no model called …". Jobs
 * already in flight finish: they carry the route they were submitted on (see `jobs/generate`).
 */
export interface RetiredModel {
  /** The id members used. */
  id: string;
  /** The catalog model that takes its place. */
  replacedBy: string;
  /** A sentence for members, when the replacement differs in a way they should know. */
  note?: string;
}

/** Nothing is retired yet; tests retire models of their own. */
export const RETIRED: readonly RetiredModel[] = [];

/**
 * The reply to a request naming a retired model that the catalog no longer has; undefined for
 * any other name (a model still in the catalog is never refused as retired).
 */
export function retiredError(
  model: string | undefined,
  catalog: readonly ModelSpec[],
  retired: readonly RetiredModel[],
): UserError | undefined {
  if (model === undefined || findModel(model, catalog)) return undefined;
  const entry = retired.find((r) => r.id === model);
  if (!entry) return undefined;
  return userError('model-retired', {
    model: entry.id,
    ...(findModel(entry.replacedBy, catalog) ? { replacement: entry.replacedBy } : {}),
    ...(entry.note === undefined ? {} : { note: entry.note }),
  });
}
