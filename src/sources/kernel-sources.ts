/**
 * The kernel reads one namespace's sample makes, behind one interface so the sampler can
 * be driven by real sources in production and kernel tests, and by scripted ones where a
 * fault or an exact count cannot be caused for real.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Family } from '../net/ip-address.js';
import type { ListenerRecord } from '../listener/fields.js';
import { type CounterSelection, type GroupFieldPositions, type KernelCounter, parseNetstat } from './netstat.js';
import { FieldPositions } from './line-fields.js';
import type { ParseResult } from './parse-result.js';
import { parseProcNetTcp, readListenSection } from './proc-net-tcp.js';
import { ProcFile } from './proc-file.js';
import { parseTcpCounters, type TcpCounters } from './snmp.js';
import { nativeAddonLoaded, openFileInNamespace } from './sock-diag/netlink-socket.js';
import { type SockDiagSource, sockDiagSource } from './sock-diag/sock-diag-source.js';
import { readTcpInUse } from './sockstat.js';
import { readSsListeners } from './ss-listeners.js';
import { readSsListenersAndSynRecv, type SsListenersAndSynRecv } from './syn-recv.js';
import type { CommandLine } from './run-command.js';
import { readSysctls, readSysctlsVia, sysctlFiles, type SysctlFiles, type SysctlReadResult } from './sysctls.js';

/** Which network namespace the sources read: the exporter's own, or another one seen through one of its processes. */
export interface SourceTarget {
  readonly pid: number;
  readonly self: boolean;
}

export interface KernelSources {
  /** Another namespace than the exporter's own: ss would need nsenter, and CAP_SYS_ADMIN. */
  readonly foreign: boolean;
  /**
   * Whether the process the namespace is seen through still exists. A namespace whose last
   * process exits during a sample makes its reads fail; that is the namespace going away,
   * not a source failing.
   */
  alive(): boolean;
  /**
   * The exact source, in-process and synchronous; its calls throw when it cannot be asked.
   * Absent with --no-source.sock-diag.
   */
  readonly sockDiag?: SockDiagSource;
  /** Fallback: `ss -tnmHeO state listening`. */
  ssListeners(): Promise<ParseResult<ListenerRecord>>;
  procTcp(): Promise<ParseResult<ListenerRecord>>;
  procTcp6(): Promise<ParseResult<ListenerRecord>>;
  /** /proc/net/netstat's counters, only the selected ones. */
  netstat(select: CounterSelection): Promise<ParseResult<KernelCounter>>;
  sysctls(): Promise<SysctlReadResult>;
  /** One ss run for the listener dump and the SYN_RECV entries. */
  ssWithSynRecv(): Promise<SsListenersAndSynRecv>;
  /** Fast path, synchronous and cheap: PassiveOpens and InSegs. */
  tcpCounters(): TcpCounters;
  /**
   * Fast path, cheaper still: the bytes of /proc/net/dev, every device's packet counters
   * (valid until the next call). While they read the same, the namespace received nothing.
   */
  deviceCounters(): Uint8Array;
  /** Fast path without sock_diag, synchronous: one family's listener table (early-stop read). */
  listenersNow(family: Family): ParseResult<ListenerRecord>;
  /**
   * Releases what the sources hold open. An open /proc/<pid>/net file pins that network
   * namespace in the kernel, so a namespace's sources are disposed once it is gone.
   */
  dispose(): void;
}

/** Where another namespace is seen through one of its processes, and how to run a command inside it. */
function otherNamespace(procfs: string, pid: number) {
  const pidDir = join(procfs, String(pid));
  const enter: CommandLine = ['nsenter', '-t', String(pid), '-n', '--'];
  return { netDir: join(pidDir, 'net'), netnsPath: join(pidDir, 'ns', 'net'), enter };
}

// Without the native addon another namespace's sysctls cost a process start each; they
// change rarely. With it they are read like our own, at every sample.
const NSENTER_SYSCTL_REFRESH_MS = 60_000;

