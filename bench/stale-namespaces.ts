/**
 * Namespaces of earlier benchmark runs whose harness was killed outright (SIGKILL: no
 * teardown) stay behind. This removes those only: named by a harness (PREFIX-PID-HEX, as
 * lab/netns.ts names them), that harness's PID gone, and no process left inside.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function pidsIn(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
      .map(Number);
  } catch {
    return [];
  }
}

export function sweepStale(prefix: string, log: (msg: string) => void): void {
  let names: string[] = [];
  const pattern = new RegExp(`^${prefix}-(\\d+)-[0-9a-f]{6}$`);
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => pattern.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const owner = Number(pattern.exec(name)?.[1]);
    if (existsSync(`/proc/${owner}`) || pidsIn(name).length > 0) continue;
    try {
      execFileSync('ip', ['netns', 'del', name]);
      log(`removed stale namespace ${name} (its harness, pid ${owner}, is gone)`);
    } catch {
      // someone else removed it
    }
  }
}
