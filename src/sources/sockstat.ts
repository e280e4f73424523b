/**
 * /proc/net/sockstat and sockstat6: how many TCP sockets of each family the namespace has
 * (`TCP: inuse N`, `TCP6: inuse N`). Zero means that family's table has nothing to read,
 * so the sampler can skip it; a read with no row to stop at would walk the whole host's
 * connection table.
 */
import type { ProcFile } from './proc-file.js';

/** `inuse` of the given protocol line (`TCP` or `TCP6`), or undefined if absent. */
export function parseSockstatInUse(text: string, protocol: 'TCP' | 'TCP6'): number | undefined {
  const m = new RegExp(`^${protocol}: inuse (\\d{1,15})\\b`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface TcpInUse {
  readonly ipv4: number;
  readonly ipv6: number;
}

/**
 * A missing sockstat6 means a kernel without IPv6. An unreadable or unparseable count is
 * taken as "maybe": read that table.
 */
export function readTcpInUse(sockstat: ProcFile, sockstat6: ProcFile): TcpInUse {
  const count = (file: ProcFile, protocol: 'TCP' | 'TCP6') => {
    try {
      return parseSockstatInUse(file.read(), protocol) ?? Infinity;
    } catch (err) {
      return protocol === 'TCP6' && (err as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : Infinity;
    }
  };
  return { ipv4: count(sockstat, 'TCP'), ipv6: count(sockstat6, 'TCP6') };
}
