import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { findModel } from '../../src/core/catalog.js';
import type { ValidRequest } from '../../src/core/request.js';
import { CIRCUIT_OPEN, CircuitOpenError, withCircuitBreaker } from '../../src/providers/breaker.js';
import { ProviderError } from '../../src/providers/errors.js';
import { MIN_RETRY_WAIT_MS, parseRetryAfter } from '../../src/providers/http.js';
import { createProviders } from '../../src/providers/registry.js';
import { createRunware } from '../../src/providers/runware/client.js';
import { createRunwareFake, type RunwareFake } from '../fakes/runware.js';

const model = findModel('kling-2.5-turbo-pro', CATALOG);
const route = model?.routes.find((r) => r.provider === 'runware');
if (!route) throw new Error('kling-2.5-turbo-pro has no Runware route');
const request: ValidRequest = {
  model: 'kling-2.5-turbo-pro',
  mode: 'text',
  prompt: 'a fox in the snow',
  duration: 5,
  quality: 'pro',
  aspectRatio: '16:9',
  images: {},
  credits: 175,
};

let fake: RunwareFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** What a call threw (it must throw). */
async function thrown(call: Promise<unknown>): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('the call did not throw');
}

describe('Retry-After floor', () => {
  it('0 and a date in the past wait a second, not nothing', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(MIN_RETRY_WAIT_MS).toBe(1_000);
    expect(parseRetryAfter('0', now)).toBe(1_000);
    expect(parseRetryAfter('0.2', now)).toBe(1_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(1_000);
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('a 429 answered with Retry-After: 0 asks the worker to wait at least a second', async () => {
    fake = await createRunwareFake();
    const provider = createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    fake.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 0 });
    const error = await thrown(provider.check('00000000-0000-4000-8000-000000000000'));
    expect(error.kind).toBe('rate-limited');
    expect(error.retryAfterMs).toBe(1_000);
  });
});

describe('circuit breaker', () => {
  it('after N storm failures in a row, calls are refused unsent for the cool-down; then one probe goes through', async () => {
    fake = await createRunwareFake();
    let clock = 1_000_000;
    const provider = withCircuitBreaker(createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }), {
      threshold: 3,
      coolDownMs: 10_000,
      now: () => clock,
    });
    fake.server.inject('server-error', { on: 'query', times: 1_000 });
    const task = '00000000-0000-4000-8000-000000000001';
    for (let i = 0; i < 3; i++) expect((await thrown(provider.check(task))).kind).toBe('transient');
    expect(provider.circuit()).toBe('open');
    // Twenty more calls, as twenty jobs of a busy worker would make: none reaches the provider.
    for (let i = 0; i < 20; i++) {
      const error = await thrown(provider.check(task));
      expect(error).toBeInstanceOf(CircuitOpenError);
      expect(error.kind).toBe('rate-limited');
      expect(error.code).toBe(CIRCUIT_OPEN);
      expect(error.retryAfterMs).toBe(10_000);
    }
    expect(fake.server.requestsOf('query')).toHaveLength(3);

    // Cool-down over: half-open. One probe goes; the call beside it is refused. The probe fails: open again.
    clock += 10_000;
    expect(provider.circuit()).toBe('half-open');
    const [probe, beside] = await Promise.allSettled([provider.check(task), provider.check(task)]);
    expect(probe.status === 'rejected' && probe.reason instanceof CircuitOpenError).toBe(false);
    expect(beside.status === 'rejected' && beside.reason instanceof CircuitOpenError).toBe(true);
    expect(fake.server.requestsOf('query')).toHaveLength(4);
    expect(provider.circuit()).toBe('open');

    // The provider is back: the next probe closes the circuit, and calls flow again.
    fake.server.clearFaults();
    clock += 10_000;
    const submitted = await provider.submit({ route, request, media: {}, clientTaskId: task });
    expect(submitted.taskId).toBe(task);
    expect(provider.circuit()).toBe('closed');
    await provider.check(task);
    expect(fake.server.requestsOf('query')).toHaveLength(5);
  });

  it('a longer Retry-After keeps it open longer; any real answer closes the count', async () => {
    fake = await createRunwareFake();
    let clock = 0;
    const provider = withCircuitBreaker(createRunware({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }), {
      threshold: 2,
      coolDownMs: 1_000,
      now: () => clock,
    });
    const task = '00000000-0000-4000-8000-000000000002';
    // A 4xx answer in between resets the count: two 429s not in a row do not open it.
    fake.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 60 });
    await thrown(provider.check(task));
    await thrown(provider.check(task)); // unknown task: not-found, the provider is up
    fake.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 60 });
    await thrown(provider.check(task));
    expect(provider.circuit()).toBe('closed');
    fake.server.inject('rate-limit', { on: 'query', retryAfterSeconds: 60 });
    await thrown(provider.check(task));
    expect(provider.circuit()).toBe('open');
    clock += 59_000;
    expect((await thrown(provider.check(task))).retryAfterMs).toBe(1_000);
    clock += 1_000;
    expect(provider.circuit()).toBe('half-open');
  });

  it('every client the service builds is behind its own breaker', () => {
    const clients = createProviders({
      runware: { apiKey: 'k', apiUrl: 'http://127.0.0.1:1' },
      runninghub: { apiKey: 'k', apiUrl: 'http://127.0.0.1:1' },
    });
    for (const client of clients.values()) {
      expect((client as { circuit?: () => string }).circuit?.()).toBe('closed');
    }
  });
});
