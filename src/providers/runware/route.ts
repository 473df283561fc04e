import { z } from 'zod';
import type { Route } from '../../core/catalog.js';
import type { GenerationMode } from '../../core/request.js';
import { checkParams, parseParams } from '../route-params.js';

/**
 * What a catalog route to Runware carries in its `params`: the AIR model id and the output size for
 * each aspect ratio (`width` and `height` are sent together). A model whose clip takes its size from
 * the first frame (`klingai:6@0`) has no sizes: none is sent, and it serves image modes only. Only
 * this provider reads it.
 */
export const runwareRouteSchema = z
  .object({
    /** AIR id, e.g. `klingai:6@1`. */
    model: z.string().regex(/^[a-z0-9-]+:\d+@\d+$/, 'an AIR model id like klingai:6@1'),
    sizes: z
      .record(
        z.string().regex(/^\d+:\d+$/),
        z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
      )
      .optional(),
  })
  .strict();

export type RunwareRouteParams = z.infer<typeof runwareRouteSchema>;

/** Modes a Runware video task can serve: text, and first (and last) frames through `frameImages`. */
const SERVABLE: readonly GenerationMode[] = ['text', 'first-frame', 'first-last'];

/** A catalog route to Runware; without `sizes`, the clip takes the first frame's. */
export const runwareRoute = (
  model: string,
  modes: readonly GenerationMode[],
  sizes?: RunwareRouteParams['sizes'],
): Route => ({ provider: 'runware', modes, params: sizes === undefined ? { model } : { model, sizes } });

/** The route's params, typed; throws a readable error when they are not Runware's. */
export const parseRoute = (route: Route): RunwareRouteParams =>
  parseParams(runwareRouteSchema, route, 'Runware');

/** Problems with a catalog route to Runware; empty when it is good. */
export function checkRunwareRoute(route: Route): string[] {
  const checked = checkParams(runwareRouteSchema, route);
  if (!checked.ok) return checked.problems;
  const problems = route.modes
    .filter((m) => !SERVABLE.includes(m))
    .map((m) => `Runware video tasks cannot serve ${m} mode`);
  if (route.modes.length === 0) problems.push('no mode');
  if (checked.params.sizes === undefined && route.modes.includes('text')) {
    problems.push("text mode needs sizes: without them the clip takes the first frame's size");
  }
  return problems;
}
