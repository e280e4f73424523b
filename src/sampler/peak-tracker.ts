/**
 * Per socket: the largest queue length seen within the peak window, and the time the queue
 * was observed full. Times are monotonic (performance.now), so wall-clock jumps cannot
 * corrupt either.
 */
interface SocketState {
  /** (time, depth) pairs with strictly decreasing depth: the front is the window's max. */
  readonly times: number[];
  readonly depths: number[];
  lastObservedMs: number;
  fullSeconds: number;
}

interface PeakObservation {
  readonly peak: number;
  readonly fullSeconds: number;
}

export class PeakTracker {
  private readonly sockets = new Map<number, SocketState>();

  /**
   * @param windowMs how long a depth counts towards the peak
   * @param maxGapMs the longest time between two observations credited as "full"; a
   *   stalled sampler must not turn one full observation into minutes of fullness
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxGapMs: number,
  ) {}

  observe(inode: number, nowMs: number, depth: number, limit: number | undefined): PeakObservation {
    let s = this.sockets.get(inode);
    if (!s) {
      s = { times: [], depths: [], lastObservedMs: nowMs, fullSeconds: 0 };
      this.sockets.set(inode, s);
    }
    // The kernel's own test for a full accept queue: sk_ack_backlog > sk_max_ack_backlog.
    if (limit !== undefined && depth > limit) {
      s.fullSeconds += Math.min(Math.max(nowMs - s.lastObservedMs, 0), this.maxGapMs) / 1000;
    }
    s.lastObservedMs = nowMs;
    while (s.depths.length > 0 && s.depths[s.depths.length - 1]! <= depth) {
      s.depths.pop();
      s.times.pop();
    }
    s.depths.push(depth);
    s.times.push(nowMs);
    const cutoff = nowMs - this.windowMs;
    let drop = 0;
    while (drop < s.times.length - 1 && s.times[drop]! < cutoff) drop++;
    if (drop > 0) {
      s.times.splice(0, drop);
      s.depths.splice(0, drop);
    }
    return { peak: s.depths[0]!, fullSeconds: s.fullSeconds };
  }

  /** Forgets sockets that are gone, so their state cannot leak. */
  retain(present: ReadonlySet<number>): void {
    for (const inode of this.sockets.keys()) if (!present.has(inode)) this.sockets.delete(inode);
  }
}
