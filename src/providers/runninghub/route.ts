import { z } from 'zod';
import type { Route } from '../../core/catalog.js';
import { GENERATION_MODES } from '../../core/request.js';
import { checkParams, parseParams } from '../route-params.js';

/**
 * What a catalog route to RunningHub carries in its `params`: one endpoint of the Standard Model API
 * per mode, with the endpoint's own body field name for each neutral value it takes. Only this
 * provider reads it; the catalog test checks every endpoint against the vendor's parameter table.
 */

const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a body field name');

const fieldsSchema = z
  .object({
    prompt: fieldName.optional(),
    negativePrompt: fieldName.optional(),
    /** RunningHub's LIST params are option strings (`"5"`), INT params are JSON numbers. */
    duration: z.object({ key: fieldName, format: z.enum(['string', 'integer']) }).optional(),
    aspectRatio: fieldName.optional(),
    quality: fieldName.optional(),
    cfgScale: fieldName.optional(),
    sound: fieldName.optional(),
    firstFrame: fieldName.optional(),
    lastFrame: fieldName.optional(),
    references: fieldName.optional(),
    referenceVideo: fieldName.optional(),
  })
  .strict();

const endpointSchema = z
  .object({
    /** Path under `/openapi/v2/`, e.g. `kling-v2.5-turbo-pro/image-to-video`. */
    path: z.string().regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/, 'an endpoint path'),
    fields: fieldsSchema,
    /** Values always sent (required by the endpoint, not chosen by the user). */
    fixed: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

export const runningHubRouteSchema = z
  .object({ endpoints: z.partialRecord(z.enum(GENERATION_MODES), endpointSchema) })
  .strict();

export type RunningHubRouteParams = z.infer<typeof runningHubRouteSchema>;
export type RunningHubEndpoint = z.infer<typeof endpointSchema>;
export type RunningHubFields = z.infer<typeof fieldsSchema>;

/** A catalog route to RunningHub: the modes are the endpoints'. */
export const runningHubRoute = (endpoints: RunningHubRouteParams['endpoints']): Route => ({
  provider: 'runninghub',
  modes: GENERATION_MODES.filter((m) => endpoints[m] !== undefined),
  params: { endpoints },
});

/** The route's params, typed; throws a readable error when they are not RunningHub's. */
export const parseRoute = (route: Route): RunningHubRouteParams =>
  parseParams(runningHubRouteSchema, route, 'RunningHub');

/** Problems with a catalog route to RunningHub; empty when it is good. */
export function checkRunningHubRoute(route: Route): string[] {
  const checked = checkParams(runningHubRouteSchema, route);
  if (!checked.ok) return checked.problems;
  const { endpoints } = checked.params;
  const served = GENERATION_MODES.filter((m) => endpoints[m] !== undefined);
  const problems: string[] = [];
  if (served.length === 0) problems.push('no endpoint');
  const declared = [...route.modes].sort().join(',');
  if (declared !== [...served].sort().join(',')) {
    problems.push(`modes [${route.modes.join(', ')}] differ from the endpoints' [${served.join(', ')}]`);
  }
  return problems;
}
