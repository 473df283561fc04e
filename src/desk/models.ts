import type { ModelSpec } from '../core/catalog.js';
import type { GenerationMode } from '../core/request.js';
import type { CommunityStore } from './community.js';

/**
 * Choosing among many models, the same on every platform: what a typed name (`veo`, `kling3`, a
 * family, a unique prefix, an alias) stands for, the models a partly typed name suggests (Discord's
 * autocomplete), and the models a community allows, read briefly cached so a suggestion never waits
 * on Redis for long.
 */

/** "Kling-3.0 Pro" → "kling30pro": what is compared, so case, dots, dashes and spaces don't matter. */
export const squash = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** What a typed model name stands for. */
export type ModelMatch =
  | { kind: 'found'; model: ModelSpec }
  /** Several models fit it equally well: the person must say which. */
  | { kind: 'ambiguous'; models: ModelSpec[] }
  | { kind: 'unknown' };

const names = (m: ModelSpec): string[] => [m.id, ...(m.aliases ?? [])].map(squash);

const matchOf = (models: readonly ModelSpec[]): ModelMatch | undefined => {
  const [only] = models;
  if (models.length === 0 || !only) return undefined;
  return models.length === 1 ? { kind: 'found', model: only } : { kind: 'ambiguous', models: [...models] };
};

/**
 * The model a person means by `typed`, best rule first: its id, one of its ids or aliases with case
 * and punctuation ignored (`Kling-3.0-Pro`, `kling3`), a family (the one model of it, or the one that
 * lists the family's id as an alias), then a prefix of an id or alias. Where several fit one rule,
 * the answer is ambiguous: the reply lists them rather than guessing. Pure.
 */
export function resolveModel(typed: string, catalog: readonly ModelSpec[]): ModelMatch {
  const raw = typed.trim().toLowerCase();
  const exact = catalog.find((m) => m.id === raw);
  if (exact) return { kind: 'found', model: exact };
  const t = squash(raw);
  if (t === '') return { kind: 'unknown' };
  const named = matchOf(catalog.filter((m) => names(m).includes(t)));
  if (named) return named;
  const family = catalog.filter((m) => squash(m.family) === t);
  if (family.length > 0) return matchOf(family) as ModelMatch;
  return matchOf(catalog.filter((m) => names(m).some((n) => n.startsWith(t)))) ?? { kind: 'unknown' };
}

/**
 * How well a model fits what someone is typing, higher is better; 0: not at all. An empty text fits
 * every model equally (catalog order then stands). Id, alias, family and label count, prefixes
 * above inner matches.
 */
function fitOf(model: ModelSpec, typed: string): number {
  const t = squash(typed);
  if (t === '') return 1;
  const ids = names(model);
  const label = squash(model.label);
  const family = squash(model.family);
  if (ids.includes(t)) return 6;
  if (ids.some((n) => n.startsWith(t))) return 5;
  if (label.startsWith(t) || family.startsWith(t)) return 4;
  if (ids.some((n) => n.includes(t))) return 3;
  if (label.includes(t)) return 2;
  return 0;
}

/**
 * The models to suggest for a partly typed name, best first (then in catalog order): those that do
 * one of `modes` (what the command and its attachments imply), among `models` (those allowed
 * here), fitting `typed`, at most `max`.
 */
export function suggestModels(
  typed: string,
  models: readonly ModelSpec[],
  options: { modes?: readonly GenerationMode[]; max: number },
): ModelSpec[] {
  const { modes, max } = options;
  return models
    .filter((m) => !modes || m.modes.some((mode) => modes.includes(mode)))
    .map((m, i) => ({ m, i, score: fitOf(m, typed) }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, max)
    .map((s) => s.m);
}

/** What the bot reads of a community's settings to suggest models: briefly cached, time-boxed. */
export interface AllowedModelsOptions {
  store: Pick<CommunityStore, 'settings'>;
  catalog: readonly ModelSpec[];
  /** How long a community's list is kept; default 30 s (an admin's change shows within it). */
  ttlMs?: number;
  /** Longest a read waits on Redis before the whole catalog is suggested instead; default 1 s. */
  budgetMs?: number;
  /** Most communities kept; the oldest is dropped past it. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The models a community allows (its settings' `deniedModels` left out), for suggestions only: the
 * desk still refuses a denied model at submit, so a stale or unread list costs a suggestion, never
 * a clip. When Redis does not answer within the budget the whole catalog is suggested.
 */
export function createAllowedModels(o: AllowedModelsOptions): (community: string) => Promise<ModelSpec[]> {
  const ttlMs = o.ttlMs ?? 30_000;
  const budgetMs = o.budgetMs ?? 1_000;
  const maxEntries = o.maxEntries ?? 10_000;
  const now = o.now ?? Date.now;
  const cache = new Map<string, { at: number; models: ModelSpec[] }>();

  const read = async (community: string): Promise<ModelSpec[] | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), budgetMs);
    });
    try {
      const settings = await Promise.race([o.store.settings(community), late]);
      return settings ? o.catalog.filter((m) => !settings.deniedModels.includes(m.id)) : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  return async (community) => {
    const kept = cache.get(community);
    if (kept && now() - kept.at < ttlMs) return kept.models;
    const models = await read(community);
    if (!models) return kept?.models ?? [...o.catalog];
    cache.delete(community);
    cache.set(community, { at: now(), models });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return models;
  };
}
