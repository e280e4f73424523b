/**
 * Chooses one sample's listener records. When ss answered, its dump is the set: it has
 * the limit and the device, and the /proc tables, read a few milliseconds apart, would add
 * sockets from another moment (during churn, a closed generation next to its successor).
 * When ss failed, /proc supplies the sockets and their lengths; when ss's output had lines
 * it could not parse, /proc adds the sockets ss did not give. A device learned from ss is
 * remembered per inode so a socket keeps its labels while ss is down.
 */
import type { ListenerRecord } from '../listener/fields.js';
import { recordWith } from '../listener/build.js';
import type { ParseResult } from '../sources/parse-result.js';

export function joinListeners(
  ss: ParseResult<ListenerRecord> | undefined,
  proc: readonly ListenerRecord[],
  knownDevices: ReadonlyMap<number, string>,
): ListenerRecord[] {
  if (ss && ss.rejected === 0) return [...ss.records];
  const byInode = new Map<number, ListenerRecord>();
  for (const r of ss?.records ?? []) byInode.set(r.inode, r);
  for (const r of proc) {
    if (byInode.has(r.inode)) continue;
    const device = knownDevices.get(r.inode);
    byInode.set(r.inode, device === undefined ? r : recordWith(r, { device }));
  }
  return [...byInode.values()];
}

export function groupKey(r: Pick<ListenerRecord, 'family' | 'address' | 'port' | 'device'>): string {
  return `${r.family}|${r.address}|${r.port}|${r.device ?? ''}`;
}
