/**
 * `ss -tnmHeO state listening`: per listening socket its queue length (Recv-Q), its limit
 * (Send-Q), local address with optional %device, the socket inode (`ino:`) and, from
 * `skmem:(...,d<N>)`, its drops. The fallback when sock_diag cannot be asked in-process.
 */
import { canonicalIp, type Family } from '../net/ip-address.js';
import type { ListenerRecord } from '../listener/fields.js';
import { listenerRecord } from '../listener/build.js';
import { parseCount } from './parse-count.js';
import { parseMemo } from './parse-memo.js';
import type { ParseResult } from './parse-result.js';
import { type CommandLine, runCommand } from './run-command.js';

// -m adds skmem (drops); -O keeps it on the socket's own line.
export const SS_LISTENING_ARGS = ['-tnmHeO', 'state', 'listening'] as const;

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
  // An interface name may hold any byte but '/', ':', NUL and white space, '%' and ']'
  // included, so the device is everything after the address: after the first ']' of a
  // bracketed IPv6 address (whose own text has none) or the first '%' otherwise.
  let host = text.slice(0, colon);
  let device: string | undefined;
  let family: Family;
  let address: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0) return undefined;
    const rest = host.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith('%') || rest.length === 1) return undefined;
      device = rest.slice(1);
    }
    family = 'ipv6';
    address = canonical(host.slice(1, close));
    if (address !== undefined && !address.includes(':')) return undefined;
  } else {
    const pct = host.indexOf('%');
    if (pct >= 0) {
      device = host.slice(pct + 1);
      host = host.slice(0, pct);
      if (device === '') return undefined;
    }
    if (host === '*') {
      family = 'ipv6';
      address = '::';
    } else {
      family = 'ipv4';
      address = canonical(host);
      if (address !== undefined && address.includes(':')) return undefined;
    }
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
    const queueLength = parseCount(fields[0] ?? '');
    const limit = parseCount(fields[1] ?? '');
    const local = parseSsEndpoint(fields[2] ?? '', canonical);
    const extras = fields.slice(4);
    const inodeField = extras.find((f) => f.startsWith('ino:'));
    const inode = inodeField === undefined ? undefined : parseCount(inodeField.slice(4));
    const skmem = extras.find((f) => f.startsWith('skmem:('));
    const dropsText = skmem === undefined ? undefined : /[(,]d(\d+)[,)]/.exec(skmem)?.[1];
    const drops = dropsText === undefined ? undefined : parseCount(dropsText);
    if (queueLength === undefined || limit === undefined || local === undefined || !inode || (skmem !== undefined && drops === undefined)) {
      rejected++;
      continue;
    }
    records.push(
      listenerRecord({ family: local.family, address: local.address, port: local.port, device: local.device, queueLength, limit, inode, drops }),
    );
  }
  return { records, rejected };
}

/**
 * Where netlink is refused, ss falls back to /proc/net/tcp on its own and still exits 0,
 * printing the tx queue (0) as Send-Q and no skmem. Its limits would then all read 0, so
 * such an answer is a failure: the caller's own /proc fallback gives the same lengths
 * without claiming a limit.
 */
export function requireNetlinkAnswer(parsed: ParseResult<ListenerRecord>): ParseResult<ListenerRecord> {
  if (parsed.records.length > 0 && parsed.records.every((r) => r.drops === undefined)) {
    throw new Error('ss answered from /proc, without netlink (no skmem): its Send-Q is not the accept-queue limit');
  }
  return parsed;
}

/**
 * @param command ss itself, or a prefix that runs it in another network namespace
 *   (`nsenter -t PID -n -- ss`); always a fixed argv, never a shell
 */
export async function readSsListeners(command: CommandLine, timeoutMs: number): Promise<ParseResult<ListenerRecord>> {
  const [file, ...prefix] = command;
  const out = await runCommand(file, [...prefix, ...SS_LISTENING_ARGS], { timeoutMs });
  return requireNetlinkAnswer(parseSsListeners(out));
}
