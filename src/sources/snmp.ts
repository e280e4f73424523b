/**
 * /proc/net/snmp `Tcp: PassiveOpens`: moves whenever a connection completes its handshake
 * at a listener, i.e. whenever any accept queue can have grown. One small read tells the
 * fast path whether reading the listener tables could show anything new.
 */
import { readFileSync } from 'node:fs';
import { parseNetstat } from './netstat.js';

/** The PassiveOpens counter from /proc/net/snmp text, or undefined if absent. */
export function parsePassiveOpens(text: string): number | undefined {
  return parseNetstat(text).records.find((r) => r.group === 'Tcp' && r.name === 'PassiveOpens')?.value;
}

/** Synchronous: procfs answers from memory and the file is about 1.5 KB. */
export function readPassiveOpens(path: string): number | undefined {
  return parsePassiveOpens(readFileSync(path, 'latin1'));
}
