/**
 * CI smoke run of the benchmark harness (issue 5): `npm run bench -- --quick` must run clean
 * and print the table with every row. No timing assertions: the figures are the harness's
 * output, not a test verdict. `--no-build` because `npm test` has just built dist/.
 */
import { describe, expect, it } from 'vitest';
import { ROW_IDS } from '../../bench/table.js';
import { runQuickBench, tableRows } from '../support/quick-bench.js';

const LIMIT_MS = 150_000;

describe('benchmark harness', () => {
  it('the quick run exits 0 and prints one table with every row', { timeout: LIMIT_MS + 20_000 }, async () => {
    const r = await runQuickBench('bench/run.ts', LIMIT_MS);
    const context = `exit ${r.code}\n${r.stdout}\n--- stderr (tail) ---\n${r.stderr.slice(-4000)}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout).toContain('| # | measurement | ours (median) | reference (median) | ratio | target | result |');
    const rows = tableRows(r.stdout);
    expect(rows.map((l) => l.split('|')[1]?.trim())).toEqual([...ROW_IDS]);
    for (const row of rows) expect(row, row).not.toMatch(/\| ERROR/);
    // The namespace is gone afterwards.
    expect(r.stderr).toMatch(/namespace lqb-\S+ removed/);
  });
});
