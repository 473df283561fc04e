import type { Config } from '../config.js';
import { type Requester, userKey } from '../core/request.js';
import { isPrivate, type Place } from './place.js';

/**
 * Who the bot serves, and where: the communities each platform allows (`ALLOWED_DISCORD_GUILDS`,
 * `ALLOWED_TELEGRAM_CHATS`, …), whether private chats are served (`ALLOW_PRIVATE_CHATS`), and the
 * operators (`REELAY_OPERATORS`), who are served everywhere. Pure.
 */
export interface AccessPolicy {
  /** Allowed community ids by platform name; an empty or missing list: every community. */
  allowed: Readonly<Record<string, readonly string[]>>;
  allowPrivate: boolean;
  /** `platform:userId` */
  operators: readonly string[];
}

/** Why the bot does not serve a place, or `ok`. */
export type AccessVerdict = 'ok' | 'community-not-allowed' | 'private-not-allowed';

/** The policy of a configuration: each platform's `allowed` list, and `config.access`. */
export function accessPolicy(config: Config): AccessPolicy {
  return {
    allowed: Object.fromEntries(
      Object.entries(config.platforms).map(([name, settings]) => [name, [...settings.allowed]]),
    ),
    allowPrivate: config.access.allowPrivate,
    operators: [...config.access.operators],
  };
}

/** Whether the requester is one of the operators (`platform:userId`, on the requester's own platform). */
export function isOperator(policy: AccessPolicy, requester: Requester): boolean {
  return policy.operators.includes(userKey(requester));
}

/** 'ok', or why the bot does not serve this place. Operators are always served. */
export function accessAt(policy: AccessPolicy, place: Place, requester: Requester): AccessVerdict {
  if (isOperator(policy, requester)) return 'ok';
  if (isPrivate(place)) return policy.allowPrivate ? 'ok' : 'private-not-allowed';
  const allowed = Object.hasOwn(policy.allowed, place.platform) ? policy.allowed[place.platform] : undefined;
  if (!allowed || allowed.length === 0) return 'ok';
  return allowed.includes(place.community as string) ? 'ok' : 'community-not-allowed';
}
