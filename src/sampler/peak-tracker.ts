/**
 * Per socket: the largest queue length seen within the peak window, and the time the queue
 * was observed full. Times are monotonic (performance.now), so wall-clock jumps cannot
 * corrupt either.
 */
interface SocketState {
  /** (time, queueLength) pairs with strictly decreasing queueLength: the front is the window's max. */
  readonly times: number[];
  readonly depths: number[];
  lastObservedMs: number;
  /** Whether the queue was full at lastObservedMs. */
  wasFull: boolean;
  fullSeconds: number;
}

interface PeakObservation {
  readonly peak: number;
  readonly fullSeconds: number;
}

export class PeakTracker {
  private readonly sockets = new Map<number, SocketState>();

  /**
   * @param windowMs how long a queueLength counts towards the peak
   * @param maxGapMs the longest time between two observations credited as "full"; a
   *   stalled sampler must not turn one full observation into minutes of fullness
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxGapMs: number,
  ) {}

  observe(inode: number, nowMs: number, queueLength: number, limit: number | undefined): PeakObservation {
    let s = this.sockets.get(inode);
    if (!s) {
      s = { times: [], depths: [], lastObservedMs: nowMs, wasFull: false, fullSeconds: 0 };
      this.sockets.set(inode, s);
    }
    // The kernel's own test for a full accept queue: sk_ack_backlog > sk_max_ack_backlog.
    const full = limit !== undefined && queueLength > limit;
    // Between two observations the queue's state is known only at the ends: a gap that is
    // full at both ends counts whole, one that changes state counts half (the change is
    // as likely early as late), so a burst is credited its length on average whatever the
    // probe period, rather than rounded up to whole gaps.
    const wasFull = s.wasFull;
    const gapSeconds = Math.min(Math.max(nowMs - s.lastObservedMs, 0), this.maxGapMs) / 1000;
    if (full && wasFull) s.fullSeconds += gapSeconds;
    else if (full !== wasFull) s.fullSeconds += gapSeconds / 2;
    s.wasFull = full;
    s.lastObservedMs = nowMs;
    // Entries this queueLength outranks can never be the window's max again.
    while (s.depths.length > 0) {
      const last = s.depths[s.depths.length - 1];
      if (last === undefined || last > queueLength) break;
      s.depths.pop();
      s.times.pop();
    }
    s.depths.push(queueLength);
    s.times.push(nowMs);
    const cutoff = nowMs - this.windowMs;
    // Entries older than the window go, except the newest (this observation).
    let drop = 0;
    while (drop < s.times.length - 1) {
      const t = s.times[drop];
      if (t === undefined || t >= cutoff) break;
      drop++;
    }
    if (drop > 0) {
      s.times.splice(0, drop);
      s.depths.splice(0, drop);
    }
    const peak = s.depths[0] ?? queueLength;
    return { peak, fullSeconds: s.fullSeconds };
  }

  /** Forgets sockets that are gone, so their state cannot leak. */
  retain(present: ReadonlySet<number>): void {
    for (const inode of this.sockets.keys()) {
      if (present.has(inode)) continue;
      this.sockets.delete(inode);
    }
  }
}
