/**
 * `ss -tnHe state listening`: per listening socket its queue length (Recv-Q), its limit
 * (Send-Q), local address with optional %device, and the socket inode (`ino:`).
 */
import { canonicalIp, type Family } from '../net/ip-address.js';
import { type ListenerRecord, listenerRecord, parseCount } from './listener-record.js';
import { parseMemo } from './parse-memo.js';
import type { ParseResult } from './parse-result.js';
import { runCommand } from './run-command.js';

export const SS_LISTENING_ARGS = ['-tnHe', 'state', 'listening'] as const;

export interface SocketEndpoint {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly device?: string;
}

/**
 * Parses ss's local-address column: `0.0.0.0:80`, `0.0.0.0%lo:80`, `[::1]:80`,
 * `[fe80::1]%eth0:80`, `*:80` (IPv6 wildcard, dual stack), `[::ffff:127.0.0.1]:80`.
 * @param canonical how an address text is made canonical; a parse of many lines passes
 *   a memo of canonicalIp
 */
export function parseSsEndpoint(text: string, canonical: (ip: string) => string | undefined = canonicalIp): SocketEndpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = parseCount(text.slice(colon + 1));
  if (port === undefined || port > 65535) return undefined;
  let host = text.slice(0, colon);
  let device: string | undefined;
  const pct = host.lastIndexOf('%');
  if (pct >= 0 && pct > host.lastIndexOf(']')) {
    device = host.slice(pct + 1);
    host = host.slice(0, pct);
    if (device === '') return undefined;
  }
  let family: Family;
  let address: string | undefined;
  if (host === '*') {
    family = 'ipv6';
    address = '::';
  } else if (host.startsWith('[') && host.endsWith(']')) {
    family = 'ipv6';
    address = canonical(host.slice(1, -1));
    if (address !== undefined && !address.includes(':')) return undefined;
  } else {
    family = 'ipv4';
    address = canonical(host);
    if (address !== undefined && address.includes(':')) return undefined;
  }
  if (address === undefined) return undefined;
  return device === undefined ? { family, address, port } : { family, address, port, device };
}

export function parseSsListeners(text: string): ParseResult<ListenerRecord> {
  const records: ListenerRecord[] = [];
  const canonical = parseMemo(canonicalIp);
  let rejected = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    // Tolerate the State column that ss prints when asked with -l instead of a state filter.
    if (fields[0] === 'LISTEN') fields.shift();
    const depth = parseCount(fields[0] ?? '');
    const limit = parseCount(fields[1] ?? '');
    const local = parseSsEndpoint(fields[2] ?? '', canonical);
    const inodeField = fields.slice(4).find((f) => f.startsWith('ino:'));
    const inode = inodeField === undefined ? undefined : parseCount(inodeField.slice(4));
    if (depth === undefined || limit === undefined || local === undefined || !inode) {
      rejected++;
      continue;
    }
    records.push(
      listenerRecord({ family: local.family, address: local.address, port: local.port, device: local.device, depth, limit, inode }),
    );
  }
  return { records, rejected };
}

/**
 * @param command ss itself, or a prefix that runs it in another network namespace
 *   (`nsenter -t PID -n -- ss`); always a fixed argv, never a shell
 */
export async function readSsListeners(command: readonly string[], timeoutMs: number): Promise<ParseResult<ListenerRecord>> {
  const [file, ...prefix] = command;
  const out = await runCommand(file!, [...prefix, ...SS_LISTENING_ARGS], { timeoutMs });
  return parseSsListeners(out);
}
