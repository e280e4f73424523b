/** The cardinality guard (--max-listeners): which sockets a snapshot keeps when there are too many. */
import type { ListenerSample } from '../listener/fields.js';

/**
 * Keeps the `max` most loaded sockets: highest peak fill ratio first (peak length where the
 * limit is unknown or 0), then deepest; ties broken by identity so the choice is stable.
 */
export function capListeners(all: readonly ListenerSample[], max: number): ListenerSample[] {
  if (all.length <= max) return [...all];
  const load = (l: ListenerSample) => (l.limit ? l.peak / l.limit : l.peak);
  return [...all]
    .sort(
      (a, b) =>
        load(b) - load(a) ||
        b.queueLength - a.queueLength ||
        a.port - b.port ||
        a.address.localeCompare(b.address) ||
        a.slot - b.slot ||
        a.inode - b.inode,
    )
    .slice(0, max);
}
