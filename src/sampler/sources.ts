/**
 * The kernel reads one sample makes, behind one interface so the sampler can be driven by
 * real sources in production and kernel tests, and by a fault injector where a fault
 * cannot be caused for real.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Family } from '../net/ip-address.js';
import type { ListenerRecord } from '../sources/listener-record.js';
import { type KernelCounter, readNetstat } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import { parseProcNetTcp, readListenSection } from '../sources/proc-net-tcp.js';
import { readSsListeners, type SocketEndpoint } from '../sources/ss-listeners.js';
import { readPassiveOpens } from '../sources/snmp.js';
import { readSsSynRecv } from '../sources/syn-recv.js';
import { readSysctls, type SysctlReadResult } from '../sources/sysctls.js';

export interface KernelSources {
  ssListeners(): Promise<ParseResult<ListenerRecord>>;
  procTcp(): Promise<ParseResult<ListenerRecord>>;
  procTcp6(): Promise<ParseResult<ListenerRecord>>;
  netstat(): Promise<ParseResult<KernelCounter>>;
  sysctls(): Promise<SysctlReadResult>;
  synRecv(): Promise<ParseResult<SocketEndpoint>>;
  /** Fast path, synchronous and cheap: the PassiveOpens counter. */
  passiveOpens(): number | undefined;
  /** Fast path, synchronous: one family's listener table (early-stop read). */
  listenersNow(family: Family): ParseResult<ListenerRecord>;
}

export function kernelSources(cfg: Config): KernelSources {
  const t = cfg.sourceTimeoutMs;
  const net = (f: string) => join(cfg.procfs, 'net', f);
  return {
    ssListeners: () => readSsListeners(cfg.ssPath, t),
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
    netstat: () => readNetstat(net('netstat'), t),
    sysctls: () => readSysctls(cfg.procfs, t),
    synRecv: () => readSsSynRecv(cfg.ssPath, t),
    passiveOpens: () => readPassiveOpens(net('snmp')),
    listenersNow: (family) => parseProcNetTcp(readListenSection(net(family === 'ipv4' ? 'tcp' : 'tcp6'), t), family),
  };
}
