import type { Redis } from 'ioredis';
import type { ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, userError } from '../core/errors.js';
import type { DeliveryTarget, MediaSources } from '../core/ports.js';
import { type MediaRef, type Requester, userKey, type ValidRequest } from '../core/request.js';
import { requestFromValid } from '../core/validate.js';
import { type CancelOutcome, type Intake, isDown } from '../jobs/intake.js';
import { readGeneratePayload } from '../jobs/migrate.js';
import type { Queues } from '../jobs/queues.js';
import type { Quota, QuotaUsage } from '../jobs/quota.js';
import type { Logger } from '../log.js';
import { type AgainStore, createAgainStore } from './again.js';
import { checkCommand, type GenerateCommand } from './request.js';
import { readStatus, type StatusView } from './status.js';

export interface DeskDeps {
  intake: Intake;
  quota: Quota;
  queues: Queues;
  redis: Redis;
  catalog: readonly ModelSpec[];
  /** The media sources of the platforms, asked before a clip is made again from old inputs. */
  sources: MediaSources;
  logger: Logger;
  now?: () => number;
}

/** A request the desk took: its job, and the first status view to post. */
export interface Accepted {
  jobId: string;
  request: ValidRequest;
  view: StatusView;
}

/** What `/cancel` came to: nothing to stop, what was stopped, or a choice among several jobs. */
export type CancelMine =
  | { kind: 'none' }
  | { kind: 'stopped'; results: { view: StatusView; outcome: CancelOutcome }[] }
  | { kind: 'choose'; jobs: StatusView[] }
  | { kind: 'busy' };

/** `/quota`: closed when the daily limit is 0 (the same words `/video` gets then). */
export type QuotaView = { kind: 'closed' } | ({ kind: 'open' } & QuotaUsage);

/**
 * The front desk: every user action, decided once for every platform. A bot turns its platform's
 * events into these calls (a neutral command with a requester and attachments) and renders what
 * they answer; nothing here knows a platform.
 */
export interface Desk {
  readonly catalog: readonly ModelSpec[];
  /** The command checked against the catalog, with no I/O: the valid request or the reason. */
  check(cmd: GenerateCommand): Result<ValidRequest>;
  /** check → charge → enqueue; the job's first status view. */
  submit(cmd: GenerateCommand): Promise<Result<Accepted>>;
  /** The same clip again, for whoever asked, under their quota; the inputs must still be there. */
  again(jobId: string, requester: Requester, target: DeliveryTarget): Promise<Result<Accepted>>;
  /** Stops one job of the requester's (`busy`: Redis could not be reached). */
  cancel(jobId: string, requester: Requester): Promise<CancelOutcome | 'busy'>;
  /** `/cancel`: stops the requester's one job, or offers a choice when there are several. */
  cancelMine(requester: Requester): Promise<CancelMine>;
  /** Stops every job of the requester's. */
  cancelAll(requester: Requester): Promise<CancelMine>;
  quota(requester: Requester): Promise<QuotaView | 'busy'>;
  /** A job's status view now, computed from the job; undefined when it is gone. */
  status(jobId: string): Promise<StatusView | undefined>;
}

