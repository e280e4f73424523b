/**
 * Keeps the Helm chart and deploy/kubernetes/ in step with their sources (see
 * scripts/packaging/sync.ts). Usage:
 *   npx tsx scripts/sync-chart.ts          write the files
 *   npx tsx scripts/sync-chart.ts --check  exit 1 and list the files that would change
 */
import { openHelm } from './packaging/helm.js';
import { applyPlan, drift, planSync } from './packaging/sync.js';

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const helm = await openHelm();
  try {
    const plan = await planSync(helm);
    for (const n of plan.notes) process.stderr.write(`note: ${n}\n`);
    if (check) {
      const stale = await drift(plan);
      for (const p of stale) process.stdout.write(`out of date: ${p}\n`);
      if (stale.length > 0) process.stdout.write('run: npx tsx scripts/sync-chart.ts\n');
      return stale.length > 0 ? 1 : 0;
    }
    const changed = await applyPlan(plan);
    for (const p of changed) process.stdout.write(`updated: ${p}\n`);
    if (changed.length === 0) process.stdout.write('up to date\n');
    return 0;
  } finally {
    await helm.dispose();
  }
}

process.exitCode = await main();
