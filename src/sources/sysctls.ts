/** The namespace's sysctls that decide how listen queues behave. */
import { join } from 'node:path';
import { parseCount } from './parse-count.js';
import type { ParseResult } from './parse-result.js';
import { ProcFile } from './proc-file.js';
import { type CommandLine, runCommand } from './run-command.js';

const SYSCTLS = {
  somaxconn: 'net/core/somaxconn',
  maxSynBacklog: 'net/ipv4/tcp_max_syn_backlog',
  syncookies: 'net/ipv4/tcp_syncookies',
  abortOnOverflow: 'net/ipv4/tcp_abort_on_overflow',
} as const;

export type SysctlName = keyof typeof SYSCTLS;
export type SysctlValues = Partial<Record<SysctlName, number>>;

/** A /proc/sys file holding one non-negative integer. */
export function parseSysctlValue(text: string): ParseResult<number> {
  const v = parseCount(text.trim());
  return v === undefined ? { records: [], rejected: 1 } : { records: [v], rejected: 0 };
}

export interface SysctlReadResult {
  readonly values: SysctlValues;
  readonly rejected: number;
  /** Sysctls that could not be read (missing file, permission). */
  readonly failed: string[];
}

/**
 * Sysctls of another network namespace without the native addon: /proc/sys/net shows the
 * namespace of the reader, so `cat` runs inside it (`nsenter -t PID -n -- cat FILES`) and
 * prints one value a line.
 */
export async function readSysctlsVia(enter: CommandLine, procfs: string, timeoutMs: number): Promise<SysctlReadResult> {
  const entries = Object.entries(SYSCTLS) as Array<[SysctlName, string]>;
  const [file, ...prefix] = enter;
  const out = await runCommand(file, [...prefix, 'cat', ...entries.map(([, rel]) => join(procfs, 'sys', rel))], { timeoutMs });
  const lines = out.split('\n');
  const values: SysctlValues = {};
  let rejected = 0;
  const failed: string[] = [];
  entries.forEach(([name, rel], i) => {
    const parsed = parseSysctlValue(lines[i] ?? '');
    rejected += parsed.rejected;
    if (parsed.records[0] !== undefined) values[name] = parsed.records[0];
    else failed.push(`${rel}: no value`);
  });
  return { values, rejected, failed };
}

export type SysctlFiles = Readonly<Record<SysctlName, ProcFile>>;

/**
 * The namespace's sysctl files under procfs, kept open (see ProcFile).
 * @param open for another namespace: opens a file from inside it
 */
export function sysctlFiles(procfs: string, open?: (path: string) => number): SysctlFiles {
  const files = {} as Record<SysctlName, ProcFile>;
  for (const [name, rel] of Object.entries(SYSCTLS) as Array<[SysctlName, string]>) files[name] = new ProcFile(join(procfs, 'sys', rel), open);
  return files;
}

export function readSysctls(files: SysctlFiles): SysctlReadResult {
  const values: SysctlValues = {};
  const failed: string[] = [];
  let rejected = 0;
  for (const [name, rel] of Object.entries(SYSCTLS) as Array<[SysctlName, string]>) {
    try {
      const parsed = parseSysctlValue(files[name].read());
      rejected += parsed.rejected;
      if (parsed.records[0] !== undefined) values[name] = parsed.records[0];
    } catch (err) {
      failed.push(`${rel}: ${(err as Error).message}`);
    }
  }
  return { values, rejected, failed };
}
