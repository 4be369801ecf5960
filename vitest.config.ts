import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: the slow suites start real servers; keep files from fighting over the CPU.
    maxWorkers: 2,
    // A worker keeps the modules it loaded from one file to the next instead of importing and
    // transforming them again for each file (~25 s of the suite's CPU). No test file relies on a
    // fresh module state: they restore what they change (umask, spies, environment).
    isolate: false,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    globalSetup: ['./test/support/engine-global-setup.ts'],
  },
});
