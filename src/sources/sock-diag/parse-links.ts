/** rtnetlink RTM_NEWLINK replies as interface index -> name. Pure and total. */
import type { ParseResult } from '../parse-result.js';
import { forEachAttribute, IFLA_IFNAME, RTM_NEWLINK, splitReply } from './netlink-messages.js';

const IFINFOMSG_BYTES = 16;
// IFNAMSIZ is 16 with the terminating NUL.
const MAX_NAME_BYTES = 15;

export interface Link {
  readonly index: number;
  readonly name: string;
}

export interface LinkParse extends ParseResult<Link> {
  readonly errno?: number;
}

export function parseLinks(buf: Uint8Array): LinkParse {
  const split = splitReply(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: Link[] = [];
  let rejected = split.malformed;
  for (const m of split.messages) {
    const link = m.type === RTM_NEWLINK && m.payloadLength >= IFINFOMSG_BYTES ? parseLink(buf, view, m.payloadOffset, m.payloadLength) : undefined;
    if (link) records.push(link);
    else rejected++;
  }
  return { records, rejected, ...(split.errno !== undefined ? { errno: split.errno } : {}) };
}

function parseLink(buf: Uint8Array, view: DataView, at: number, length: number): Link | undefined {
  const index = view.getInt32(at + 4, true);
  if (index <= 0) return undefined;
  let name: string | undefined;
  let bad = false;
  const wellFormed = forEachAttribute(view, at + IFINFOMSG_BYTES, at + length, (type, offset, len) => {
    if (type !== IFLA_IFNAME || name !== undefined) return;
    let bytes = buf.subarray(offset, offset + len);
    const nul = bytes.indexOf(0);
    if (nul >= 0) bytes = bytes.subarray(0, nul);
    if (bytes.length === 0 || bytes.length > MAX_NAME_BYTES) bad = true;
    // Interface names are bytes; ss prints them as they are, and so does a latin1 decode
    // of ASCII names. UTF-8 is what `ip link` writes for non-ASCII names.
    else name = Buffer.from(bytes).toString('utf8');
  });
  return wellFormed && !bad && name !== undefined ? { index, name } : undefined;
}
