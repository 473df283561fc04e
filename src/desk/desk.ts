import type { Redis } from 'ioredis';
import { type RetiredModel, retiredError } from '../catalog/retired.js';
import { findModel, type ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, type UserError, userError } from '../core/errors.js';
import type { DeliveryTarget, MediaSources } from '../core/ports.js';
import { type MediaRef, type Requester, userKey, type ValidRequest } from '../core/request.js';
import { requestFromValid } from '../core/validate.js';
import type { Credits, HistoryEntry } from '../jobs/credits.js';
import { type CancelOutcome, type Intake, isDown } from '../jobs/intake.js';
import { defaultClipCredits } from '../jobs/limits.js';
import { readGeneratePayload } from '../jobs/migrate.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../log.js';
import type { AccessPolicy } from './access.js';
import type { AdminCommand } from './admin.js';
import { type AdminReply, createAdmin } from './admin-ops.js';
import { type AgainStore, createAgainStore } from './again.js';
import { defaultModelFor } from './commands.js';
import type { CommunitySettings, CommunityStore } from './community.js';
import { admission, admit, chargeTerms, type GateDeps, moderate } from './gate.js';
import { createAllowedModels } from './models.js';
import { type Caller, communityKey, type Place } from './place.js';
import { checkCommand, type GenerateCommand } from './request.js';
import { readStatus, type StatusView } from './status.js';

export interface DeskDeps {
  intake: Intake;
  credits: Credits;
  /** Each community's settings, blocks and pauses. */
  store: CommunityStore;
  /** Who the bot serves, and who its operators are. */
  policy: AccessPolicy;
  /** The operator's blocked words (`BLOCKED_WORDS_FILE`). */
  globalWords?: readonly string[];
  /** Credits per member per day when a community sets none. */
  defaultLimit: number;
  queues: Queues;
  redis: Redis;
  catalog: readonly ModelSpec[];
  /** Models taken out of the catalog, answered with their replacement (`catalog/retired.ts`). */
  retired?: readonly RetiredModel[];
  /** The media sources of the platforms, asked before a clip is made again from old inputs. */
  sources: MediaSources;
  logger: Logger;
  /**
   * Longest the checks before a submit wait on Redis before the person is told the service is busy.
   * Default 5 s, like the intake's (a submit is answered after the platform deferred it).
   */
  redisBudgetMs?: number;
  /**
   * Longest a desk read (quota, history, /cancel, Again, admin) waits on Redis before the answer is
   * "busy". Default {@link READ_BUDGET_MS}: well inside the 3 s Discord gives an interaction.
   */
  readBudgetMs?: number;
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

/**
 * `/quota`: closed when the member's daily limit is 0 (the same words `/video` gets then); else the
 * member's credits today, what the default clip costs (for "≈ N clips"), and the community's budget.
 */
export type QuotaView =
  /** No credits here: the member's limit is 0, or `reason` (paused, blocked, not allowed…). */
  | { kind: 'closed'; reason?: UserError }
  | {
      kind: 'open';
      used: number;
      limit: number;
      left: number;
      inFlight: number;
      resetsAt: number;
      /** The default model's default clip, and its cost. */
      clip: { model: string; credits: number };
      /** The community's budget today, when it has one. */
      budget?: { used: number; limit: number };
    };

/** One line of `/history`: a job, and whether its clip's link still works (it can be posted again). */
export interface HistoryItem extends HistoryEntry {
  live: boolean;
}

/** A clip posted again from `/history`: its link, or why not. */
export type Replay =
  | { ok: true; url: string; entry: HistoryEntry }
  | { ok: false; reason: 'gone' | 'not-yours' | 'busy' };

/** How many jobs `/history` shows. */
export const HISTORY_LENGTH = 10;

/** Default longest wait of a desk read on Redis before "busy": 2 s, so Discord's 3 s hold is kept. */
export const READ_BUDGET_MS = 2_000;

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
  again(jobId: string, caller: Caller, target: DeliveryTarget): Promise<Result<Accepted>>;
  /** Stops one job of the requester's (`busy`: Redis could not be reached). */
  cancel(jobId: string, requester: Requester): Promise<CancelOutcome | 'busy'>;
  /** `/cancel`: stops the requester's one job, or offers a choice when there are several. */
  cancelMine(requester: Requester): Promise<CancelMine>;
  /** Stops every job of the requester's. */
  cancelAll(requester: Requester): Promise<CancelMine>;
  quota(caller: Caller): Promise<QuotaView | 'busy'>;
  /** The caller's last jobs here and elsewhere, newest first. */
  history(caller: Caller): Promise<HistoryItem[] | 'busy'>;
  /** A clip of the requester's from `/history`, while its link lives. */
  replay(jobId: string, requester: Requester): Promise<Replay>;
  /**
   * The models the place's community allows, for suggestions: briefly cached and time-boxed (the
   * whole catalog when Redis is slow), since a suggestion must come within Discord's 3 s.
   */
  allowedModels(place: Place): Promise<readonly ModelSpec[]>;
  /** Runs an `/admin` command; refuses anyone who is not an admin here. */
  admin(caller: Caller, cmd: AdminCommand): Promise<AdminReply | 'busy'>;
  /**
   * Whether the bot serves the caller's place. When it does not, `first` is true the first time a
   * community is told so (a platform may then leave it).
   */
  admission(caller: Caller): Promise<{ ok: true } | { ok: false; error: UserError; first: boolean }>;
  /** A job's status view now, computed from the job; undefined when it is gone. */
  status(jobId: string): Promise<StatusView | undefined>;
}

