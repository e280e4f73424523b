/**
 * sock_diag replies (inet_diag_msg, one per socket) as listener records. Pure and total:
 * every message is either a record or counted rejected, and no input makes it throw.
 * Offsets are from the start of inet_diag_msg (after the 16-byte netlink header):
 * family +0, state +1, sport +4 (big-endian), src +8 (16 bytes), if +40, rqueue +56,
 * wqueue +60, inode +68, attributes from +72. For a listener rqueue is the accept-queue
 * length and wqueue its limit (sk_ack_backlog, sk_max_ack_backlog).
 */
import type { Family } from '../../net/ip-address.js';
import { formatIp } from '../../net/ip-address.js';
import type { ParseResult } from '../parse-result.js';
import { AF_INET, AF_INET6, forEachAttribute, forEachBatchReply, forEachMessage, INET_DIAG_SKMEMINFO, TCP_LISTEN } from './netlink-messages.js';

const INET_DIAG_MSG_BYTES = 72;
const SK_MEMINFO_DROPS = 8;

/** One socket of a dump; `ifindex` 0 when it is bound to no interface. */
export interface DiagSocket {
  readonly family: Family;
  readonly state: number;
  readonly address: string;
  readonly port: number;
  readonly ifindex: number;
  readonly rqueue: number;
  readonly wqueue: number;
  readonly inode: number;
  /** sk_drops, when the dump asked for SKMEMINFO. */
  readonly drops?: number;
  /** Where the socket's inet_diag_msg starts in the reply (its sockid follows at +4). */
  readonly messageOffset: number;
}

/** A parsed dump: its records, and whether it ended (a reply cut short is not the whole set). */
export interface DumpParse<T> extends ParseResult<T> {
  /** The dump ended (NLMSG_DONE). */
  readonly complete: boolean;
  /** The kernel's error for the request, when it sent one. */
  readonly errno?: number;
}

export function parseInetDiag(buf: Uint8Array): DumpParse<DiagSocket> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: DiagSocket[] = [];
  // A dump of many sockets repeats few addresses: format each distinct one once.
  const addresses = new Map<string | number, string>();
  let rejected = 0;
  const end = forEachMessage(buf, (_type, at, length) => {
    const s = parseMessage(buf, view, at, length, addresses);
    if (s) records.push(s);
    else rejected++;
  });
  return { records, rejected: rejected + end.malformed, complete: end.complete, ...(end.errno !== undefined ? { errno: end.errno } : {}) };
}

/** A socket's inode and queue length: all the probe between samples needs. */
interface DiagLength {
  readonly inode: number;
  readonly queueLength: number;
}

/**
 * Only state, inode and rqueue of each message, for LISTEN sockets: no address to format,
 * no attribute to walk. Pure and total like parseInetDiag.
 */
export function parseInetDiagLengths(buf: Uint8Array): DumpParse<DiagLength> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: DiagLength[] = [];
  let rejected = 0;
  const end = forEachMessage(buf, (_type, at, length) => {
    const af = length >= INET_DIAG_MSG_BYTES ? view.getUint8(at) : 0;
    if (af !== AF_INET && af !== AF_INET6) rejected++;
    else if (view.getUint8(at + 1) === TCP_LISTEN) records.push({ inode: view.getUint32(at + 68, true), queueLength: view.getUint32(at + 56, true) });
  });
  return { records, rejected: rejected + end.malformed, complete: end.complete, ...(end.errno !== undefined ? { errno: end.errno } : {}) };
}

/** The replies to a batch of exact requests: lengths, and how many requests the kernel refused. */
export interface ExactLengths extends ParseResult<DiagLength> {
  /** Requests answered with an error: the socket is gone, or another one answered the lookup. */
  readonly refused: number;
}

/** Pure and total like parseInetDiagLengths, over the replies to inetDiagExactRequest batches. */
export function parseExactLengths(buf: Uint8Array): ExactLengths {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: DiagLength[] = [];
  let rejected = 0;
  const end = forEachBatchReply(buf, (_type, at, length) => {
    const af = length >= INET_DIAG_MSG_BYTES ? view.getUint8(at) : 0;
    if ((af !== AF_INET && af !== AF_INET6) || view.getUint8(at + 1) !== TCP_LISTEN) rejected++;
    else records.push({ inode: view.getUint32(at + 68, true), queueLength: view.getUint32(at + 56, true) });
  });
  return { records, rejected: rejected + end.malformed, refused: end.errors };
}

function addressOf(buf: Uint8Array, view: DataView, at: number, family: Family, addresses: Map<string | number, string>): string {
  const key =
    family === 'ipv4'
      ? view.getUint32(at + 8)
      : `${view.getUint32(at + 8)}.${view.getUint32(at + 12)}.${view.getUint32(at + 16)}.${view.getUint32(at + 20)}`;
  let address = addresses.get(key);
  if (address === undefined) {
    address = formatIp(buf.subarray(at + 8, at + 8 + (family === 'ipv4' ? 4 : 16)));
    addresses.set(key, address);
  }
  return address;
}

function parseMessage(buf: Uint8Array, view: DataView, at: number, length: number, addresses: Map<string | number, string>): DiagSocket | undefined {
  if (length < INET_DIAG_MSG_BYTES) return undefined;
  const af = view.getUint8(at);
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family: Family = af === AF_INET ? 'ipv4' : 'ipv6';
  const address = addressOf(buf, view, at, family, addresses);
  let drops: number | undefined;
  let memInfoShort = false;
  const wellFormed = forEachAttribute(view, at + INET_DIAG_MSG_BYTES, at + length, (type, offset, len) => {
    if (type !== INET_DIAG_SKMEMINFO) return;
    if (len < 4 * (SK_MEMINFO_DROPS + 1)) memInfoShort = true;
    else drops = view.getUint32(offset + 4 * SK_MEMINFO_DROPS, true);
  });
  if (!wellFormed || memInfoShort) return undefined;
  // Built as one literal: a spread followed by more properties is V8's slow clone path.
  const port = view.getUint16(at + 4, false);
  const state = view.getUint8(at + 1);
  const ifindex = view.getUint32(at + 40, true);
  const rqueue = view.getUint32(at + 56, true);
  const wqueue = view.getUint32(at + 60, true);
  const inode = view.getUint32(at + 68, true);
  return drops === undefined
    ? { family, state, address, port, ifindex, rqueue, wqueue, inode, messageOffset: at }
    : { family, state, address, port, ifindex, rqueue, wqueue, inode, drops, messageOffset: at };
}
