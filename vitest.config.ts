import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Kernel tests spawn processes and namespaces; two cores run them best a few at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
