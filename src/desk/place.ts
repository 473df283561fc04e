import type { Requester } from '../core/request.js';

/**
 * Where a person speaks to the bot, in the desk's words: a platform, and on it a community (a
 * Discord server, a Telegram group) and a channel, or a private chat (no community).
 */
export interface Place {
  platform: string;
  /** The server or group's id; absent in a private chat (a DM). */
  community?: string;
  /** The channel within the community (Discord), for channel restrictions. */
  channel?: string;
}

/**
 * Who acts, and where: the person, the place, and what their platform says of them there. The desk
 * decides every right from this; the platform only reports facts.
 */
export interface Caller {
  requester: Requester;
  place: Place;
  /** The person's roles in the community (Discord role ids), for credit tiers. */
  roles?: readonly string[];
  /**
   * Whether the platform counts the person as an admin of the community (Discord: Manage Server;
   * Telegram: the chat's creator or an administrator). Asked only when a right depends on it.
   */
  chatAdmin?: () => Promise<boolean>;
}

/** The private chats of a platform share one set of settings, under this community id. */
export const PRIVATE = 'private';

/** The key of a place's settings and budget: `platform:communityId`, or `platform:private`. */
export const communityKey = (place: Place): string => `${place.platform}:${place.community ?? PRIVATE}`;

export const isPrivate = (place: Place): boolean => place.community === undefined;
