import { randomUUID } from 'node:crypto';
import { retiredError } from '../../catalog/retired.js';
import { candidateRoutes, type Route } from '../../core/catalog.js';
import { type UserError, userError } from '../../core/errors.js';
import type { MediaRef } from '../../core/request.js';
import type { Media, StagedMedia } from '../../providers/provider.js';
import { loadImage, loadVideo } from '../media.js';
import type { StateOf } from '../payloads.js';
import type { StepContext } from './context.js';

/**
 * Step `prepare`: choose the first route of the model whose provider has a key (catalog order),
 * minus providers that refused our account or were down (see `providerDown`); download each input through its source, check the real
 * bytes, and stage it at that provider. Nothing is started yet, so repeating this step costs nothing
 * but the uploads. Answers a reason to fail instead when no route is left.
 */
export async function prepare(ctx: StepContext, state: StateOf<'prepare'>): Promise<UserError | undefined> {
  const model = ctx.model();
  if (!model) {
    // Taken out of the catalog before anything was started: nothing is paid, the credits come back.
    const id = ctx.data.request.model;
    return (
      retiredError(id, ctx.deps.catalog, ctx.deps.retired ?? []) ?? userError('model-retired', { model: id })
    );
  }
  const route = nextRoute(ctx, state.excluded);
  if (!route) {
    return state.excluded.length > 0
      ? userError('provider-account')
      : userError('no-provider', { model: model.id });
  }
  await ctx.progress({ step: 'prepare' });
  const provider = ctx.provider(route.provider);
  const { images } = ctx.data.request;
  const sources = ctx.deps.sources;
  const maxPixels = ctx.deps.imageMaxPixels;
  // Each input is held in memory from its download until the provider has it: within the worker's
  // byte budget, asked for before the download and given back once staged (or failed).
  const staging = (ref: MediaRef, cap: number, load: () => Promise<Media>): Promise<string> => {
    const stage = async () => provider.stageMedia(await load());
    const memory = ctx.deps.memory;
    return memory ? memory.use(roomFor(ref, cap), stage) : stage();
  };
  // Motion control's character image and driving video have limits of their own.
  const motion = ctx.data.request.mode === 'motion' ? model.motion : undefined;
  const staged: StagedMedia = {};
  if (images.first) {
    const ref = images.first;
    const limits = motion?.image ?? model.images;
    staged.first = await staging(ref, limits.maxBytes, () =>
      loadImage(ref, limits, motion ? 'character-image' : 'first-frame', sources, { maxPixels }),
    );
  }
  if (images.last) {
    const ref = images.last;
    staged.last = await staging(ref, model.images.maxBytes, () =>
      loadImage(ref, model.images, 'last-frame', sources, { maxPixels }),
    );
  }
  if (images.references) {
    const refs: string[] = [];
    for (const [i, ref] of images.references.entries()) {
      refs.push(
        await staging(ref, model.images.maxBytes, () =>
          loadImage(ref, model.images, `reference-${i + 1}`, sources, { maxPixels }),
        ),
      );
    }
    staged.references = refs;
  }
  const video = motion?.video ?? model.referenceVideo;
  if (images.video && video) {
    const ref = images.video;
    const input = motion ? 'driving-video' : 'reference-video';
    staged.video = await staging(ref, video.maxBytes, () => loadVideo(ref, video, sources, undefined, input));
  }
  await ctx.save({
    step: 'submit',
    excluded: state.excluded,
    provider: route.provider,
    staged,
    route: { provider: route.provider, modes: [...route.modes], params: route.params },
    submitStarted: false,
    ...(provider.clientTaskIds ? { clientTaskId: randomUUID() } : {}),
  });
  return undefined;
}

/** The first route of the job's model whose provider has a key here and is not `excluded`. */
export function nextRoute(ctx: StepContext, excluded: readonly string[]): Route | undefined {
  const model = ctx.model();
  if (!model) return undefined;
  const configured = new Set(ctx.deps.providers.keys());
  return candidateRoutes(model, ctx.data.request.mode, configured).find(
    (r) => !excluded.includes(r.provider),
  );
}

/**
 * The bytes one input holds while it is downloaded and staged: the size its platform declared, else
 * the model's cap for it (the download never reads more than the cap).
 */
export const roomFor = (ref: MediaRef, cap: number): number =>
  ref.size !== undefined && ref.size > 0 ? Math.min(ref.size, cap) : cap;
