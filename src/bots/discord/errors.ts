import { DiscordAPIError, HTTPError } from 'discord.js';

/** An interaction token works 15 minutes; past 14 we stop trusting it and post with the bot token. */
export const INTERACTION_TOKEN_MS = 14 * 60_000;

/** Discord's answers that mean the interaction token is dead (expired, or the interaction unknown). */
const DEAD_TOKEN_CODES = new Set([50027, 10015, 10062, 10008]);
const TOO_LARGE_CODE = 40005;

/** Discord says the interaction token can no longer be used. */
export const isDeadToken = (e: unknown): boolean =>
  e instanceof DiscordAPIError && (DEAD_TOKEN_CODES.has(Number(e.code)) || e.status === 401);

/** Discord refused an upload as too large. */
export const isTooLarge = (e: unknown): boolean =>
  e instanceof DiscordAPIError && (Number(e.code) === TOO_LARGE_CODE || e.status === 413);

/**
 * A request to Discord that got no answer (network failure, time-out). Its message names the method
 * and the route with any interaction token left out, so it can be shown as it is.
 */
export class DiscordTransportError extends Error {
  override name = 'DiscordTransportError';
}

/** An API error for a log line or a job's failure reason: status, code and Discord's words; no URL, no token. */
export function describeDiscordError(e: unknown): string {
  if (e instanceof DiscordTransportError) return e.message;
  // The error's own message is Discord's words; its `url` (with the interaction token) is left out.
  if (e instanceof DiscordAPIError) return `${e.method.toUpperCase()} ${e.status} ${e.code}: ${e.message}`;
  if (e instanceof HTTPError) return `${e.method.toUpperCase()} ${e.status}: ${e.message}`;
  return e instanceof Error ? e.name : 'error';
}

/** Whether asking Discord again may help: not after a 4xx (but a rate limit), which will not change. */
export const isRetryable = (e: unknown): boolean =>
  !(e instanceof DiscordAPIError && e.status >= 400 && e.status < 500 && e.status !== 429);
