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
import { AF_INET, AF_INET6, attributes, INET_DIAG_SKMEMINFO, splitReply } from './netlink-messages.js';

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
}

export interface DiagParse extends ParseResult<DiagSocket> {
  /** The dump ended (NLMSG_DONE): a reply cut short is not the whole socket set. */
  readonly complete: boolean;
  readonly errno?: number;
}

export function parseInetDiag(buf: Uint8Array): DiagParse {
  const split = splitReply(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: DiagSocket[] = [];
  const addresses = new Map<string, string>();
  let rejected = split.malformed;
  for (const m of split.messages) {
    const s = parseMessage(buf, view, m.payloadOffset, m.payloadLength, addresses);
    if (s) records.push(s);
    else rejected++;
  }
  return { records, rejected, complete: split.complete, ...(split.errno !== undefined ? { errno: split.errno } : {}) };
}

function parseMessage(buf: Uint8Array, view: DataView, at: number, length: number, addresses: Map<string, string>): DiagSocket | undefined {
  if (length < INET_DIAG_MSG_BYTES) return undefined;
  const af = view.getUint8(at);
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family: Family = af === AF_INET ? 'ipv4' : 'ipv6';
  const raw = buf.subarray(at + 8, at + 8 + (family === 'ipv4' ? 4 : 16));
  // A dump of many sockets repeats few addresses: format each distinct one once.
  const key = raw.join('.');
  let address = addresses.get(key);
  if (address === undefined) {
    address = formatIp(raw);
    addresses.set(key, address);
  }
  let drops: number | undefined;
  const attrs = attributes(view, at + INET_DIAG_MSG_BYTES, at + length);
  for (let a = attrs.next(); ; a = attrs.next()) {
    if (a.done) {
      if (!a.value) return undefined;
      break;
    }
    if (a.value.type === INET_DIAG_SKMEMINFO) {
      if (a.value.length < 4 * (SK_MEMINFO_DROPS + 1)) return undefined;
      drops = view.getUint32(a.value.offset + 4 * SK_MEMINFO_DROPS, true);
    }
  }
  // Built as one literal: a spread followed by more properties is V8's slow clone path.
  const port = view.getUint16(at + 4, false);
  const state = view.getUint8(at + 1);
  const ifindex = view.getUint32(at + 40, true);
  const rqueue = view.getUint32(at + 56, true);
  const wqueue = view.getUint32(at + 60, true);
  const inode = view.getUint32(at + 68, true);
  return drops === undefined
    ? { family, state, address, port, ifindex, rqueue, wqueue, inode }
    : { family, state, address, port, ifindex, rqueue, wqueue, inode, drops };
}
