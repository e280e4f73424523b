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
export interface NetlinkMessage {
  readonly type: number;
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export interface SplitReply {
  readonly messages: NetlinkMessage[];
  /** Bytes that do not form a whole message (a truncated or garbled reply). */
  readonly malformed: number;
  /** The reply ended with NLMSG_DONE, or with an NLMSG_ERROR acknowledgement. */
  readonly complete: boolean;
  /** The kernel's error for the request (a negative errno), when it sent one. */
  readonly errno?: number;
}

/** Splits a reply into messages; never throws, whatever the bytes. */
export function splitReply(buf: Uint8Array): SplitReply {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const messages: NetlinkMessage[] = [];
  let off = 0;
  let malformed = 0;
  let complete = false;
  let errno: number | undefined;
  while (off < buf.byteLength) {
    if (buf.byteLength - off < NLMSG_HDRLEN) {
      malformed++;
      break;
    }
    const len = view.getUint32(off, true);
    const type = view.getUint16(off + 4, true);
    if (len < NLMSG_HDRLEN || off + len > buf.byteLength) {
      malformed++;
      break;
    }
    if (type === NLMSG_DONE) {
      complete = true;
      break;
    }
    if (type === NLMSG_ERROR) {
      if (len >= NLMSG_HDRLEN + 4) {
        const code = view.getInt32(off + NLMSG_HDRLEN, true);
        if (code !== 0) errno = code;
        complete = true;
      } else malformed++;
      break;
    }
    messages.push({ type, payloadOffset: off + NLMSG_HDRLEN, payloadLength: len - NLMSG_HDRLEN });
    off += (len + 3) & ~3;
  }
  return { messages, malformed, complete, ...(errno !== undefined ? { errno } : {}) };
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

/** The attributes (rtattr: u16 length, u16 type, payload, aligned to 4) in a byte range. */
export function* attributes(
  view: DataView,
  start: number,
  end: number,
): Generator<{ readonly type: number; readonly offset: number; readonly length: number }, boolean> {
  let off = start;
  while (off + 4 <= end) {
    const len = view.getUint16(off, true);
    const type = view.getUint16(off + 2, true) & 0x3fff;
    if (len < 4 || off + len > end) return false;
    yield { type, offset: off + 4, length: len - 4 };
    off += (len + 3) & ~3;
  }
  return off >= end;
}
