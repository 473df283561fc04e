import type { ModelSpec } from '../core/catalog.js';
import { err, ok, type Result, userError } from '../core/errors.js';
import { userKey, type ValidRequest } from '../core/request.js';
import type { ChargeTerms } from '../jobs/intake.js';
import { type AccessPolicy, accessAt, isOperator } from './access.js';
import { type CommunitySettings, type CommunityStore, resolveMemberLimit } from './community.js';
import { blockedWordIn } from './moderation.js';
import { type Caller, communityKey, isPrivate } from './place.js';

/**
 * The checks before any charge, in order: may the bot serve this place, is the service or the
 * community paused, is the member blocked, is this channel one that takes requests; then, for a
 * request, is its model allowed here and is its prompt free of blocked words. Each refusal is a
 * specific reply and costs nothing. Operators pass every check but the words and the ceilings.
 */

export interface GateDeps {
  store: CommunityStore;
  policy: AccessPolicy;
  catalog: readonly ModelSpec[];
  /** The operator's list (`BLOCKED_WORDS_FILE`), applied everywhere. */
  globalWords: readonly string[];
  /** Credits per member per day when a community sets none. */
  defaultLimit: number;
}

/** Whether the bot serves this place at all (the allow lists and private chats). */
export function admission(deps: Pick<GateDeps, 'policy'>, caller: Caller): Result<void> {
  const access = accessAt(deps.policy, caller.place, caller.requester);
  if (access === 'community-not-allowed') return err(userError('not-allowed-here'));
  if (access === 'private-not-allowed') return err(userError('private-not-allowed'));
  return ok(undefined);
}

/** Everything about the caller and the place that can refuse a request before its content is read. */
export async function admit(deps: GateDeps, caller: Caller): Promise<Result<CommunitySettings>> {
  const admitted = admission(deps, caller);
  if (!admitted.ok) return admitted;
  const community = communityKey(caller.place);
  const user = userKey(caller.requester);
  const operator = isOperator(deps.policy, caller.requester);
  const [paused, blockedEverywhere, blockedHere, settings] = await Promise.all([
    deps.store.servicePaused(),
    deps.store.isBlockedEverywhere(user),
    deps.store.isBlocked(community, user),
    deps.store.settings(community),
  ]);
  if (!operator) {
    if (paused) return err(userError('service-paused'));
    if (blockedEverywhere) return err(userError('blocked-everywhere'));
    if (settings.paused) return err(userError('paused-here'));
    if (blockedHere) return err(userError('blocked-here'));
    const channel = caller.place.channel;
    if (!isPrivate(caller.place) && channel !== undefined && settings.channels.length > 0) {
      if (!settings.channels.includes(channel)) return err(userError('channel-not-allowed'));
    }
  }
  return ok(settings);
}

/** The request against the community's models and the blocked words (the community's and the operator's). */
export function moderate(deps: GateDeps, settings: CommunitySettings, request: ValidRequest): Result<void> {
  if (settings.deniedModels.includes(request.model)) {
    const models = deps.catalog
      .filter((m) => !settings.deniedModels.includes(m.id) && m.modes.includes(request.mode))
      .map((m) => m.id);
    return err(userError('model-not-allowed', { model: request.model, models }));
  }
  const words = [...settings.blockedWords, ...deps.globalWords];
  for (const text of [request.prompt, request.negativePrompt ?? '']) {
    const word = blockedWordIn(text, words);
    if (word !== undefined) return err(userError('blocked-word', { word }));
  }
  return ok(undefined);
}

/** What the charge of a request here is held to: the member's limit (tiers), the community's budget. */
export function chargeTerms(deps: GateDeps, settings: CommunitySettings, caller: Caller): ChargeTerms {
  const terms: ChargeTerms = {
    community: communityKey(caller.place),
    memberLimit: resolveMemberLimit(settings, caller.roles ?? [], deps.defaultLimit),
  };
  if (settings.budget !== undefined) terms.communityBudget = settings.budget;
  return terms;
}
