/**
 * User-facing error identifiers. Code decides with these; the words a person reads live in
 * `messages.ts`, keyed by them (one place to reword, one day to translate).
 */
export const ERROR_IDS = [
  // request validation (intake, pure)
  'unknown-model',
  'model-ambiguous',
  'prompt-missing',
  'prompt-too-short',
  'prompt-too-long',
  'negative-prompt-too-long',
  'negative-prompt-too-short',
  'negative-prompt-unsupported',
  'duration-unsupported',
  'aspect-ratio-unsupported',
  'quality-unsupported',
  'cfg-scale-out-of-range',
  'cfg-scale-unsupported',
  'sound-unsupported',
  'resolution-unsupported',
  'seed-out-of-range',
  'seed-unsupported',
  'multi-shot-unsupported',
  'mode-unsupported',
  'last-frame-without-first',
  'frames-and-references',
  'too-many-references',
  'motion-inputs',
  'model-retired',
  'image-type-unsupported',
  'image-too-large',
  'image-too-small',
  'image-dimensions-too-large',
  // chat command parsing (front desk and bots, pure)
  'option-unknown',
  'option-missing-value',
  'option-invalid',
  'too-many-frames',
  // intake and front desk
  'quota-exhausted',
  'quota-closed',
  'too-many-in-flight',
  'cooldown',
  'community-budget',
  'service-cap',
  // access and moderation (front desk)
  'not-allowed-here',
  'private-not-allowed',
  'blocked-here',
  'blocked-everywhere',
  'paused-here',
  'service-paused',
  'channel-not-allowed',
  'model-not-allowed',
  'blocked-word',
  'not-admin',
  'again-expired',
  'again-elsewhere',
  'inputs-gone',
  'service-busy',
  'no-provider',
  // generation (worker)
  'image-download-failed',
  'image-download-refused',
  'image-not-an-image',
  'image-too-many-pixels',
  'video-too-long',
  'content-rejected',
  'provider-account',
  'provider-rejected-request',
  'provider-unavailable',
  'generation-failed',
  'timeout',
  'cancelled',
  'delivery-failed',
  'internal',
] as const;

export type ErrorId = (typeof ERROR_IDS)[number];

/** A user-facing failure: an id, plus the facts the message needs (a limit, the allowed values). */
export interface UserError {
  id: ErrorId;
  details?: Record<string, string | number | readonly (string | number)[]>;
}

export const userError = (id: ErrorId, details?: UserError['details']): UserError =>
  details === undefined ? { id } : { id, details };

/** A `Result` in the Sapphire manner: parsing returns a value or an error identifier, never throws. */
export type Result<T, E = UserError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
