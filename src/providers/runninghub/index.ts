import type { ProviderDescriptor } from '../provider.js';
import { createRunningHub } from './client.js';
import { checkRunningHubRoute, sendsMultiShot } from './route.js';

/**
 * RunningHub (https://www.runninghub.ai), described once for the registry. Its result links live
 * about a day (docs/reference/providers.md); its v2 endpoints take no webhook URL in the vendor's
 * parameter table, so it is polled only.
 */
export const runningHub: ProviderDescriptor = {
  name: 'runninghub',
  label: 'RunningHub',
  env: {
    apiKey: 'RUNNINGHUB_API_KEY',
    apiUrl: 'RUNNINGHUB_API_URL',
    defaultApiUrl: 'https://www.runninghub.ai',
    urlMeaning: 'the RunningHub base',
  },
  checkRoute: checkRunningHubRoute,
  sendsMultiShot,
  resultUrlLifetimeMs: 23 * 3_600_000,
  acceptsWebhooks: false,
  create: createRunningHub,
};
