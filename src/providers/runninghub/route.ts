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

/**
 * A field with a wire format. `duration`: RunningHub's LIST params are option strings (`"5"`), INT
 * params JSON numbers. `sound`: a BOOLEAN param is a JSON bool, a LIST one the strings `"true"` /
 * `"false"` (the key may be `sound`, `audio`, `generateAudio`…). An image: one URL, or a list
 * holding it (`imageUrls: [url]`).
 */
const formatted = <const F extends readonly [string, ...string[]]>(formats: F) =>
  z.object({ key: fieldName, format: z.enum(formats) }).strict();

/** An image field: its name (one URL), or its name and `list` (the URL inside a one-item array). */
const imageField = z.union([fieldName, formatted(['url', 'list'])]);

const fieldsSchema = z
  .object({
    prompt: fieldName.optional(),
    negativePrompt: fieldName.optional(),
    /** Absent where the endpoint makes clips of one length, which is then the model's only duration. */
    duration: formatted(['string', 'integer']).optional(),
    aspectRatio: fieldName.optional(),
    quality: fieldName.optional(),
    cfgScale: fieldName.optional(),
    /** A bare name is a JSON bool. */
    sound: z.union([fieldName, formatted(['boolean', 'string'])]).optional(),
    /**
     * The output resolution, always sent (the validated request carries the model's default). `values`
     * spells a neutral resolution the endpoint's way (`720p` → `720P`) where it differs. Where the
     * endpoint names a size rather than a resolution (`1280*720`, `size: "720x1280"`), the spelling
     * depends on the aspect ratio too: `values` then maps each resolution to one per ratio.
     */
    resolution: z
      .object({
        key: fieldName,
        values: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string())])).optional(),
      })
      .strict()
      .optional(),
    /** An INT seed, sent only when the person gave one. */
    seed: fieldName.optional(),
    /**
     * Several shots the model chooses (the request's `multiShot`), always sent: `key` the endpoint's
     * BOOLEAN switch (Kling's `multiShot`), `shotType` its LIST of how shots are made, spelt `on` when
     * the model picks the shots from the one prompt (`intelligence`, Wan's `multi`) and `off` when not
     * (left out when the endpoint needs none).
     */
    multiShot: z
      .object({
        key: fieldName.optional(),
        shotType: z
          .object({ key: fieldName, on: z.string(), off: z.string().optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    firstFrame: imageField.optional(),
    lastFrame: imageField.optional(),
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
export type RunningHubImageField = z.infer<typeof imageField>;

/** An image field's body key and whether the URL goes inside a list. */
export const imageKey = (field: RunningHubImageField): { key: string; list: boolean } =>
  typeof field === 'string' ? { key: field, list: false } : { key: field.key, list: field.format === 'list' };

/**
 * How an endpoint spells a resolution at an aspect ratio: its own word, a size for that ratio, or the
 * neutral word itself. Undefined where the endpoint names sizes and has none for that ratio (or the
 * mode chooses no ratio).
 */
export function resolutionWire(
  field: NonNullable<RunningHubFields['resolution']>,
  resolution: string,
  aspectRatio: string | undefined,
): string | undefined {
  const spelled = field.values?.[resolution];
  if (spelled === undefined) return resolution;
  if (typeof spelled === 'string') return spelled;
  return aspectRatio === undefined ? undefined : spelled[aspectRatio];
}

/** The sound field's body key and its wire format. */
export const soundKey = (
  field: NonNullable<RunningHubFields['sound']>,
): { key: string; format: 'boolean' | 'string' } =>
  typeof field === 'string' ? { key: field, format: 'boolean' } : field;

/** A catalog route to RunningHub: the modes are the endpoints'. */
export const runningHubRoute = (endpoints: RunningHubRouteParams['endpoints']): Route => ({
  provider: 'runninghub',
  modes: GENERATION_MODES.filter((m) => endpoints[m] !== undefined),
  params: { endpoints },
});

/** The route's params, typed; throws a readable error when they are not RunningHub's. */
export const parseRoute = (route: Route): RunningHubRouteParams =>
  parseParams(runningHubRouteSchema, route, 'RunningHub');

/** Whether every endpoint of a (checked) route but motion control sends the `multiShot` field. */
export function sendsMultiShot(route: Route): boolean {
  const { endpoints } = parseRoute(route);
  return Object.entries(endpoints).every(
    ([mode, e]) => mode === 'motion' || e?.fields.multiShot !== undefined,
  );
}

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
