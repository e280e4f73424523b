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

/** Non-negative integers only: a count that parses to anything else is a rejected line. */
export function parseCount(text: string, radix: 10 | 16 = 10): number | undefined {
  const ok = radix === 10 ? /^\d{1,15}$/.test(text) : /^[0-9A-Fa-f]{1,12}$/.test(text);
  return ok ? parseInt(text, radix) : undefined;
}
