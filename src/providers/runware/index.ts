import type { ProviderDescriptor } from '../provider.js';
import { createRunware } from './client.js';
import { checkRunwareRoute } from './route.js';

/**
 * Runware (https://runware.ai), described once for the registry. Its result links live seven days
 * (docs/reference/providers.md); its tasks take a `webhookURL` for completion hints.
 */
export const runware: ProviderDescriptor = {
  name: 'runware',
  label: 'Runware',
  env: {
    apiKey: 'RUNWARE_API_KEY',
    apiUrl: 'RUNWARE_API_URL',
    defaultApiUrl: 'https://api.runware.ai/v1',
    urlMeaning: 'the Runware endpoint',
  },
  checkRoute: checkRunwareRoute,
  resultUrlLifetimeMs: 7 * 24 * 3_600_000 - 3_600_000,
  acceptsWebhooks: true,
  create: createRunware,
};