/**
 * Sources for the exporter's own network namespace (no target), or for another one seen
 * through one of its processes: sock_diag on a netlink socket made inside it (setns, which
 * needs CAP_SYS_ADMIN), /proc/<pid>/net/* for tables and counters, its sysctls through
 * descriptors opened from inside it (setns too), and ss run inside it with nsenter where
 * sock_diag cannot be asked (CAP_SYS_ADMIN too; without it the lengths come from /proc
 * with no limit and no drops, and the sysctls are missing).
 */
export function kernelSources(cfg: Config, target?: SourceTarget): KernelSources {
  const t = cfg.sourceTimeoutMs;
  const other = target !== undefined && !target.self ? otherNamespace(cfg.procfs, target.pid) : undefined;
  const net = (f: string) => join(other?.netDir ?? join(cfg.procfs, 'net'), f);
  const ss: CommandLine = other ? [...other.enter, cfg.ssPath] : [cfg.ssPath];
  let sysctlCache: { at: number; result: SysctlReadResult } | undefined;
  // Kept open from sample to sample (see ProcFile); dispose() closes them.
  const snmp = new ProcFile(net('snmp'));
  const netstat = new ProcFile(net('netstat'));
  const sockstat = new ProcFile(net('sockstat'));
  const sockstat6 = new ProcFile(net('sockstat6'));
  const devices = new ProcFile(net('dev'));
  const snmpFields = new FieldPositions();
  const netstatFields: GroupFieldPositions = new Map();
  // Another namespace's sysctl files open from inside it with the native addon; without
  // it, cat runs inside it.
  const sysctlAccess: { readonly files: SysctlFiles } | { readonly enter: CommandLine } = !other
    ? { files: sysctlFiles(cfg.procfs) }
    : nativeAddonLoaded()
      ? { files: sysctlFiles(cfg.procfs, (p) => openFileInNamespace(other.netnsPath, p)) }
      : { enter: other.enter };
  const files = [snmp, netstat, sockstat, sockstat6, devices, ...('files' in sysctlAccess ? sysctlAccess.files.map((f) => f.file) : [])];
  const sockDiag = cfg.sockDiag ? sockDiagSource(t, other?.netnsPath) : undefined;
  return {
    foreign: other !== undefined,
    alive: () => other === undefined || existsSync(other.netnsPath),
    ...(sockDiag ? { sockDiag } : {}),
    ssListeners: () => readSsListeners(ss, t),
    procTcp: async () => parseProcNetTcp(readListenSection(net('tcp'), t), 'ipv4'),
    procTcp6: async () => {
      try {
        return parseProcNetTcp(readListenSection(net('tcp6'), t), 'ipv6');
      } catch (err) {
        // A kernel booted with IPv6 disabled has no tcp6 file: no IPv6 listeners, not a
        // fault. The same file missing while sockstat6 counts TCP6 sockets is a procfs that
        // hides it: the source is down rather than reporting no IPv6 listeners.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(net('tcp'))) throw err;
        const inUse = readTcpInUse(sockstat, sockstat6).ipv6;
        if (inUse > 0) throw new Error(`${net('tcp6')} is missing while ${net('sockstat6')} counts ${inUse} TCP6 sockets`);
        return { records: [], rejected: 0 };
      }
    },
    netstat: async (select) => parseNetstat(netstat.read(), select, netstatFields),
    sysctls: async () => {
      if ('files' in sysctlAccess) return readSysctls(sysctlAccess.files);
      const now = performance.now();
      if (!sysctlCache || now - sysctlCache.at >= NSENTER_SYSCTL_REFRESH_MS) {
        sysctlCache = { at: now, result: await readSysctlsVia(sysctlAccess.enter, cfg.procfs, t) };
      }
      return sysctlCache.result;
    },
    ssWithSynRecv: () => readSsListenersAndSynRecv(ss, t),
    tcpCounters: () => parseTcpCounters(snmp.read(), snmpFields),
    deviceCounters: () => devices.readBytes(),
    dispose: () => {
      for (const f of files) f.close();
      sockDiag?.close();
    },
    listenersNow: (family) => parseProcNetTcp(readListenSection(net(family === 'ipv4' ? 'tcp' : 'tcp6'), t), family),
  };
}
