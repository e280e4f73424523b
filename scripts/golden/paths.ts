import { fileURLToPath } from 'node:url';

/** The checked-in /metrics of the exporter on the fixtures (test/e2e/golden-output.test.ts). */
export const GOLDEN_OUTPUT = fileURLToPath(new URL('../../test/e2e/golden-output.txt', import.meta.url));
