/**
 * Netlink framing: requests as bytes, and replies split into messages. Pure functions over
 * buffers; the layouts are the kernel's (include/uapi/linux/netlink.h, inet_diag.h,
 * rtnetlink.h), in host byte order except where a field says big-endian.
 */
export const NETLINK_ROUTE = 0;
export const NETLINK_SOCK_DIAG = 4;

const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;

/** A message of a reply: its type and where its payload lies in the reply buffer. */
interface NetlinkMessage {
  readonly type: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

/** How a reply ended, apart from its messages. */
interface ReplyEnd {
  /** Bytes that do not form a whole message (a truncated or garbled reply). */
  readonly malformed: number;
  /** The reply ended with NLMSG_DONE, or with an NLMSG_ERROR acknowledgement. */
  readonly complete: boolean;
  /** The kernel's error for the request (a negative errno), when it sent one. */
  readonly errno?: number;
}

export interface SplitReply extends ReplyEnd {
  readonly messages: NetlinkMessage[];
}

/**
 * The framing both walks below share: each whole message in order, with the code of an
 * NLMSG_ERROR (undefined for any other type); `visit` returns true to stop there. Returns
 * 1 when the bytes end in something that is not a whole message (a header that overruns,
 * an NLMSG_ERROR too short for its code), else 0. Never throws, whatever the bytes.
 */
function walkMessages(
  buf: Uint8Array,
  visit: (type: number, payloadOffset: number, payloadLength: number, errorCode: number | undefined) => boolean,
): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off < buf.byteLength) {
    if (buf.byteLength - off < NLMSG_HDRLEN) return 1;
    const len = view.getUint32(off, true);
    const type = view.getUint16(off + 4, true);
    if (len < NLMSG_HDRLEN || off + len > buf.byteLength) return 1;
    let code: number | undefined;
    if (type === NLMSG_ERROR) {
      if (len < NLMSG_HDRLEN + 4) return 1;
      code = view.getInt32(off + NLMSG_HDRLEN, true);
    }
    if (visit(type, off + NLMSG_HDRLEN, len - NLMSG_HDRLEN, code)) return 0;
    off += (len + 3) & ~3;
  }
  return 0;
}

/**
 * Calls `visit` with each message's type and payload range, in order, up to the end of the
 * dump; never throws, whatever the bytes. Allocates nothing per message: a dump of 1,000
 * listeners is walked five times a second by the probe.
 */
export function forEachMessage(
  buf: Uint8Array,
  visit: (type: number, payloadOffset: number, payloadLength: number) => void,
): ReplyEnd {
  let end: ReplyEnd = { malformed: 0, complete: false };
  const malformed = walkMessages(buf, (type, payloadOffset, payloadLength, code) => {
    if (type === NLMSG_DONE || code === 0) end = { malformed: 0, complete: true };
    else if (code !== undefined) end = { malformed: 0, complete: true, errno: code };
    else {
      visit(type, payloadOffset, payloadLength);
      return false;
    }
    return true;
  });
  return malformed ? { malformed, complete: false } : end;
}

/**
 * The replies to a batch of requests: calls `visit` with every message that is not an
 * NLMSG_ERROR, and counts the errors (an NLMSG_ERROR whose code is not 0; code 0 is an
 * acknowledgement). Never throws, whatever the bytes.
 */
export function forEachBatchReply(
  buf: Uint8Array,
  visit: (type: number, payloadOffset: number, payloadLength: number) => void,
): { readonly malformed: number; readonly errors: number } {
  let errors = 0;
  const malformed = walkMessages(buf, (type, payloadOffset, payloadLength, code) => {
    if (code !== undefined) {
      if (code !== 0) errors++;
    } else if (type !== NLMSG_DONE) {
      visit(type, payloadOffset, payloadLength);
    }
    return false;
  });
  return { malformed, errors };
}

/** Splits a reply into messages; never throws, whatever the bytes. */
export function splitReply(buf: Uint8Array): SplitReply {
  const messages: NetlinkMessage[] = [];
  const end = forEachMessage(buf, (type, payloadOffset, payloadLength) => messages.push({ type, payloadOffset, payloadLength }));
  return { messages, ...end };
}

function header(buf: Buffer, type: number, flags: number, seq: number): void {
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(type, 4);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(seq >>> 0, 8);
  buf.writeUInt32LE(0, 12);
}

const SOCK_DIAG_BY_FAMILY = 20;
const IPPROTO_TCP = 6;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const TCP_SYN_RECV = 3;
export const TCP_LISTEN = 10;
/** inet_diag attribute carrying sk_meminfo (u32[SK_MEMINFO_VARS]); drops are index 8. */
export const INET_DIAG_SKMEMINFO = 7;

