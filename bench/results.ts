/** The default-mode benchmark's header lines and the results file (bench/RESULTS.md) it can write. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function machine(): string {
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  const memGiB = mem ? (Number(mem[1]) / 1024 / 1024).toFixed(1) : '?';
  // BENCH_COMMIT names the commit when the run is made from an exported tree without .git.
  let head = process.env.BENCH_COMMIT ?? '?';
  try {
    head = execFileSync('git', ['log', '-1', '--format=%h %s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  return (
    `nproc ${os.cpus().length}, ${memGiB} GiB memory, ${os.cpus()[0]?.model ?? '?'}, Linux ${os.release()}, ` +
    `node ${process.version}; HEAD ${head}`
  );
}

export function resultsFile(quick: boolean, header: readonly string[], tableText: string, details: readonly string[]): string {
  return [
    '# Benchmark results',
    '',
    ...header.flatMap((h) => [h, '']),
    `Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (as root; it makes its own network namespace)`,
    '',
    tableText,
    '',
    '## Sample cost details (medians, ms)',
    '',
    ...details.map((d) => `- ${d}`),
  ].join('\n');
}
