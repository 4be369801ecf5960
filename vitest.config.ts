import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: the slow suites start real servers; keep files from fighting over the CPU.
    maxWorkers: 2,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    globalSetup: ['./test/support/engine-global-setup.ts'],
  },
});
