/**
 * The status page's listener list: every listener of every namespace, fullest first.
 * Fill is the length now against the limit (the question during an incident is what is
 * full now; the peak is shown beside it). A limit of 0 is full as soon as one connection
 * waits, as the kernel's own test (length > limit) says.
 */
import type { ListenerSample } from '../listener/fields.js';
import type { Snapshot } from '../sampler/snapshot.js';

/** Fill from which a row is marked: the saturation alert's threshold (a test keeps them equal). */
export const WARN_FILL = 0.9;

export interface ListenerRow {
  readonly sample: ListenerSample;
  /** The namespace's labels (netns, pod_uid, container_id); empty in the default mode. */
  readonly namespace: Readonly<Record<string, string>>;
  /** length / limit; undefined when the limit is unknown (ss unavailable). */
  readonly fill: number | undefined;
  readonly peakFill: number | undefined;
  /** length > limit: the kernel drops new handshakes for this socket. */
  readonly full: boolean;
}

function ratio(value: number, limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (limit === 0) return value > 0 ? Infinity : 0;
  return value / limit;
}

/**
 * Fill, then length, then peak fill; ties in a fixed order so the page does not shuffle.
 * Two full limit-0 sockets give Infinity - Infinity = NaN, which `||` passes over like 0.
 */
function compare(a: ListenerRow, b: ListenerRow): number {
  return (
    (b.fill ?? 0) - (a.fill ?? 0) ||
    b.sample.queueLength - a.sample.queueLength ||
    (b.peakFill ?? 0) - (a.peakFill ?? 0) ||
    b.sample.fullSeconds - a.sample.fullSeconds ||
    a.sample.port - b.sample.port ||
    a.sample.address.localeCompare(b.sample.address) ||
    (a.sample.device ?? '').localeCompare(b.sample.device ?? '') ||
    a.sample.slot - b.sample.slot ||
    a.sample.inode - b.sample.inode
  );
}

export function listenerRows(snap: Snapshot): ListenerRow[] {
  const rows: ListenerRow[] = [];
  for (const ns of snap.namespaces) {
    for (const sample of ns.listeners) {
      rows.push({
        sample,
        namespace: ns.labels,
        fill: ratio(sample.queueLength, sample.limit),
        peakFill: ratio(sample.peak, sample.limit),
        full: sample.limit !== undefined && sample.queueLength > sample.limit,
      });
    }
  }
  return rows.sort(compare);
}