/** The caller of a generating command: who, where, with which roles. */
const callerOf = (cmd: GenerateCommand): Caller => ({
  requester: cmd.requester,
  place: cmd.place,
  ...(cmd.roles ? { roles: cmd.roles } : {}),
});

/** The clip `/quota` counts in: the default model's, with its defaults. */
const defaultClip = (catalog: readonly ModelSpec[]): { model: string; credits: number } => ({
  model: defaultModelFor('text', catalog),
  credits: defaultClipCredits(catalog),
});

/**
 * The request a command naming no model makes with the community's default model, where one is set,
 * allowed here and does the request's mode; else the request as checked with the command's default.
 * Checked again for the new model: its own limits apply (and its refusal names it).
 */
function withCommunityDefault(
  cmd: GenerateCommand,
  checked: Result<ValidRequest> & { ok: true },
  settings: CommunitySettings,
  catalog: readonly ModelSpec[],
): Result<ValidRequest> {
  const chosen = settings.defaultModel;
  if (cmd.settings.model !== undefined || chosen === undefined || chosen === checked.value.model)
    return checked;
  if (settings.deniedModels.includes(chosen)) return checked;
  if (!findModel(chosen, catalog)?.modes.includes(checked.value.mode)) return checked;
  return checkCommand({ ...cmd, settings: { ...cmd.settings, model: chosen } }, catalog);
}

