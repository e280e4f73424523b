/**
 * One canonical text form for every address, whichever source supplied it: dotted quad for
 * IPv4, RFC 5952 for IPv6 (lower case, longest zero run compressed, v4-mapped in mixed
 * notation), no brackets, no scope.
 */
import { endianness } from 'node:os';

export type Family = 'ipv4' | 'ipv6';

const HOST_LITTLE_ENDIAN = endianness() === 'LE';

/** Parses IPv4 or IPv6 text (no brackets, no scope) into 4 or 16 bytes. */
export function parseIpText(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  let i = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i++] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  let head = text;
  let v4Tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    v4Tail = parseIpv4(text.slice(lastColon + 1));
    if (!v4Tail) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [before = '', after, extra] = head.split('::');
  if (extra !== undefined) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const left = toGroups(before);
  const right = after === undefined ? [] : toGroups(after);
  if (!left || !right) return undefined;
  const missing = 8 - left.length - right.length;
  if (after !== undefined ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (v4Tail) out.set(v4Tail, 12);
  return out;
}

/**
 * Decodes a /proc/net/tcp{,6} address: hex of 32-bit words, each in host byte order.
 */
export function decodeProcHexAddress(hex: string, littleEndian = HOST_LITTLE_ENDIAN): Uint8Array | undefined {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) {
    for (let b = 0; b < 4; b++) {
      const byte = parseInt(hex.slice(w * 8 + b * 2, w * 8 + b * 2 + 2), 16);
      out[w * 4 + (littleEndian ? 3 - b : b)] = byte;
    }
  }
  return out;
}

export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  // Eight big-endian groups of two bytes: each second byte completes the group the first began.
  const groups: number[] = [];
  let high: number | undefined;
  for (const b of bytes) {
    if (high === undefined) high = b;
    else {
      groups.push((high << 8) | b);
      high = undefined;
    }
  }
  // v4-mapped addresses keep the dotted tail (RFC 5952 section 5), as ss prints them.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text for an address given as text, or undefined if it is not an IP address. */
export function canonicalIp(text: string): string | undefined {
  const bytes = parseIpText(text);
  return bytes && formatIp(bytes);
}