export function createDesk(deps: DeskDeps): Desk {
  const now = deps.now ?? Date.now;
  const again: AgainStore = createAgainStore(deps.redis, deps.queues.prefix);
  const status = (jobId: string) => readStatus(deps, jobId, now());

  async function take(
    request: Result<ValidRequest>,
    requester: Requester,
    target: DeliveryTarget,
  ): Promise<Result<Accepted>> {
    if (!request.ok) return request;
    const accepted = await deps.intake.submit(requestFromValid(request.value), requester, target);
    if (!accepted.ok) return accepted;
    const { jobId, position, request: valid } = accepted.value;
    await again.keep(jobId, valid).catch((error: unknown) => {
      deps.logger.warn({ jobId, err: String(error) }, 'could not keep the request for Again');
    });
    const view: StatusView = {
      jobId,
      state: 'queued',
      model: valid.model,
      duration: valid.duration,
      prompt: valid.prompt,
      requester,
      position,
      elapsedMs: 0,
      paid: false,
      cancelling: false,
      at: now(),
    };
    return ok({ jobId, request: valid, view });
  }

  /**
   * The inputs of an old request as they can be fetched now (one `refresh` per source kind, which
   * may re-sign links), or undefined when one of them is gone for good.
   */
  async function refreshed(request: ValidRequest): Promise<ValidRequest | undefined> {
    const { first, last, references = [], video } = request.images;
    const all = [first, last, ...references, video].filter((r): r is MediaRef => r !== undefined);
    const fresh = new Map<MediaRef, MediaRef>();
    for (const kind of new Set(all.map((r) => r.source.kind))) {
      const refs = all.filter((r) => r.source.kind === kind);
      const source = Object.hasOwn(deps.sources, kind) ? deps.sources[kind] : undefined;
      const now = source?.refresh
        ? await source.refresh(refs.map((r) => r.source))
        : refs.map((r) => r.source);
      for (const [i, ref] of refs.entries()) {
        const current = now[i];
        if (!current) return undefined;
        fresh.set(ref, { ...ref, source: current });
      }
    }
    const swap = (ref: MediaRef): MediaRef => fresh.get(ref) ?? ref;
    const images: ValidRequest['images'] = {};
    if (first) images.first = swap(first);
    if (last) images.last = swap(last);
    if (references.length > 0) images.references = references.map(swap);
    if (video) images.video = swap(video);
    return { ...request, images };
  }

  async function stop(jobIds: string[], requester: Requester): Promise<CancelMine> {
    const results: { view: StatusView; outcome: CancelOutcome }[] = [];
    for (const jobId of jobIds) {
      const outcome = await deps.intake.cancel(jobId, requester).catch(() => undefined);
      const view = await status(jobId).catch(() => undefined);
      if (outcome && view) results.push({ view: { ...view, cancelling: true }, outcome });
    }
    return results.length === 0 ? { kind: 'none' } : { kind: 'stopped', results };
  }

  /** The requester's unfinished jobs, oldest first. */
  async function mine(requester: Requester): Promise<StatusView[] | undefined> {
    if (isDown(deps.redis)) return undefined;
    try {
      const ids = await deps.quota.pending(userKey(requester));
      const views = await Promise.all(ids.map(status));
      return views
        .filter((v): v is StatusView => v !== undefined && v.state !== 'sending' && !v.cancelling)
        .sort((a, b) => b.elapsedMs - a.elapsedMs);
    } catch {
      return undefined;
    }
  }

  return {
    catalog: deps.catalog,
    check: (cmd) => checkCommand(cmd, deps.catalog),
    submit: (cmd) => take(checkCommand(cmd, deps.catalog), cmd.requester, cmd.target),

    async again(jobId, requester, target) {
      if (isDown(deps.redis)) return err(userError('service-busy'));
      let kept: ValidRequest | undefined;
      try {
        // Jobs queued before Again kept its own record still carry their request.
        kept =
          (await again.read(jobId)) ??
          readGeneratePayload((await deps.queues.generate.getJob(jobId))?.data)?.request;
      } catch {
        return err(userError('service-busy'));
      }
      if (!kept) return err(userError('again-expired'));
      const now = await refreshed(kept).catch(() => 'busy' as const);
      if (now === 'busy') return err(userError('service-busy'));
      if (!now) return err(userError('inputs-gone'));
      return take(ok(now), requester, target);
    },

    cancel: (jobId, requester) => deps.intake.cancel(jobId, requester).catch(() => 'busy' as const),

    async cancelMine(requester) {
      const jobs = await mine(requester);
      if (!jobs) return { kind: 'busy' };
      const only = jobs[0];
      if (!only) return { kind: 'none' };
      if (jobs.length > 1) return { kind: 'choose', jobs };
      return stop([only.jobId], requester);
    },

    async cancelAll(requester) {
      const jobs = await mine(requester);
      if (!jobs) return { kind: 'busy' };
      return stop(
        jobs.map((j) => j.jobId),
        requester,
      );
    },

    async quota(requester) {
      if (isDown(deps.redis)) return 'busy';
      try {
        const usage = await deps.quota.usage(userKey(requester));
        return usage.limit <= 0 ? { kind: 'closed' } : { kind: 'open', ...usage };
      } catch {
        return 'busy';
      }
    },

    status,
  };
}