export function createDesk(deps: DeskDeps): Desk {
  const now = deps.now ?? Date.now;
  const retired = deps.retired ?? [];
  const again: AgainStore = createAgainStore(deps.redis, deps.queues.prefix);
  const status = (jobId: string) => readStatus(deps, jobId, now());
  const gate: GateDeps = {
    store: deps.store,
    policy: deps.policy,
    catalog: deps.catalog,
    globalWords: deps.globalWords ?? [],
    defaultLimit: deps.defaultLimit,
  };
  const admin = createAdmin({
    credits: deps.credits,
    store: deps.store,
    intake: deps.intake,
    catalog: deps.catalog,
    policy: deps.policy,
    defaultLimit: deps.defaultLimit,
    now,
  });

  const allowed = createAllowedModels({ store: deps.store, catalog: deps.catalog, now });

  /**
   * Runs `work` unless Redis is known to be down; a Redis error, or no answer within the budget
   * (ioredis queues commands while it connects), is `busy` too — a chat command never hangs.
   */
  async function guarded<T>(
    work: () => Promise<T>,
    budgetMs = deps.readBudgetMs ?? READ_BUDGET_MS,
  ): Promise<T | 'busy'> {
    if (isDown(deps.redis)) return 'busy';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'busy'>((resolve) => {
      timer = setTimeout(() => resolve('busy'), budgetMs);
    });
    try {
      return await Promise.race([work(), late]);
    } catch (error) {
      deps.logger.warn({ err: String(error) }, 'desk call failed');
      return 'busy';
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The checks before any charge, then the charge and the job. `cmd`: the command asked, when it
   * named no model and the community's default model may stand in for the command's own.
   */
  async function take(
    checked: Result<ValidRequest>,
    caller: Caller,
    target: DeliveryTarget,
    cmd?: GenerateCommand,
  ): Promise<Result<Accepted>> {
    if (!checked.ok) return checked;
    const admitted = await guarded(() => admit(gate, caller), deps.redisBudgetMs ?? 5_000);
    if (admitted === 'busy') return err(userError('service-busy'));
    if (!admitted.ok) return admitted;
    const request = cmd ? withCommunityDefault(cmd, checked, admitted.value, deps.catalog) : checked;
    if (!request.ok) return request;
    const moderated = moderate(gate, admitted.value, request.value);
    if (!moderated.ok) return moderated;
    const { requester } = caller;
    const accepted = await deps.intake.submit(requestFromValid(request.value), requester, target, {
      charge: chargeTerms(gate, admitted.value, caller),
    });
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
      credits: valid.credits,
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
    const views = await guarded(async () => {
      const ids = await deps.credits.pending(userKey(requester));
      return Promise.all(ids.map(status));
    });
    if (views === 'busy') return undefined;
    return views
      .filter((v): v is StatusView => v !== undefined && v.state !== 'sending' && !v.cancelling)
      .sort((a, b) => b.elapsedMs - a.elapsedMs);
  }

  return {
    catalog: deps.catalog,
    check: (cmd) => checkCommand(cmd, deps.catalog, retired),
    submit: (cmd) => take(checkCommand(cmd, deps.catalog, retired), callerOf(cmd), cmd.target, cmd),

    async again(jobId, caller, target) {
      if (isDown(deps.redis)) return err(userError('service-busy'));
      // Jobs queued before Again kept its own record still carry their request.
      const found = await guarded(async () => ({
        request:
          (await again.read(jobId)) ??
          readGeneratePayload((await deps.queues.generate.getJob(jobId))?.data)?.request,
        where: await deps.credits.communityOf(jobId),
      }));
      if (found === 'busy') return err(userError('service-busy'));
      const kept = found.request;
      if (!kept) return err(userError('again-expired'));
      // A button id is anyone's to forge: only a clip made on this platform and server is made again here.
      if (found.where !== communityKey(caller.place)) return err(userError('again-elsewhere'));
      const gone = retiredError(kept.model, deps.catalog, retired);
      if (gone) return err(gone);
      const now = await refreshed(kept).catch(() => 'busy' as const);
      if (now === 'busy') return err(userError('service-busy'));
      if (!now) return err(userError('inputs-gone'));
      return take(ok(now), caller, target);
    },

    cancel: (jobId, requester) => guarded(() => deps.intake.cancel(jobId, requester)),

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

    async quota(caller) {
      return guarded(async () => {
        const admitted = await admit(gate, caller);
        if (!admitted.ok) return { kind: 'closed' as const, reason: admitted.error };
        const settings = admitted.value;
        const terms = chargeTerms(gate, settings, caller);
        if (terms.memberLimit <= 0) return { kind: 'closed' as const };
        const [usage, communityUsed] = await Promise.all([
          deps.credits.usage(userKey(caller.requester), terms.community),
          terms.communityBudget === undefined ? 0 : deps.credits.communityUsed(terms.community),
        ]);
        const view: QuotaView = {
          kind: 'open',
          used: usage.used,
          limit: terms.memberLimit,
          left: Math.max(0, terms.memberLimit - usage.used),
          inFlight: usage.inFlight,
          resetsAt: usage.resetsAt,
          clip: defaultClip(deps.catalog),
        };
        if (terms.communityBudget !== undefined) {
          view.budget = { used: communityUsed, limit: terms.communityBudget };
        }
        return view;
      });
    },

    async history(caller) {
      return guarded(async () => {
        const at = now();
        const entries = await deps.credits.history(userKey(caller.requester), HISTORY_LENGTH);
        return entries.map((e) => ({
          ...e,
          live: e.url !== undefined && (e.expiresAt === undefined || e.expiresAt > at),
        }));
      });
    },

    async replay(jobId, requester) {
      const entries = await guarded(() => deps.credits.history(userKey(requester), HISTORY_LENGTH * 2));
      if (entries === 'busy') return { ok: false, reason: 'busy' };
      const entry = entries.find((e) => e.jobId === jobId);
      if (!entry) return { ok: false, reason: 'not-yours' };
      if (entry.url === undefined || (entry.expiresAt !== undefined && entry.expiresAt <= now())) {
        return { ok: false, reason: 'gone' };
      }
      return { ok: true, url: entry.url, entry };
    },

    allowedModels: (place) => allowed(communityKey(place)),

    admin: (caller, cmd) => guarded(() => admin.run(caller, cmd)),

    async admission(caller) {
      const admitted = admission(gate, caller);
      if (admitted.ok) return { ok: true };
      const first = await guarded(() => deps.store.firstRefusal(communityKey(caller.place)));
      return { ok: false, error: admitted.error, first: first === true };
    },

    status,
  };
}
