import { defineConfig } from 'vitest/config';

// Tests that load the machine on purpose (sustained scrapers, listener churn, the benchmark
// smoke run, the image build) run after the rest, one at a time, so they neither starve
// nor are starved by the kernel tests.
const HEAVY = ['test/load/**/*.test.ts', 'test/bench/**/*.test.ts', 'test/packaging/image.test.ts', 'test/security/auth-flood.test.ts'];

// `npm run test:unit`: tests that need nothing but Node.js and the built dist/ (no root,
// no network namespace, no Prometheus, promtool, helm or openssl), so they run as an
// ordinary user on a laptop. They are a subset of `main` too: `npm test` runs them once, there.
// A test belongs here only if it passes as an unprivileged user with no Debian tool installed.
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/docs/**/*.test.ts',
  'test/e2e/golden-output.test.ts',
  // Pure drift tests: generated files against their generators.
  'test/alerting/drift.test.ts',
  'test/alerting/runbook.test.ts',
  // Web config parsing and the auth decision, in-process.
  'test/security/auth-hook.test.ts',
  'test/security/basic-auth.test.ts',
  'test/security/client-cert-policy.test.ts',
  'test/security/web-config-parse.test.ts',
];

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
      {
        extends: true,
        test: { name: 'unit', include: UNIT, maxWorkers: 2 },
      },
    ],
  },
});
