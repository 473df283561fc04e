import { ProviderError } from '../errors.js';
import type { SubmitInput } from '../provider.js';
import { parseRoute, type RunwareRouteParams } from './route.js';

/** Image modes carry no aspect ratio (the clip follows the image), but Kling on Runware wants a size. */
const DEFAULT_ASPECT_RATIO = '16:9';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const badRequest = (message: string) =>
  new ProviderError('bad-request', message, { provider: 'runware' });

/**
 * The `videoInference` task for one request: pure, so the exact body can be checked against the
 * model page. Frames go in the nested `inputs.frameImages` form, which every model accepts (newer
 * ones reject the flat legacy `frameImages`). Throws a `bad-request` ProviderError when the input
 * cannot make a valid task (wrong route, missing task id or frames).
 */
export function buildRunwareTask(input: SubmitInput): Record<string, unknown> {
  const { route, request, media } = input;
  if (route.provider !== 'runware') throw badRequest(`runware: got a ${route.provider} route`);
  const taskUUID = input.clientTaskId;
  if (taskUUID === undefined) throw badRequest('runware: submit needs the clientTaskId (a UUID v4)');
  if (!UUID_V4.test(taskUUID)) throw badRequest('runware: clientTaskId must be a UUID v4');
  let params: RunwareRouteParams;
  try {
    params = parseRoute(route);
  } catch (error) {
    throw badRequest(`runware: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!route.modes.includes(request.mode)) {
    throw badRequest(`runware: ${params.model} does not serve ${request.mode} mode`);
  }
  const size =
    params.sizes === undefined ? undefined : sizeFor(params, request.aspectRatio ?? DEFAULT_ASPECT_RATIO);

  const task: Record<string, unknown> = {
    taskType: 'videoInference',
    taskUUID,
    model: params.model,
    positivePrompt: request.prompt,
  };
  if (request.negativePrompt) task.negativePrompt = request.negativePrompt;
  if (size) {
    task.width = size.width;
    task.height = size.height;
  }
  task.duration = request.duration;
  if (request.cfgScale !== undefined) task.CFGScale = request.cfgScale;
  if (request.seed !== undefined) task.seed = request.seed;

  const frameImages: { image: string; frame: 'first' | 'last' }[] = [];
  if (request.mode === 'first-frame' || request.mode === 'first-last') {
    if (!media.first) throw badRequest('runware: no staged first frame');
    frameImages.push({ image: media.first, frame: 'first' });
  }
  if (request.mode === 'first-last') {
    if (!media.last) throw badRequest('runware: no staged last frame');
    frameImages.push({ image: media.last, frame: 'last' });
  }
  if (frameImages.length > 0) task.inputs = { frameImages };

  task.deliveryMethod = 'async';
  task.outputType = 'URL';
  task.outputFormat = 'MP4';
  task.numberResults = 1;
  task.includeCost = true;
  if (input.webhookUrl !== undefined) task.webhookURL = input.webhookUrl;
  return task;
}

function sizeFor(params: RunwareRouteParams, aspectRatio: string): { width: number; height: number } {
  const size = params.sizes?.[aspectRatio];
  if (!size) throw badRequest(`runware: ${params.model} has no size for aspect ratio ${aspectRatio}`);
  return size;
}
