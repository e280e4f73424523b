/** The namespace's sysctls that decide how listen queues behave. */
import { join } from 'node:path';
import { parseCount } from './parse-count.js';
import type { ParseResult } from './parse-result.js';
import { ProcFile } from './proc-file.js';
import { type CommandLine, runCommand } from './run-command.js';

/**
 * The exporter's name for each sysctl and its file under /proc/sys, in the order the
 * status page shows them. The kernel's own name is the file's path with dots (kernelName).
 */
export const SYSCTLS = [
  { name: 'somaxconn', file: 'net/core/somaxconn' },
  { name: 'maxSynBacklog', file: 'net/ipv4/tcp_max_syn_backlog' },
  { name: 'syncookies', file: 'net/ipv4/tcp_syncookies' },
  { name: 'abortOnOverflow', file: 'net/ipv4/tcp_abort_on_overflow' },
] as const;

type Sysctl = (typeof SYSCTLS)[number];
export type SysctlName = Sysctl['name'];

/** `net.core.somaxconn` for `net/core/somaxconn`, as sysctl(8) names it. */
export function kernelName(s: Sysctl): string {
  return s.file.replaceAll('/', '.');
}
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
  const [file, ...prefix] = enter;
  const out = await runCommand(file, [...prefix, 'cat', ...SYSCTLS.map((s) => join(procfs, 'sys', s.file))], { timeoutMs });
  const lines = out.split('\n');
  const values: SysctlValues = {};
  let rejected = 0;
  const failed: string[] = [];
  SYSCTLS.forEach((s, i) => {
    const parsed = parseSysctlValue(lines[i] ?? '');
    rejected += parsed.rejected;
    if (parsed.records[0] !== undefined) values[s.name] = parsed.records[0];
    else failed.push(`${s.file}: no value`);
  });
  return { values, rejected, failed };
}

/** The namespace's sysctl files, each with the sysctl it holds. */
export type SysctlFiles = ReadonlyArray<{ readonly sysctl: Sysctl; readonly file: ProcFile }>;

/**
 * The namespace's sysctl files under procfs, kept open (see ProcFile).
 * @param open for another namespace: opens a file from inside it
 */
export function sysctlFiles(procfs: string, open?: (path: string) => number): SysctlFiles {
  return SYSCTLS.map((sysctl) => ({ sysctl, file: new ProcFile(join(procfs, 'sys', sysctl.file), open) }));
}

export function readSysctls(files: SysctlFiles): SysctlReadResult {
  const values: SysctlValues = {};
  const failed: string[] = [];
  let rejected = 0;
  for (const { sysctl, file } of files) {
    try {
      const parsed = parseSysctlValue(file.read());
      rejected += parsed.rejected;
      if (parsed.records[0] !== undefined) values[sysctl.name] = parsed.records[0];
    } catch (err) {
      failed.push(`${sysctl.file}: ${(err as Error).message}`);
    }
  }
  return { values, rejected, failed };
}
