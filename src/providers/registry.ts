import type { ModelSpec } from '../core/catalog.js';
import { type BreakerOptions, DEFAULT_BREAKER, withCircuitBreaker } from './breaker.js';
import type { Fetch } from './http.js';
import type { ProviderDescriptor, VideoProvider } from './provider.js';
import { runningHub } from './runninghub/index.js';
import { runware } from './runware/index.js';

/**
 * The one list of video providers. A provider is a folder under `src/providers/` that exports its
 * descriptor, plus one line here; its routes go in the catalog. Config, workers, the webhook route
 * and the catalog check all read this list.
 */
export const PROVIDERS: readonly ProviderDescriptor[] = [runningHub, runware];

/** A provider's descriptor by its name. */
export const providerNamed = (
  name: string,
  providers: readonly ProviderDescriptor[] = PROVIDERS,
): ProviderDescriptor | undefined => providers.find((p) => p.name === name);

/** The settings of one provider, from the environment. */
export interface ProviderSettings {
  apiKey: string | undefined;
  apiUrl: string;
}

/**
 * The clients of the providers that have a key, by name, for the worker to pick routes from. Each is
 * behind its own circuit breaker (`breaker.ts`, default {@link DEFAULT_BREAKER}), one per process.
 */
export function createProviders(
  settings: Readonly<Record<string, ProviderSettings>>,
  options: { fetch?: Fetch; timeoutMs?: number; breaker?: BreakerOptions } = {},
  providers: readonly ProviderDescriptor[] = PROVIDERS,
): Map<string, VideoProvider> {
  const clients = new Map<string, VideoProvider>();
  for (const descriptor of providers) {
    const s = settings[descriptor.name];
    if (!s?.apiKey) continue;
    const client = descriptor.create({
      apiKey: s.apiKey,
      baseUrl: s.apiUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    clients.set(descriptor.name, withCircuitBreaker(client, options.breaker ?? DEFAULT_BREAKER));
  }
  return clients;
}

/**
 * Every problem with the catalog's routes: a route to a provider that is not registered, or whose
 * params its provider refuses. Empty for a good catalog; the service refuses to start otherwise.
 */
export function catalogProblems(
  catalog: readonly ModelSpec[],
  providers: readonly ProviderDescriptor[] = PROVIDERS,
): string[] {
  return catalog.flatMap((model) =>
    model.routes.flatMap((route, i) => {
      const where = `${model.id} route ${i + 1} (${route.provider})`;
      const descriptor = providerNamed(route.provider, providers);
      if (!descriptor) return [`${where}: no provider of that name is registered`];
      const unknownModes = route.modes.filter((m) => !model.modes.includes(m));
      const problems = descriptor.checkRoute(route);
      // A model's several shots must never be dropped on the way: every route carries them.
      if (problems.length === 0 && model.multiShot && !descriptor.sendsMultiShot?.(route)) {
        problems.push('does not send several shots, which the model takes');
      }
      return [
        ...problems.map((p) => `${where}: ${p}`),
        ...unknownModes.map((m) => `${where}: serves ${m}, which the model does not offer`),
      ];
    }),
  );
}
