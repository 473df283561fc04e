import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError } from 'bullmq';
import type { UserError } from '../core/errors.js';
import type { ChatDelivery, ClipFile, DeliveryContext } from '../core/ports.js';
import type { Logger } from '../log.js';
import { metrics } from '../metrics.js';
import type { Fetch } from '../providers/http.js';
import type { ProviderDescriptor } from '../providers/provider.js';
import { providerNamed } from '../providers/registry.js';
import { type ClipTools, prepareClip } from './clip-prep.js';
import { readDeliverPayload } from './migrate.js';
import type { DeliverResult } from './payloads.js';
import type { DeliverJob } from './queues.js';

/** The deliveries of the platforms a worker serves, by platform name. */
export type Deliveries = Readonly<Record<string, ChatDelivery>>;

export interface DeliverDeps {
  /** One delivery per platform, plugged in by the composition root. */
  deliveries: Deliveries;
  /** For each provider's result-link lifetime. */
  descriptors: readonly ProviderDescriptor[];
  logger: Logger;
  fetch?: Fetch;
  /** Largest clip we download (a provider answering with a huge file must not fill the disk). */
  maxClipBytes?: number;
  /** ffmpeg and its pool: clips are probed, made playable and compressed to fit (absent: as they are). */
  clipTools?: ClipTools;
  now?: () => number;
}

const DEFAULT_MAX_CLIP_BYTES = 512 * 1024 * 1024;
const CLIP_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

/** Streams the provider's clip to a temporary file, capped in size. No credentials are sent. */
async function downloadClip(
  url: string,
  dir: string,
  maxBytes: number,
  doFetch: Fetch,
): Promise<{ path: string; size: number }> {
  const response = await doFetch(url, { signal: AbortSignal.timeout(CLIP_DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    // A 403/404 on a signed result URL means it expired: asking again will not help.
    const message = `clip download answered HTTP ${response.status}`;
    if (
      response.status >= 400 &&
      response.status < 500 &&
      response.status !== 408 &&
      response.status !== 429
    ) {
      throw new UnrecoverableError(message);
    }
    throw new Error(message);
  }
  const path = join(dir, 'clip.mp4');
  let size = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) body.destroy(new UnrecoverableError(`clip larger than ${maxBytes} bytes`));
  });
  await pipeline(body, createWriteStream(path));
  return { path, size };
}

/**
 * The `deliver` job processor: posts one outcome of one generate job — the clip, or the reason
 * there is none — through the target's {@link ChatDelivery}. Its own job, so a failed post is retried
 * without regenerating a paid clip, and its id is fixed per generate job so an outcome is posted once.
 */
export function createDeliverProcessor(deps: DeliverDeps) {
  const now = deps.now ?? Date.now;
  const doFetch = deps.fetch ?? fetch;
  const expiry = (provider: string, readyAt: number) => {
    const lifetime = providerNamed(provider, deps.descriptors)?.resultUrlLifetimeMs;
    return lifetime === undefined ? {} : { sourceExpiresAt: readyAt + lifetime };
  };
  return async function processDeliver(job: DeliverJob): Promise<DeliverResult> {
    const data = readDeliverPayload(job.data);
    if (!data) throw new UnrecoverableError('malformed deliver payload');
    const platform = data.target.platform;
    const delivery = Object.hasOwn(deps.deliveries, platform) ? deps.deliveries[platform] : undefined;
    if (!delivery) throw new UnrecoverableError(`no delivery for ${platform} on this worker`);
    const ctx: DeliveryContext = {
      jobId: data.generateJobId,
      target: data.target,
      requester: data.requester,
      request: data.request,
    };
    if (data.outcome.kind === 'failure') {
      await delivery.deliverFailure(ctx, {
        error: data.outcome.error as UserError,
        refunded: data.outcome.refunded,
      });
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'reelay-clip-'));
      try {
        const clip = await downloadClip(
          data.outcome.videoUrl,
          dir,
          deps.maxClipBytes ?? DEFAULT_MAX_CLIP_BYTES,
          doFetch,
        );
        const downloaded: ClipFile = {
          path: clip.path,
          size: clip.size,
          contentType: 'video/mp4',
          sourceUrl: data.outcome.videoUrl,
          ...expiry(data.outcome.provider, data.readyAt),
        };
        const ready = deps.clipTools
          ? await prepareClip(deps.clipTools, ctx.jobId, downloaded, dir, delivery.uploadLimit?.(ctx))
          : downloaded;
        await delivery.deliverClip(ctx, ready);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const deliveredAt = now();
    metrics.delivery.observe(
      { platform, outcome: data.outcome.kind },
      Math.max(0, deliveredAt - data.readyAt) / 1000,
    );
    deps.logger.info({ jobId: data.generateJobId, outcome: data.outcome.kind }, 'delivered');
    return { kind: data.outcome.kind, deliveredAt, latencyMs: deliveredAt - data.readyAt };
  };
}
