import type { Family } from '../net/ip-address.js';

/** One listening socket as one source saw it. */
export interface ListenerRecord {
  readonly family: Family;
  /** Canonical address text (see net/ip-address.ts). */
  readonly address: string;
  readonly port: number;
  /** Interface the socket is bound to or scoped to, when the source can tell. */
  readonly device?: string;
  /** Accept-queue length. */
  readonly depth: number;
  /** Accept-queue limit; only ss knows it. */
  readonly limit?: number;
  readonly inode: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds a record field by field, leaving out optional fields that are undefined. Hot
 * paths never copy with `{ ...r, depth }`: on Node.js 20 a spread followed by more
 * properties takes V8's slow clone path, about 3 µs an object, which at 1,000 sockets was
 * most of the time spent parsing an ss run or re-reading a table in the fast probe.
 */
export function listenerRecord(f: ListenerRecord): ListenerRecord {
  const r: Mutable<ListenerRecord> = { family: f.family, address: f.address, port: f.port, depth: f.depth, inode: f.inode };
  if (f.device !== undefined) r.device = f.device;
  if (f.limit !== undefined) r.limit = f.limit;
  return r;
}

/** The record with some of its fields replaced (see listenerRecord for why not a spread). */
export function recordWith(r: ListenerRecord, c: Partial<Pick<ListenerRecord, 'depth' | 'device' | 'limit'>>): ListenerRecord {
  return listenerRecord({
    family: r.family,
    address: r.address,
    port: r.port,
    device: c.device ?? r.device,
    depth: c.depth ?? r.depth,
    limit: c.limit ?? r.limit,
    inode: r.inode,
  });
}

/** Non-negative integers only: a count that parses to anything else is a rejected line. */
export function parseCount(text: string, radix: 10 | 16 = 10): number | undefined {
  const ok = radix === 10 ? /^\d{1,15}$/.test(text) : /^[0-9A-Fa-f]{1,12}$/.test(text);
  return ok ? parseInt(text, radix) : undefined;
}
