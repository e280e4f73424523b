/**
 * /proc/net/snmp `Tcp: PassiveOpens`: moves whenever a connection completes its handshake
 * at a listener, i.e. whenever any accept queue can have grown. One small read tells the
 * fast path whether reading the listener tables could show anything new.
 */

/** The PassiveOpens counter from /proc/net/snmp text, or undefined if absent. */
export function parsePassiveOpens(text: string): number | undefined {
  // Only the two `Tcp:` lines matter; this runs at every fast probe, so no general parse.
  const head = text.indexOf('\nTcp: ');
  if (head < 0) return undefined;
  const headEnd = text.indexOf('\n', head + 1);
  const valuesEnd = text.indexOf('\n', headEnd + 1);
  if (headEnd < 0) return undefined;
  const names = text.slice(head + 6, headEnd).trim().split(/\s+/);
  const values = text.slice(headEnd + 1, valuesEnd < 0 ? undefined : valuesEnd);
  if (!values.startsWith('Tcp: ')) return undefined;
  const i = names.indexOf('PassiveOpens');
  const v = values.slice(5).trim().split(/\s+/)[i];
  return i >= 0 && v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}
