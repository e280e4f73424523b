import { defineConfig } from 'vitest/config';

// Tests that load the machine on purpose (sustained scrapers, listener churn, the benchmark
// smoke run, the image build) run after the rest, one at a time, so they neither starve
// nor are starved by the kernel tests.
const HEAVY = ['test/load/**/*.test.ts', 'test/bench/**/*.test.ts', 'test/packaging/image.test.ts', 'test/security/auth-flood.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: HEAVY,
          // Kernel tests spawn processes and namespaces; two cores run them best two at a time.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: { name: 'heavy', include: HEAVY, maxWorkers: 1 },
      },
    ],
  },
});
