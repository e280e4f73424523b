/**
 * The exact listener source: LISTEN-only sock_diag dumps of both families (one
 * TCPDIAG_GETSOCK dump, or AF_INET then AF_INET6 where the kernel refuses that request),
 * each socket's length, limit, inode, interface and drops, and the
 * interface names from rtnetlink in the socket's own namespace. No process starts; a
 * dump of 1,000 listeners takes well under a millisecond. SYN_RECV comes from a dump of
 * that state, whose cost follows the number of connections (the kernel walks the
 * established hash), hence its own interval.
 */
import { listenerRecord } from '../../listener/build.js';
import type { ListenerRecord } from '../../listener/fields.js';
import type { ParseResult } from '../parse-result.js';
import type { SocketEndpoint } from '../ss-listeners.js';
import { NetlinkSocket } from './netlink-socket.js';
import {
  AF_INET,
  AF_INET6,
  batchAsksFor,
  getLinkRequest,
  INET_DIAG_SOCKID_BYTES,
  inetDiagExactRequest,
  inetDiagRequest,
  setBatchSeq,
  tcpDiagRequest,
  NETLINK_ROUTE,
  NETLINK_SOCK_DIAG,
  TCP_LISTEN,
  TCP_SYN_RECV,
} from './netlink-messages.js';
import { type DiagSocket, type DumpParse, parseExactLengths, parseInetDiag, parseInetDiagLengths } from './parse-inet-diag.js';
import { parseLinks } from './parse-links.js';

export interface ListenerLengths {
  readonly records: ReadonlyArray<Pick<ListenerRecord, 'inode' | 'queueLength'>>;
  /** Asked for socket by socket (hash lookups), not dumped. */
  readonly lookedUp: boolean;
}

export interface SockDiagSource {
  /** Every listening TCP socket of the namespace; throws when the kernel cannot be asked. */
  listeners(): ParseResult<ListenerRecord>;
  /**
   * Only inode and length of the listeners: what the fast probe between samples needs. The
   * sockets of the last listeners() call at least (those the probe updates); sockets that
   * appeared since may be missing.
   */
  lengths(): ListenerLengths;
  /** The local endpoint of every half-open connection. */
  synRecv(): ParseResult<SocketEndpoint>;
  close(): void;
}

function errnoError(what: string, errno: number): NodeJS.ErrnoException {
  const err = new Error(`${what}: kernel answered errno ${-errno}`) as NodeJS.ErrnoException;
  err.errno = errno;
  return err;
}

/**
 * Up to this many listeners, the probe asks for each by its identity in one batch (a hash
 * lookup each) rather than dumping: a dump walks every bucket of the listening hash, which
 * all namespaces share, so in a small namespace it costs far more than the few lookups.
 */
const MAX_LOOKUPS = 32;

/** How the source asks for both families. */
export interface SockDiagOptions {
  /**
   * false: always one SOCK_DIAG_BY_FAMILY dump per family, as on a kernel that refuses
   * TCPDIAG_GETSOCK. Default true: one dump for both where the kernel serves it.
   */
  readonly oneDump?: boolean;
}

