import { ProviderError } from '../errors.js';
import type { SubmitInput } from '../provider.js';
import { imageKey, parseRoute, type RunningHubEndpoint, resolutionWire, soundKey } from './route.js';

/**
 * Builds the JSON body of a submit from a validated request: picks the route's endpoint for the
 * request's mode, names each neutral value as that endpoint does, and adds the endpoint's fixed
 * values. Unset optionals are left out (RunningHub wants empty optionals omitted). Pure.
 * Throws a `bad-request` ProviderError when the route cannot serve the request.
 */
export function buildRunningHubBody(input: SubmitInput): { path: string; body: Record<string, unknown> } {
  const { route, request, media } = input;
  const refuse = (message: string): never => {
    throw new ProviderError('bad-request', `RunningHub: ${message}`, { provider: 'runninghub' });
  };
  if (route.provider !== 'runninghub') return refuse(`not a RunningHub route (${route.provider})`);
  let endpoint: RunningHubEndpoint | undefined;
  try {
    endpoint = parseRoute(route).endpoints[request.mode];
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
  if (!endpoint) return refuse(`model ${request.model} has no endpoint for mode ${request.mode}`);
  const fields = endpoint.fields;
  const body: Record<string, unknown> = {};
  const put = (key: string | undefined, value: unknown): void => {
    if (key !== undefined && value !== undefined && value !== '') body[key] = value;
  };

  put(fields.prompt, request.prompt);
  put(fields.negativePrompt, request.negativePrompt);
  if (fields.duration) {
    // LIST durations are option strings ("5"); INT durations are JSON numbers.
    const { key, format } = fields.duration;
    put(key, format === 'string' ? String(request.duration) : Math.trunc(request.duration));
  }
  put(fields.aspectRatio, request.aspectRatio);
  put(fields.quality, request.quality);
  put(fields.cfgScale, request.cfgScale);
  if (fields.sound && request.sound !== undefined) {
    const { key, format } = soundKey(fields.sound);
    put(key, format === 'string' ? String(request.sound) : request.sound);
  }
  if (fields.resolution && request.resolution !== undefined) {
    const wire = resolutionWire(fields.resolution, request.resolution, request.aspectRatio);
    if (wire === undefined) {
      return refuse(
        `${endpoint.path} has no size for ${request.resolution} at ${request.aspectRatio ?? 'no ratio'}`,
      );
    }
    put(fields.resolution.key, wire);
  }
  put(fields.seed, request.seed);
  if (fields.multiShot) {
    const on = request.multiShot === true;
    put(fields.multiShot.key, on);
    const { shotType } = fields.multiShot;
    if (shotType) put(shotType.key, on ? shotType.on : shotType.off);
  }

  // A user's image must never be dropped silently: an image without a field, or a field the request
  // fills without a staged handle, is a routing bug, not something to paper over.
  const images: ['firstFrame' | 'lastFrame' | 'references' | 'referenceVideo', string, unknown, boolean][] = [
    ['firstFrame', 'first frame', media.first, request.images.first !== undefined],
    ['lastFrame', 'last frame', media.last, request.images.last !== undefined],
    ['references', 'reference images', media.references, (request.images.references?.length ?? 0) > 0],
    ['referenceVideo', 'reference video', media.video, request.images.video !== undefined],
  ];
  for (const [neutral, what, handle, requested] of images) {
    const field = fields[neutral];
    const present = Array.isArray(handle) ? handle.length > 0 : handle !== undefined;
    if (!present && !requested) continue;
    if (field === undefined) return refuse(`${endpoint.path} takes no ${what}`);
    if (!present) return refuse(`the ${what} was not staged`);
    const { key, list } = imageKey(field);
    put(key, list ? [handle] : handle);
  }

  for (const [key, value] of Object.entries(endpoint.fixed ?? {})) put(key, value);
  return { path: endpoint.path, body };
}
