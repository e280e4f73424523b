/**
 * Gives each socket in a group sharing family/address/port/device (an SO_REUSEPORT group)
 * its own small number: the lowest one free when the socket is first seen, kept while the
 * socket lives. Sockets of a restarted service reuse the numbers, so series continue.
 */
export class SlotAllocator {
  private readonly slotByInode = new Map<number, number>();
  private readonly usedByGroup = new Map<string, Set<number>>();
  private readonly groupByInode = new Map<number, string>();

  /**
   * Assigns slots for the sockets present now and forgets the ones that are gone. A socket
   * whose group changed (its device became known, or SO_BINDTODEVICE was set after
   * listen()) gives up its slot and gets one in its new group, so no two sockets ever
   * share a group and slot, whatever order the information arrives in.
   */
  update(sockets: ReadonlyArray<{ inode: number; group: string }>): ReadonlyMap<number, number> {
    const groupNow = new Map(sockets.map((s) => [s.inode, s.group]));
    for (const [inode, slot] of this.slotByInode) {
      if (groupNow.get(inode) === this.groupByInode.get(inode)) continue;
      const group = this.groupByInode.get(inode);
      const used = group === undefined ? undefined : this.usedByGroup.get(group);
      used?.delete(slot);
      if (group !== undefined && used?.size === 0) this.usedByGroup.delete(group);
      this.slotByInode.delete(inode);
      this.groupByInode.delete(inode);
    }
    // New sockets in inode order, so one sample's newcomers get slots deterministically.
    const fresh = sockets.filter((s) => !this.slotByInode.has(s.inode)).sort((a, b) => a.inode - b.inode);
    for (const s of fresh) {
      let used = this.usedByGroup.get(s.group);
      if (!used) {
        used = new Set();
        this.usedByGroup.set(s.group, used);
      }
      let slot = 0;
      while (used.has(slot)) slot++;
      used.add(slot);
      this.slotByInode.set(s.inode, slot);
      this.groupByInode.set(s.inode, s.group);
    }
    return this.slotByInode;
  }
}
