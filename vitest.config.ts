import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Integration tests share one Redis and spawn worker processes: two files at a time suits 2 cores.
    maxWorkers: 2,
    // The summary line is what CI reads (see test/summary-reporter.ts).
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
