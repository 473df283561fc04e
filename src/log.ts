import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

/**
 * Field paths that may carry a secret. Job payloads will carry Discord interaction tokens; provider
 * clients carry keys. Redacted wherever they appear in a log object.
 */
const REDACT = [
  'token',
  'apiKey',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.interactionToken',
  '*.*.interactionToken',
  'target.interactionToken',
  'target.data.interactionToken',
  '*.target.data.interactionToken',
  'config.platforms.*.token',
  'config.providers.*.apiKey',
];

/**
 * Builds the process logger (pino, JSON lines). `destination` lets tests capture every line.
 * Built once in the composition root and passed down; never a module-level singleton.
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  secrets: readonly (string | undefined)[] = [],
): Logger {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const options: LoggerOptions = {
    level,
    base: { service: 'reelay' },
    redact: { paths: REDACT, censor: '[redacted]' },
    // Last line of defence: a known secret (a bot token, an API key) that slipped into any text of a
    // line is cut out before the line is written. The code keeps them out by itself; tests check it
    // with this defence off.
    ...(known.length > 0 ? { hooks: { streamWrite: (line: string) => scrub(line, known) } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Removes secrets that may hide inside free text (an error message quoting a URL): anything shaped
 * like a bot token or a Bearer value, and every literal secret given.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6) out = out.split(s).join('[redacted]');
  return out
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]')
    .replace(/\/bot\d+:[A-Za-z0-9_-]+/g, '/bot[redacted]');
}
