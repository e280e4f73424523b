import { fileURLToPath } from 'node:url';

/**
 * The checked-in /metrics of the exporter on the fixtures (test/e2e/golden-output.test.ts),
 * one file per exposition format the exporter serves.
 */
export const GOLDEN_OUTPUTS = {
  text: fileURLToPath(new URL('../../test/e2e/golden-output.txt', import.meta.url)),
  openmetrics: fileURLToPath(new URL('../../test/e2e/golden-output-openmetrics.txt', import.meta.url)),
} as const;

export type GoldenFormat = keyof typeof GOLDEN_OUTPUTS;
