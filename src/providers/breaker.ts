import { ProviderError } from './errors.js';
import { MIN_RETRY_WAIT_MS } from './http.js';
import type { VideoProvider } from './provider.js';

export interface BreakerOptions {
  /** Consecutive 429s or transient failures (5xx, 408, time-outs, network) that open the circuit. */
  threshold: number;
  /** How long an open circuit refuses calls before one probe is let through (half-open). */
  coolDownMs: number;
  now?: () => number;
}

/** Five failures in a row open it for 30 s; a `Retry-After` longer than that keeps it open longer. */
export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, coolDownMs: 30_000 };

/** The code of the {@link CircuitOpenError}: the call was not sent at all. */
export const CIRCUIT_OPEN = 'circuit-open';

/**
 * A call refused without being sent, because the provider's circuit is open. A `rate-limited` error:
 * the job waits `retryAfterMs` (until the circuit lets a probe through), not counted as an attempt,
 * or fails over to the model's next route when it has not submitted yet.
 */
export class CircuitOpenError extends ProviderError {
  constructor(provider: string, waitMs: number) {
    super('rate-limited', `${provider} keeps failing: calls paused for a while`, {
      provider,
      code: CIRCUIT_OPEN,
      retryAfterMs: Math.max(MIN_RETRY_WAIT_MS, waitMs),
    });
    this.name = 'CircuitOpenError';
  }
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A provider client behind a circuit breaker, and a look at where its circuit stands. */
export interface GuardedProvider extends VideoProvider {
  circuit(): CircuitState;
}

/** A storm failure: the provider is overloaded or down, as opposed to refusing this one call. */
const storm = (error: unknown): error is ProviderError =>
  error instanceof ProviderError && (error.kind === 'transient' || error.kind === 'rate-limited');

/**
 * Wraps a provider client in a circuit breaker, so a 429/5xx storm does not multiply by the worker's
 * concurrency: after `threshold` consecutive 429s or transient failures, every call of this client
 * (uploads, submits, queries) is refused at once with a {@link CircuitOpenError} for the cool-down
 * (or the provider's Retry-After, if longer). Then one call goes through as a probe (half-open) while
 * the others are still refused: its success closes the circuit, another storm failure opens it again.
 * Any answer that is not a storm failure (a success, a 4xx, a task's own failure) closes it.
 *
 * The state is per client, so per process: with several worker processes each holds its own circuit.
 */
export function withCircuitBreaker(
  provider: VideoProvider,
  options: BreakerOptions = DEFAULT_BREAKER,
): GuardedProvider {
  const now = options.now ?? Date.now;
  let failures = 0;
  /** When set, the circuit is open until then; past it, half-open. */
  let openUntil: number | undefined;
  let probing = false;

  const state = (): CircuitState =>
    openUntil === undefined ? 'closed' : now() < openUntil ? 'open' : 'half-open';

  async function guard<T>(call: () => Promise<T>): Promise<T> {
    const current = state();
    if (current === 'open') throw new CircuitOpenError(provider.name, (openUntil as number) - now());
    const probe = current === 'half-open';
    if (probe) {
      if (probing) throw new CircuitOpenError(provider.name, MIN_RETRY_WAIT_MS);
      probing = true;
    }
    try {
      const result = await call();
      failures = 0;
      openUntil = undefined;
      return result;
    } catch (error) {
      if (storm(error)) {
        failures += 1;
        if (probe || failures >= options.threshold) {
          openUntil = now() + Math.max(options.coolDownMs, error.retryAfterMs ?? 0);
        }
      } else if (error instanceof ProviderError) {
        // The provider answered: it is up.
        failures = 0;
        openUntil = undefined;
      }
      throw error;
    } finally {
      if (probe) probing = false;
    }
  }

  return {
    name: provider.name,
    clientTaskIds: provider.clientTaskIds,
    stageMedia: (media, callOptions) => guard(() => provider.stageMedia(media, callOptions)),
    submit: (input, callOptions) => guard(() => provider.submit(input, callOptions)),
    check: (taskId, callOptions) => guard(() => provider.check(taskId, callOptions)),
    circuit: state,
  };
}
