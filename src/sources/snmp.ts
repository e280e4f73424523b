/**
 * /proc/net/snmp's `Tcp:` counters that tell the sampler what can have changed since it
 * last looked:
 * - PassiveOpens moves whenever a connection completes its handshake at a listener, i.e.
 *   whenever any accept queue can have grown;
 * - InSegs moves with every TCP segment the namespace receives, so a SYN queue that was
 *   empty stays empty while it stands still.
 * One small read, at every fast probe, tells whether reading the listeners could show
 * anything new.
 */

import { FieldPositions, fieldAt, fieldStarts } from './line-fields.js';

export interface TcpCounters {
  readonly passiveOpens?: number;
  readonly inSegs?: number;
}

/**
 * The two counters from /proc/net/snmp text; each undefined if absent or malformed.
 * @param positions where the fields stand, kept by a reader from read to read
 */
export function parseTcpCounters(text: string, positions = new FieldPositions()): TcpCounters {
  // Only the two `Tcp:` lines matter; this runs at every fast probe, so no general parse.
  const head = text.indexOf('\nTcp: ');
  if (head < 0) return {};
  const headEnd = text.indexOf('\n', head + 1);
  if (headEnd < 0 || !text.startsWith('Tcp: ', headEnd + 1)) return {};
  const next = text.indexOf('\n', headEnd + 1);
  const valuesEnd = next < 0 ? text.length : next;
  const names = text.slice(head + 6, headEnd);
  const values = fieldStarts(text, headEnd + 6, valuesEnd);
  const field = (name: string): number | undefined => {
    const start = values[positions.indexOf(names, name)];
    if (start === undefined) return undefined;
    const v = fieldAt(text, start, valuesEnd);
    return /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  };
  const passiveOpens = field('PassiveOpens');
  const inSegs = field('InSegs');
  return { ...(passiveOpens !== undefined ? { passiveOpens } : {}), ...(inSegs !== undefined ? { inSegs } : {}) };
}