/** @param netnsPath another namespace's `/proc/<pid>/ns/net` (needs CAP_SYS_ADMIN), or undefined for our own */
export function sockDiagSource(timeoutMs: number, netnsPath?: string, opts: SockDiagOptions = {}): SockDiagSource {
  const diag = new NetlinkSocket(NETLINK_SOCK_DIAG, netnsPath);
  const route = new NetlinkSocket(NETLINK_ROUTE, netnsPath);
  // Until the kernel refuses it: the per-family requests are the fallback, not a fault.
  let oneDump = opts.oneDump ?? true;
  /** The last listeners() sockets as one batch of exact requests, when lookups are cheaper. */
  let lookups: { readonly batch: Buffer; readonly count: number } | undefined;

  const checked = <T>(parsed: DumpParse<T>, noHandlerIsEmpty: boolean): DumpParse<T> => {
    // A kernel without IPv6 has no AF_INET6 handler: no IPv6 sockets, not a fault.
    if (parsed.errno !== undefined && !(noHandlerIsEmpty && parsed.records.length === 0 && isNoHandler(parsed.errno))) {
      throw errnoError('sock_diag dump', parsed.errno);
    }
    if (parsed.errno === undefined && !parsed.complete) throw new Error('sock_diag dump ended before NLMSG_DONE');
    return parsed;
  };

  /**
   * Both families' sockets, checked whole (one dump at a time: a socket serves one dump at a
   * time), and the reply where it came in one piece (one dump), whose sockids the probe's
   * lookups reuse.
   */
  const dump = <T>(
    states: number,
    withMemInfo: boolean,
    parse: (reply: Buffer) => DumpParse<T>,
  ): { records: T[]; rejected: number; reply?: Buffer } => {
    if (oneDump) {
      const reply = diag.request((seq) => tcpDiagRequest(states, withMemInfo, seq), timeoutMs);
      const parsed = parse(reply);
      if (parsed.errno === undefined || parsed.records.length > 0) {
        const { records, rejected } = checked(parsed, false);
        return { records, rejected, reply };
      }
      // Refused (a kernel without the older request): ask per family from now on.
      oneDump = false;
    }
    const records: T[] = [];
    let rejected = 0;
    for (const family of [AF_INET, AF_INET6]) {
      const parsed = checked(parse(diag.request((seq) => inetDiagRequest(family, states, withMemInfo, seq), timeoutMs)), family === AF_INET6);
      for (const r of parsed.records) records.push(r);
      rejected += parsed.rejected;
    }
    return { records, rejected };
  };

  /** ifindex -> name, asked per sample: a name can change while the socket lives. */
  const deviceNames = (sockets: readonly DiagSocket[]): Map<number, string> => {
    const names = new Map<number, string>();
    for (const s of sockets) {
      if (s.ifindex === 0 || names.has(s.ifindex)) continue;
      const links = parseLinks(route.request((seq) => getLinkRequest(s.ifindex, seq), timeoutMs));
      const link = links.records.find((l) => l.index === s.ifindex);
      // As ss prints an index it cannot name (the interface went away meanwhile).
      names.set(s.ifindex, link?.name ?? `if${s.ifindex}`);
    }
    return names;
  };

  /**
   * The batch that asks for each of these sockets by its sockid, as the dump's reply gives
   * it. Not for SO_REUSEPORT groups: a lookup picks one member of a group by a hash of the
   * (absent) peer, so the others would be refused every time.
   */
  const lookupBatch = (reply: Buffer, sockets: readonly DiagSocket[]): { batch: Buffer; count: number } | undefined => {
    if (sockets.length === 0 || sockets.length > MAX_LOOKUPS) return undefined;
    const sockid = (s: DiagSocket) => reply.subarray(s.messageOffset + 4, s.messageOffset + 4 + INET_DIAG_SOCKID_BYTES);
    const family = (s: DiagSocket) => (s.family === 'ipv4' ? AF_INET : AF_INET6);
    // The same sockets as the batch already built (the usual case): it asks for them still.
    const known = lookups;
    if (known?.count === sockets.length && sockets.every((s, i) => batchAsksFor(known.batch, i, family(s), sockid(s)))) return known;
    const endpoints = new Set(sockets.map((s) => `${s.family} ${s.address} ${s.port} ${s.ifindex}`));
    if (endpoints.size !== sockets.length) return undefined;
    const batch = Buffer.concat(sockets.map((s) => inetDiagExactRequest(family(s), sockid(s), 0)));
    return { batch, count: sockets.length };
  };

  /** The lengths by lookups; undefined when any was refused (a socket is gone: dump instead). */
  const lookedUp = (l: { readonly batch: Buffer; readonly count: number }) => {
    const reply = diag.request(
      (seq) => {
        setBatchSeq(l.batch, seq);
        return l.batch;
      },
      timeoutMs,
      l.count,
    );
    const parsed = parseExactLengths(reply);
    return parsed.refused === 0 && parsed.rejected === 0 && parsed.records.length === l.count
      ? parsed.records
      : undefined;
  };

  return {
    listeners() {
      const { records: sockets, rejected, reply } = dump(1 << TCP_LISTEN, true, parseInetDiag);
      lookups = reply ? lookupBatch(reply, sockets.filter((s) => s.state === TCP_LISTEN)) : undefined;
      const names = deviceNames(sockets);
      const records: ListenerRecord[] = [];
      // IPv4 first, then IPv6, as the per-family dumps (and ss) list them: the one dump
      // interleaves them in hash order.
      for (const s of [...sockets.filter((x) => x.family === 'ipv4'), ...sockets.filter((x) => x.family === 'ipv6')]) {
        if (s.state !== TCP_LISTEN) continue;
        const device = s.ifindex === 0 ? undefined : names.get(s.ifindex);
        records.push(
          listenerRecord({ family: s.family, address: s.address, port: s.port, device, inode: s.inode, queueLength: s.rqueue, limit: s.wqueue, drops: s.drops }),
        );
      }
      return { records, rejected };
    },
    lengths() {
      const known = lookups;
      const found = known ? lookedUp(known) : undefined;
      if (found) return { records: found, lookedUp: true };
      // Gone or refused: no more lookups until the next listeners() says what exists.
      lookups = undefined;
      return { records: dump(1 << TCP_LISTEN, false, parseInetDiagLengths).records, lookedUp: false };
    },
    synRecv() {
      const { records: sockets, rejected } = dump(1 << TCP_SYN_RECV, false, parseInetDiag);
      const names = deviceNames(sockets);
      const records: SocketEndpoint[] = sockets.map((s) => {
        const device = s.ifindex === 0 ? undefined : names.get(s.ifindex);
        return device === undefined
          ? { family: s.family, address: s.address, port: s.port }
          : { family: s.family, address: s.address, port: s.port, device };
      });
      return { records, rejected };
    },
    close() {
      diag.close();
      route.close();
    },
  };
}

// ENOENT (no handler for the family) and EAFNOSUPPORT, as kernels without IPv6 answer.
function isNoHandler(errno: number): boolean {
  return errno === -2 || errno === -97;
}
