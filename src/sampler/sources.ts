/**
 * The kernel reads one namespace's sample makes, behind one interface so the sampler can
 * be driven by real sources in production and kernel tests, and by scripted ones where a
 * fault or an exact count cannot be caused for real.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Family } from '../net/ip-address.js';
import type { NetnsTarget } from '../namespaces/discovery.js';
import type { ListenerRecord } from '../sources/listener-record.js';
import { type KernelCounter, parseNetstat } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import { parseProcNetTcp, readListenSection } from '../sources/proc-net-tcp.js';
import { ProcFile } from '../sources/proc-file.js';
import { parsePassiveOpens } from '../sources/snmp.js';
import { readTcpInUse, type TcpInUse } from '../sources/sockstat.js';
import { readSsListeners } from '../sources/ss-listeners.js';
import { readSsListenersAndSynRecv, type SsListenersAndSynRecv } from '../sources/syn-recv.js';
import { readSysctls, readSysctlsVia, sysctlFiles, type SysctlReadResult } from '../sources/sysctls.js';

export interface KernelSources {
  ssListeners(): Promise<ParseResult<ListenerRecord>>;
  procTcp(): Promise<ParseResult<ListenerRecord>>;
  procTcp6(): Promise<ParseResult<ListenerRecord>>;
  netstat(): Promise<ParseResult<KernelCounter>>;
  sysctls(): Promise<SysctlReadResult>;
  /** One ss run for the listener dump and the SYN_RECV entries. */
  ssWithSynRecv(): Promise<SsListenersAndSynRecv>;
  /** Synchronous and cheap: TCP sockets per family (0: that table is empty). */
  tcpInUse(): TcpInUse;
  /** Fast path, synchronous and cheap: the PassiveOpens counter. */
  passiveOpens(): number | undefined;
  /** Fast path, synchronous: one family's listener table (early-stop read). */
  listenersNow(family: Family): ParseResult<ListenerRecord>;
  /**
   * Releases what the sources hold open. An open /proc/<pid>/net file pins that network
   * namespace in the kernel, so a namespace's sources are disposed once it is gone.
   */
  dispose(): void;
}

// Another namespace's sysctls cost a process start each; they change rarely.
const FOREIGN_SYSCTL_REFRESH_MS = 60_000;

/**
 * Sources for the exporter's own network namespace (no target), or for another one seen
 * through one of its processes: /proc/<pid>/net/* for tables and counters, and ss and
 * sysctls run inside it with nsenter (needs CAP_SYS_ADMIN; without it those fail and only
 * the limit and sysctls go missing).
 */
export function kernelSources(cfg: Config, target?: Pick<NetnsTarget, 'pid' | 'self'>): KernelSources {
  const t = cfg.sourceTimeoutMs;
  const foreign = target !== undefined && !target.self;
  const netDir = foreign ? join(cfg.procfs, String(target.pid), 'net') : join(cfg.procfs, 'net');
  const net = (f: string) => join(netDir, f);
  const enter = foreign ? ['nsenter', '-t', String(target.pid), '-n', '--'] : [];
  const ss = [...enter, cfg.ssPath];
  let sysctlCache: { at: number; result: SysctlReadResult } | undefined;
  // Kept open from sample to sample (see ProcFile); dispose() closes them.
  const snmp = new ProcFile(net('snmp'));
  const netstat = new ProcFile(net('netstat'));
  const sockstat = new ProcFile(net('sockstat'));
  const sockstat6 = new ProcFile(net('sockstat6'));
  const ownSysctls = foreign ? undefined : sysctlFiles(cfg.procfs);
  const files = [snmp, netstat, sockstat, sockstat6, ...Object.values(ownSysctls ?? {})];
  return {
    ssListeners: () => readSsListeners(ss, t),
    procTcp: async () => parseProcNetTcp(readListenSection(net('tcp'), t), 'ipv4'),
    procTcp6: async () => {
      try {
        return parseProcNetTcp(readListenSection(net('tcp6'), t), 'ipv6');
      } catch (err) {
        // A kernel booted with IPv6 disabled has no tcp6 file: no IPv6 listeners, not a fault.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(net('tcp'))) return { records: [], rejected: 0 };
        throw err;
      }
    },
    netstat: async () => parseNetstat(netstat.read()),
    sysctls: async () => {
      if (ownSysctls) return readSysctls(ownSysctls);
      const now = performance.now();
      if (!sysctlCache || now - sysctlCache.at >= FOREIGN_SYSCTL_REFRESH_MS) {
        sysctlCache = { at: now, result: await readSysctlsVia(enter, cfg.procfs, t) };
      }
      return sysctlCache.result;
    },
    ssWithSynRecv: () => readSsListenersAndSynRecv(ss, t),
    tcpInUse: () => readTcpInUse(sockstat, sockstat6),
    passiveOpens: () => parsePassiveOpens(snmp.read()),
    dispose: () => {
      for (const f of files) f.close();
    },
    listenersNow: (family) => parseProcNetTcp(readListenSection(net(family === 'ipv4' ? 'tcp' : 'tcp6'), t), family),
  };
}
