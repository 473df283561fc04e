import { createRunningHub } from '../../src/providers/runninghub/client.js';
import { createRunware } from '../../src/providers/runware/client.js';
import { createRunningHubFake } from '../fakes/runninghub.js';
import { createRunwareFake } from '../fakes/runware.js';
import { runProviderContract } from './contract.case.js';

runProviderContract({
  name: 'RunningHub',
  createFake: () => createRunningHubFake({ pollsToComplete: 3 }),
  createProvider: (fake, o = {}) =>
    createRunningHub({
      apiKey: o.apiKey ?? fake.apiKey,
      baseUrl: fake.baseUrl,
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    }),
});

runProviderContract({
  name: 'Runware',
  createFake: () => createRunwareFake({ pollsToComplete: 3 }),
  createProvider: (fake, o = {}) =>
    createRunware({
      apiKey: o.apiKey ?? fake.apiKey,
      baseUrl: fake.baseUrl,
      ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    }),
});
