/**
 * Joins one sample's listener records across sources by socket inode. ss wins for depth
 * and limit; /proc fills in sockets ss did not report (ss down, or a socket born between
 * the two reads). A device learned from ss is remembered per inode so a socket keeps its
 * labels while ss is down.
 */
import type { ListenerRecord } from '../sources/listener-record.js';

export function joinListeners(
  ss: readonly ListenerRecord[] | undefined,
  proc: readonly ListenerRecord[],
  knownDevices: ReadonlyMap<number, string>,
): ListenerRecord[] {
  const byInode = new Map<number, ListenerRecord>();
  for (const r of ss ?? []) byInode.set(r.inode, r);
  for (const r of proc) {
    if (byInode.has(r.inode)) continue;
    const device = knownDevices.get(r.inode);
    byInode.set(r.inode, device === undefined ? r : { ...r, device });
  }
  return [...byInode.values()];
}

export function groupKey(r: Pick<ListenerRecord, 'family' | 'address' | 'port' | 'device'>): string {
  return `${r.family}|${r.address}|${r.port}|${r.device ?? ''}`;
}
