/**
 * Gives each socket in a group sharing family/address/port/device (an SO_REUSEPORT group)
 * its own small number: the lowest one free when the socket is first seen, kept while the
 * socket lives. Sockets of a restarted service reuse the numbers, so series continue.
 */
export class SlotAllocator {
  private readonly slotByInode = new Map<number, number>();
  private readonly usedByGroup = new Map<string, Set<number>>();
  private readonly groupByInode = new Map<number, string>();

  /** Assigns slots for the sockets present now and forgets the ones that are gone. */
  update(sockets: ReadonlyArray<{ inode: number; group: string }>): ReadonlyMap<number, number> {
    const present = new Set(sockets.map((s) => s.inode));
    for (const [inode, slot] of this.slotByInode) {
      if (present.has(inode)) continue;
      const group = this.groupByInode.get(inode)!;
      const used = this.usedByGroup.get(group)!;
      used.delete(slot);
      if (used.size === 0) this.usedByGroup.delete(group);
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