/**
 * A sock_diag dump of TCP sockets of one family in the given states (a bit per state).
 * With only LISTEN asked for, the kernel walks the listening hash alone.
 */
export function inetDiagRequest(family: number, states: number, withMemInfo: boolean, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + 56);
  header(buf, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq);
  buf.writeUInt8(family, 16);
  buf.writeUInt8(IPPROTO_TCP, 17);
  buf.writeUInt8(withMemInfo ? 1 << (INET_DIAG_SKMEMINFO - 1) : 0, 18);
  buf.writeUInt32LE(states >>> 0, 20);
  return buf;
}

/** Bytes of struct inet_diag_sockid: ports, addresses, interface and cookie. */
export const INET_DIAG_SOCKID_BYTES = 48;

/**
 * One socket asked for by its identity (no dump: the kernel looks it up in its hash), as
 * the sockid of a dump's reply gives it. The answer is one message: the socket's, or an
 * error where it is gone or the lookup finds another socket (the cookie differs).
 */
export function inetDiagExactRequest(family: number, sockid: Uint8Array, seq: number): Buffer {
  const buf = Buffer.alloc(EXACT_REQUEST_BYTES);
  header(buf, SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq);
  buf.writeUInt8(family, 16);
  buf.writeUInt8(IPPROTO_TCP, 17);
  buf.writeUInt32LE((1 << TCP_LISTEN) >>> 0, 20);
  buf.set(sockid.subarray(0, INET_DIAG_SOCKID_BYTES), 24);
  return buf;
}

const EXACT_REQUEST_BYTES = NLMSG_HDRLEN + 56;

/** Whether request `index` of a batch of inetDiagExactRequest messages asks for this socket. */
export function batchAsksFor(batch: Buffer, index: number, family: number, sockid: Uint8Array): boolean {
  const at = index * EXACT_REQUEST_BYTES;
  return (
    at + EXACT_REQUEST_BYTES <= batch.length &&
    batch[at + 16] === family &&
    batch.compare(sockid, 0, INET_DIAG_SOCKID_BYTES, at + 24, at + 24 + INET_DIAG_SOCKID_BYTES) === 0
  );
}

/** Sets the sequence number of every message of a batch built beforehand. */
export function setBatchSeq(batch: Buffer, seq: number): void {
  for (let off = 0; off + NLMSG_HDRLEN <= batch.length; off += batch.readUInt32LE(off)) {
    batch.writeUInt32LE(seq >>> 0, off + 8);
    if (batch.readUInt32LE(off) < NLMSG_HDRLEN) return;
  }
}

const TCPDIAG_GETSOCK = 18;

/**
 * The same dump through the older request (TCPDIAG_GETSOCK, struct inet_diag_req), which
 * the kernel serves for both families at once (it asks its hash walk for AF_UNSPEC): one
 * walk of the listening hash instead of two. That walk visits every bucket of a table
 * shared by all namespaces, so it is most of a small namespace's dump cost.
 */
export function tcpDiagRequest(states: number, withMemInfo: boolean, seq: number): Buffer {
  // inet_diag_req: family, src_len, dst_len, ext (u8 each), inet_diag_sockid (48), states, dbs (u32).
  const buf = Buffer.alloc(NLMSG_HDRLEN + 60);
  header(buf, TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, seq);
  buf.writeUInt8(withMemInfo ? 1 << (INET_DIAG_SKMEMINFO - 1) : 0, 19);
  buf.writeUInt32LE(states >>> 0, 16 + 52);
  return buf;
}

const RTM_GETLINK = 18;
export const RTM_NEWLINK = 16;
export const IFLA_IFNAME = 3;

/** rtnetlink: the link with this index (one RTM_NEWLINK, then an acknowledgement). */
export function getLinkRequest(ifindex: number, seq: number): Buffer {
  const buf = Buffer.alloc(NLMSG_HDRLEN + 16);
  header(buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  buf.writeInt32LE(ifindex, 20);
  return buf;
}

/**
 * Calls `visit` with each attribute (rtattr: u16 length, u16 type, payload, aligned to 4)
 * in a byte range; returns false when one overruns the range (the message is garbled).
 */
export function forEachAttribute(
  view: DataView,
  start: number,
  end: number,
  visit: (type: number, offset: number, length: number) => void,
): boolean {
  let off = start;
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    const type = view.getUint16(off + 2, true) & 0x3fff;
    if (len < 4 || off + len > end) return false;
    visit(type, off + 4, len - 4);
    off += (len + 3) & ~3;
  }
  return off >= end;
}
