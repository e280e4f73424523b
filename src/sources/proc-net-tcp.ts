/**
 * /proc/net/tcp and /proc/net/tcp6: LISTEN rows give address, port, accept-queue length
 * (rx_queue) and inode, but never the limit. Listeners come first in these files (the
 * kernel walks the listening hash before the established one), so the reader stops at the
 * first row that is not LISTEN instead of reading every connection.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { decodeProcHexAddress, type Family, formatIp } from '../net/ip-address.js';
import type { ListenerRecord } from '../listener/fields.js';
import { listenerRecord } from '../listener/build.js';
import { parseCount } from './parse-count.js';
import { parseMemo } from './parse-memo.js';
import type { ParseResult } from './parse-result.js';

const TCP_LISTEN = '0A';
const CHUNK_BYTES = 64 * 1024;
const MAX_BYTES = 256 << 20;

/** A row's state column, or undefined for the header and lines too short to have one. */
function rowState(line: string): string | undefined {
  const fields = line.trim().split(/\s+/, 5);
  const slot = fields[0];
  const state = fields[3];
  if (slot === undefined || state === undefined || !/^\d+:$/.test(slot)) return undefined;
  return state;
}

/** The columns of a row the parser reads, up to the inode (the tenth); more may follow. */
type TcpRow = [
  slot: string,
  local: string,
  remote: string,
  state: string,
  queues: string,
  timer: string,
  retransmits: string,
  uid: string,
  timeout: string,
  inode: string,
  ...rest: string[],
];

function isTcpRow(fields: string[]): fields is TcpRow {
  return fields.length >= 10;
}

/** A row's hex address as canonical text, or undefined if it is not one of the family. */
function decodeAddress(hex: string, family: Family): string | undefined {
  const bytes = decodeProcHexAddress(hex);
  return bytes && bytes.length === (family === 'ipv4' ? 4 : 16) ? formatIp(bytes) : undefined;
}

function parseEndpoint(
  text: string,
  decode: (hex: string) => string | undefined,
): { address: string; port: number } | undefined {
  const [hexAddr, hexPort, extra] = text.split(':');
  if (hexAddr === undefined || hexPort === undefined || extra !== undefined) return undefined;
  const address = decode(hexAddr);
  if (address === undefined) return undefined;
  const port = parseCount(hexPort, 16);
  if (port === undefined || hexPort.length !== 4) return undefined;
  return { address, port };
}

export function parseProcNetTcp(text: string, family: Family): ParseResult<ListenerRecord> {
  const records: ListenerRecord[] = [];
  const seen = new Set<number>();
  const decode = parseMemo((hex) => decodeAddress(hex, family));
  let rejected = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('sl ')) continue;
    const f = trimmed.split(/\s+/);
    if (!isTcpRow(f) || !/^\d+:$/.test(f[0])) {
      rejected++;
      continue;
    }
    if (f[3] !== TCP_LISTEN) {
      if (!/^[0-9A-F]{2}$/.test(f[3])) rejected++;
      continue;
    }
    const local = parseEndpoint(f[1], decode);
    // tx_queue:rx_queue; a listener's rx_queue is its accept-queue length.
    const rxQueue = /^[0-9A-Fa-f]{8}:([0-9A-Fa-f]{8})$/.exec(f[4])?.[1];
    const inode = parseCount(f[9]);
    if (!local || rxQueue === undefined || !inode) {
      rejected++;
      continue;
    }
    // A socket can show twice when the hash changes between two read() calls.
    if (seen.has(inode)) continue;
    seen.add(inode);
    records.push(listenerRecord({ family, address: local.address, port: local.port, queueLength: parseInt(rxQueue, 16), inode }));
  }
  return { records, rejected };
}

/**
 * Reads the file from the start up to and including the first non-LISTEN row (or to EOF),
 * in one open file, in large chunks. Synchronous on purpose: procfs answers from memory,
 * each read() returns about 4 KB, and the listening section is usually a few reads; the
 * deadline bounds a pathological file.
 */
export function readListenSection(path: string, timeoutMs: number): string {
  const deadline = performance.now() + timeoutMs;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const parts: string[] = [];
    let pending = '';
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (n === 0) {
        parts.push(pending);
        return parts.join('');
      }
      total += n;
      pending += buf.toString('latin1', 0, n);
      const lastNl = pending.lastIndexOf('\n');
      if (lastNl >= 0) {
        const complete = pending.slice(0, lastNl + 1);
        pending = pending.slice(lastNl + 1);
        parts.push(complete);
        if (hasNonListenRow(complete)) return parts.join('');
      }
      if (total > MAX_BYTES) throw new Error(`${path} is larger than ${MAX_BYTES} bytes`);
      if (performance.now() > deadline) throw new Error(`reading ${path} took longer than ${timeoutMs} ms`);
    }
  } finally {
    closeSync(fd);
  }
}

function hasNonListenRow(lines: string): boolean {
  for (const line of lines.split('\n')) {
    const st = rowState(line);
    if (st !== undefined && st !== TCP_LISTEN) return true;
  }
  return false;
}
