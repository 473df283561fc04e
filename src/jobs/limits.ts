import type { Config } from '../config.js';
import { creditsFor, findModel, type ModelSpec } from '../core/catalog.js';
import { validate } from '../core/validate.js';
import { defaultModelFor } from '../desk/commands.js';

/**
 * Credits of one clip of the default model with its default settings (a plain text request): what
 * `QUOTA_DAILY_VIDEOS` counts in, and what "≈ N clips" divides by. 0 for a catalog without models.
 */
export function defaultClipCredits(catalog: readonly ModelSpec[]): number {
  const model = findModel(defaultModelFor('text', catalog), catalog);
  if (!model) return 0;
  const checked = validate(
    { model: model.id, prompt: 'x'.repeat(Math.max(1, model.prompt.minLength)) },
    catalog,
  );
  if (checked.ok) return checked.value.credits;
  // A default model that takes no plain prompt: one clip at its default settings.
  return creditsFor(model, model.defaultDuration, model.defaultQuality, model.sound?.default ?? false);
}

/**
 * The credits each member gets per UTC day where no community sets its own: `QUOTA_DAILY_CREDITS`
 * when set, else `QUOTA_DAILY_VIDEOS` clips of the default model. `source` says which is in force
 * (logged at start).
 */
export function defaultMemberLimit(
  config: Pick<Config, 'quotaDailyCredits' | 'quotaDailyVideos'>,
  catalog: readonly ModelSpec[],
): { credits: number; source: 'credits' | 'videos' } {
  if (config.quotaDailyCredits !== undefined) return { credits: config.quotaDailyCredits, source: 'credits' };
  return { credits: config.quotaDailyVideos * defaultClipCredits(catalog), source: 'videos' };
}
