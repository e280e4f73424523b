/**
 * What one namespace keeps per listening socket from sample to sample: its slot, its
 * peak and full time, its device (for a fallback source that cannot see devices) and the
 * sample object last published for it. An unchanged socket keeps its object, so whatever
 * caches per socket downstream (the /metrics renderer) does no work for it.
 */
import { listenerSample, sameRecord, sampleWith } from '../listener/build.js';
import type { ListenerRecord, ListenerSample } from '../listener/fields.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import { groupKey } from './join-listeners.js';
import { PeakTracker } from './peak-tracker.js';
import { SlotAllocator } from './slot-allocator.js';
import { attributeSynRecv } from './syn-attribution.js';

/** A socket's length as a probe saw it. */
type Length = Pick<ListenerRecord, 'inode' | 'queueLength'>;

export class ListenerState {
  private readonly slots = new SlotAllocator();
  private readonly peaks: PeakTracker;
  /** Devices an exact source named, by inode, while the socket lives. */
  readonly knownDevices = new Map<number, string>();
  /** Limits at the last sample, for the probe's "full" test. */
  private limits = new Map<number, number>();
  private current: readonly ListenerSample[] = Object.freeze([]);
  /** Whether a queue was full at the last look: the probe then looks again. */
  anyFull = false;

  constructor(peakWindowMs: number, maxGapMs: number) {
    this.peaks = new PeakTracker(peakWindowMs, maxGapMs);
  }

  /** The samples for this sample's records: the exact set, each with its slot and peak. */
  build(records: readonly ListenerRecord[], synRecv: readonly SocketEndpoint[] | undefined, nowMs: number): readonly ListenerSample[] {
    const present = new Set<number>();
    const limits = new Map<number, number>();
    let anyFull = false;
    for (const r of records) {
      present.add(r.inode);
      if (r.limit === undefined) continue;
      limits.set(r.inode, r.limit);
      if (r.queueLength > r.limit) anyFull = true;
    }
    this.limits = limits;
    this.anyFull = anyFull;
    this.peaks.retain(present);
    for (const inode of this.knownDevices.keys()) if (!present.has(inode)) this.knownDevices.delete(inode);
    const slotByInode = this.slots.update(records.map((r) => ({ inode: r.inode, group: groupKey(r) })));
    const slotOf = (inode: number) => slotByInode.get(inode) ?? 0;
    const synCounts = synRecv
      ? attributeSynRecv(
          records.map((r) => ({ family: r.family, address: r.address, port: r.port, device: r.device, slot: slotOf(r.inode), inode: r.inode })),
          synRecv,
        )
      : undefined;
    const previous = new Map(this.current.map((l) => [l.inode, l]));
    this.current = Object.freeze(
      records.map((r) => {
        const { peak, fullSeconds } = this.peaks.observe(r.inode, nowMs, r.queueLength, r.limit);
        const slot = slotOf(r.inode);
        const synRecv = synCounts ? (synCounts.get(r.inode) ?? 0) : undefined;
        const before = previous.get(r.inode);
        // Most sockets are as they were: compare before building a new object.
        if (
          before &&
          before.slot === slot &&
          before.peak === peak &&
          before.fullSeconds === fullSeconds &&
          before.synRecv === synRecv &&
          before.process === undefined &&
          sameRecord(before, r)
        ) {
          return before;
        }
        return listenerSample(r, { slot, peak, fullSeconds, synRecv, process: undefined });
      }),
    );
    return this.current;
  }

  /**
   * A probe's lengths for the published sockets: the ones whose length, peak or full time
   * changed, as updated copies. Sockets born since the last sample wait for the next one.
   */
  observe(lengths: readonly Length[], published: readonly ListenerSample[], nowMs: number): Map<number, ListenerSample> {
    const updated = new Map<number, ListenerSample>();
    const shown = new Map(published.map((l) => [l.inode, l]));
    let anyFull = false;
    for (const r of lengths) {
      const before = shown.get(r.inode);
      if (!before) continue;
      const limit = this.limits.get(r.inode);
      if (limit !== undefined && r.queueLength > limit) anyFull = true;
      const { peak, fullSeconds } = this.peaks.observe(r.inode, nowMs, r.queueLength, limit);
      if (peak !== before.peak || fullSeconds !== before.fullSeconds || r.queueLength !== before.queueLength) {
        updated.set(r.inode, sampleWith(before, { queueLength: r.queueLength, peak, fullSeconds }));
      }
    }
    this.anyFull = anyFull;
    if (updated.size > 0) {
      // The published socket is usually this very object (no owner name added after the
      // sample), and then the update already is its copy: one object per change.
      this.current = Object.freeze(
        this.current.map((l) => {
          const u = updated.get(l.inode);
          if (!u) return l;
          return shown.get(l.inode) === l ? u : sampleWith(l, { queueLength: u.queueLength, peak: u.peak, fullSeconds: u.fullSeconds });
        }),
      );
    }
    return updated;
  }
}
