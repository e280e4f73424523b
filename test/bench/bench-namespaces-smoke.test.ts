/**
 * Smoke run of the node-wide benchmark (issue 14): `npm run bench:namespaces -- --quick`
 * (10 and 25 namespaces, 5 s windows) must run clean, print every row, and remove the
 * namespaces it made. No timing assertions: the figures are the harness's output, not a
 * test verdict. `--no-build` because `npm test` has just built dist/.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NS_ROW_IDS } from '../../bench/node-wide/plan.js';
import { runQuickBench, tableRows } from '../support/quick-bench.js';

const LIMIT_MS = 240_000;

function ourNamespaces(pid: number): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`lqb-ns-${pid}-`));
}

describe('node-wide benchmark harness', () => {
  it('the quick run exits 0, prints one table with every row and removes its namespaces', { timeout: LIMIT_MS + 30_000 }, async () => {
    const r = await runQuickBench('bench/namespaces.ts', LIMIT_MS);
    const context = `exit ${r.code}\n${r.stdout}\n--- stderr (tail) ---\n${r.stderr.slice(-4000)}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout).toContain('| # | measurement | ours (median) | reference (median) | ratio | target | result |');
    const rows = tableRows(r.stdout);
    expect(rows.map((l) => l.split('|')[1]?.trim())).toEqual([...NS_ROW_IDS]);
    for (const row of rows) expect(row, row).not.toMatch(/\| ERROR/);
    expect(r.stderr).toMatch(/25 namespaces removed/);
    expect(ourNamespaces(r.pid)).toEqual([]);
  });
});
