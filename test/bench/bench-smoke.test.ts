/**
 * CI smoke run of the benchmark harness (issue 5): `npm run bench -- --quick` must run clean
 * and print the table with every row. No timing assertions: the figures are the harness's
 * output, not a test verdict. `--no-build` because `npm test` has just built dist/.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROW_IDS } from '../../bench/table.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIMIT_MS = 150_000;

function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--no-build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 20) stderr += d.toString();
    });
    // The harness has its own watchdog; this one only guards against a hung harness.
    const timer = setTimeout(() => child.kill('SIGTERM'), LIMIT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('benchmark harness', () => {
  it('the quick run exits 0 and prints one table with every row', { timeout: LIMIT_MS + 20_000 }, async () => {
    const r = await runQuickBench();
    const context = `exit ${r.code}\n${r.stdout}\n--- stderr (tail) ---\n${r.stderr.slice(-4000)}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout).toContain('| # | measurement | ours (median) | reference (median) | ratio | target | result |');
    const rows = r.stdout.split('\n').filter((l) => /^\| \d[a-z] \|/.test(l));
    expect(rows.map((l) => l.split('|')[1]?.trim())).toEqual([...ROW_IDS]);
    for (const row of rows) expect(row, row).not.toMatch(/\| ERROR/);
    // The namespace is gone afterwards.
    expect(r.stderr).toMatch(/namespace lqb-\S+ removed/);
  });
});
