/**
 * Writes the Prometheus rules, the Grafana alert provisioning file and the Grafana
 * dashboard from scripts/alerting/. `--check` writes nothing and exits 1 when a committed
 * file differs from what the source renders (the same comparison the drift test makes).
 *
 *   npx tsx scripts/generate-alerting.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED } from './alerting/outputs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const { path, render } of GENERATED) {
  const file = join(root, path);
  const want = render();
  let have: string | undefined;
  try {
    have = readFileSync(file, 'utf8');
  } catch {
    have = undefined;
  }
  if (have === want) continue;
  if (check) {
    stale++;
    console.error(`${path} is out of date; run: npx tsx scripts/generate-alerting.ts`);
  } else {
    writeFileSync(file, want);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
