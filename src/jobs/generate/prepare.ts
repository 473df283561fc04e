import { randomUUID } from 'node:crypto';
import { candidateRoutes } from '../../core/catalog.js';
import { type UserError, userError } from '../../core/errors.js';
import type { StagedMedia } from '../../providers/provider.js';
import { loadImage, loadVideo } from '../media.js';
import type { StateOf } from '../payloads.js';
import type { StepContext } from './context.js';

/**
 * Step `prepare`: choose the first route of the model whose provider has a key (catalog order),
 * minus providers that refused our account; download each input through its source, check the real
 * bytes, and stage it at that provider. Nothing is started yet, so repeating this step costs nothing
 * but the uploads. Answers a reason to fail instead when no route is left.
 */
export async function prepare(ctx: StepContext, state: StateOf<'prepare'>): Promise<UserError | undefined> {
  const model = ctx.model();
  if (!model) return userError('unknown-model', { model: ctx.data.request.model, allowed: [] });
  const configured = new Set(ctx.deps.providers.keys());
  const route = candidateRoutes(model, ctx.data.request.mode, configured).find(
    (r) => !state.excluded.includes(r.provider),
  );
  if (!route) {
    return state.excluded.length > 0
      ? userError('provider-account')
      : userError('no-provider', { model: model.id });
  }
  await ctx.progress({ step: 'prepare' });
  const provider = ctx.provider(route.provider);
  const { images } = ctx.data.request;
  const sources = ctx.deps.sources;
  const staged: StagedMedia = {};
  if (images.first) {
    staged.first = await provider.stageMedia(
      await loadImage(images.first, model.images, 'first-frame', sources),
    );
  }
  if (images.last) {
    staged.last = await provider.stageMedia(
      await loadImage(images.last, model.images, 'last-frame', sources),
    );
  }
  if (images.references) {
    const refs: string[] = [];
    for (const [i, ref] of images.references.entries()) {
      refs.push(await provider.stageMedia(await loadImage(ref, model.images, `reference-${i + 1}`, sources)));
    }
    staged.references = refs;
  }
  if (images.video && model.referenceVideo) {
    staged.video = await provider.stageMedia(await loadVideo(images.video, model.referenceVideo, sources));
  }
  await ctx.save({
    step: 'submit',
    excluded: state.excluded,
    provider: route.provider,
    staged,
    submitStarted: false,
    ...(provider.clientTaskIds ? { clientTaskId: randomUUID() } : {}),
  });
  return undefined;
}
