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

export interface TcpCounters {
  readonly passiveOpens?: number;
  readonly inSegs?: number;
}

/** The two counters from /proc/net/snmp text; each undefined if absent or malformed. */
export function parseTcpCounters(text: string): TcpCounters {
  // Only the two `Tcp:` lines matter; this runs at every fast probe, so no general parse.
  const head = text.indexOf('\nTcp: ');
  if (head < 0) return {};
  const headEnd = text.indexOf('\n', head + 1);
  const valuesEnd = text.indexOf('\n', headEnd + 1);
  if (headEnd < 0) return {};
  const values = text.slice(headEnd + 1, valuesEnd < 0 ? undefined : valuesEnd);
  if (!values.startsWith('Tcp: ')) return {};
  const names = text.slice(head + 6, headEnd).trim().split(/\s+/);
  const fields = values.slice(5).trim().split(/\s+/);
  const field = (name: string): number | undefined => {
    const v = fields[names.indexOf(name)];
    return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  };
  const passiveOpens = field('PassiveOpens');
  const inSegs = field('InSegs');
  return { ...(passiveOpens !== undefined ? { passiveOpens } : {}), ...(inSegs !== undefined ? { inSegs } : {}) };
}
