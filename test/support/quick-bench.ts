/** Runs one of the benchmark harnesses in its quick mode, as the CI smoke tests do. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface QuickRun {
  readonly code: number | null;
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `node --import tsx SCRIPT --quick --no-build` from the repository root (`npm test` has just
 * built dist/). The harnesses have watchdogs of their own; `limitMs` only guards against a
 * hung one.
 */
export function runQuickBench(script: string, limitMs: number): Promise<QuickRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--quick', '--no-build'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 20) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, pid: child.pid ?? -1, stdout, stderr });
    });
  });
}

/** The result table's rows, by their id column. */
export function tableRows(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^\| \d[a-z] \|/.test(l));
}
