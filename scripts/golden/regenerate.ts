/**
 * Rewrites test/e2e/golden-output*.txt from the built exporter run on the fixtures:
 * `npm run build && npx tsx scripts/golden/regenerate.ts`. Review the diff before
 * committing it: every changed line is a change in what users scrape (docs/development.md).
 */
import { writeFileSync } from 'node:fs';
import { goldenMetrics } from './run-exporter.js';
import { GOLDEN_OUTPUTS, type GoldenFormat } from './paths.js';

const outputs = await goldenMetrics();
for (const format of Object.keys(GOLDEN_OUTPUTS) as GoldenFormat[]) {
  writeFileSync(GOLDEN_OUTPUTS[format], outputs[format]);
  process.stdout.write(`wrote ${GOLDEN_OUTPUTS[format]}\n`);
}
