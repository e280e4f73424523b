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

const TCP_FIELDS = ['PassiveOpens', 'InSegs'] as const;

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
  const values = fieldStarts(text, headEnd + 6, valuesEnd);
  const counters: { passiveOpens?: number; inSegs?: number } = {};
  for (const { name, k } of positions.find(text.slice(head + 6, headEnd), TCP_FIELDS).at) {
    const start = values[k];
    const v = start === undefined ? '' : fieldAt(text, start, valuesEnd);
    if (!/^\d{1,15}$/.test(v)) continue;
    if (name === 'PassiveOpens') counters.passiveOpens = Number(v);
    else counters.inSegs = Number(v);
  }
  return counters;
}
