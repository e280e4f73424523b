/**
 * The sampling loop: every interval, read all sources (in parallel, each bounded by its
 * timeout), merge them into one immutable snapshot and publish it. Never two samples at
 * once; a sample that overruns the interval delays the next instead of queueing more.
 *
 * Between full samples a fast probe catches bursts shorter than the interval: it reads
 * /proc/net/snmp's PassiveOpens (one small read) and only when that moved, or a queue was
 * full at the last look, re-reads the listener tables (early-stop reads) to update peaks
 * and full time. An accept queue can only grow when a handshake completes, and every
 * completed handshake increments PassiveOpens, so skipping on an unchanged counter loses
 * no growth. A probe that changed a peak, length or full time publishes a snapshot.
 */
import type { Logger } from 'pino';
import type { ListenerRecord } from '../sources/listener-record.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import type { SysctlValues } from '../sources/sysctls.js';
import { groupKey, joinListeners } from './join-listeners.js';
import { PeakTracker } from './peak-tracker.js';
import { SlotAllocator } from './slot-allocator.js';
import type { ListenerSample, Snapshot, SourceName, SourceStatus, TcpExtField } from './snapshot.js';
import { TCPEXT_FIELDS } from './snapshot.js';
import { SourceHealth } from './source-health.js';
import type { KernelSources } from './sources.js';
import { attributeSynRecv } from './syn-attribution.js';

export interface SamplerOptions {
  readonly intervalMs: number;
  /** Period of the cheap /proc probe between full samples; 0 turns it off. */
  readonly fastIntervalMs: number;
  readonly peakWindowMs: number;
  readonly synQueueEnabled: boolean;
  readonly synQueueIntervalMs: number;
  /** Cardinality guard: most sockets published per snapshot. */
  readonly maxListeners: number;
}

interface Timed<T> {
  readonly result?: T;
  readonly error?: Error;
  readonly seconds: number;
}

async function timed<T>(run: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  try {
    const result = await run();
    return { result, seconds: (performance.now() - start) / 1000 };
  } catch (err) {
    return { error: err instanceof Error ? err : new Error(String(err)), seconds: (performance.now() - start) / 1000 };
  }
}

export class Sampler {
  private readonly slots = new SlotAllocator();
  private readonly peaks: PeakTracker;
  private readonly health: SourceHealth;
  private readonly knownDevices = new Map<number, string>();
  private synRecv: { readonly at: number; readonly endpoints?: readonly SocketEndpoint[] } | undefined;
  private snapshot: Snapshot | undefined;
  private samplesTotal = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastFullStartMs: number | undefined;
  /** Limits from the last full sample, for the fast path's "full" test. */
  private limits = new Map<number, number>();
  private lastPassiveOpens: number | undefined;
  private anyFull = false;
  private lastCapWarningMs = -Infinity;

  constructor(
    private readonly sources: KernelSources,
    private readonly opts: SamplerOptions,
    private readonly log: Logger,
  ) {
    this.peaks = new PeakTracker(opts.peakWindowMs, 2 * opts.intervalMs);
    this.health = new SourceHealth(log);
  }

  latest(): Snapshot | undefined {
    return this.snapshot;
  }

  start(): void {
    const schedule = () => {
      if (this.stopped) return;
      const now = performance.now();
      let next = (this.lastFullStartMs ?? now) + this.opts.intervalMs;
      if (this.opts.fastIntervalMs > 0) next = Math.min(next, now + this.opts.fastIntervalMs);
      this.timer = setTimeout(tick, Math.max(0, next - now));
    };
    const tick = () => {
      if (this.stopped) return;
      const now = performance.now();
      // 1 ms of slack: timers fire a little early or late, and a probe just before a full
      // sample would be wasted work.
      if (this.lastFullStartMs === undefined || now - this.lastFullStartMs >= this.opts.intervalMs - 1) {
        this.lastFullStartMs = now;
        this.running = this.sampleOnce()
          .then(() => undefined)
          .catch((err: unknown) => this.log.error({ err }, 'sample failed'))
          .finally(() => {
            this.running = undefined;
            schedule();
          });
        return;
      }
      try {
        this.probe(now);
      } catch (err) {
        // The next full sample reports the failing source; a probe only logs at debug.
        this.log.debug({ err: String(err) }, 'fast probe failed');
      }
      schedule();
    };
    tick();
  }

  /** Stops the loop and waits for a sample in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  async sampleOnce(): Promise<Snapshot> {
    const nowMs = performance.now();
    const synDue =
      this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    // ss is a child process: start it first so the /proc reads overlap with it.
    const ssP = timed(() => this.sources.ssListeners());
    const synP = synDue ? timed(() => this.sources.synRecv()) : undefined;
    const tcp = await timed(() => this.sources.procTcp());
    const tcp6 = await timed(() => this.sources.procTcp6());
    const [ss, netstat, sysctls, syn] = await Promise.all([
      ssP,
      timed(() => this.sources.netstat()),
      timed(() => this.sources.sysctls()),
      synP,
    ]);

    this.health.record('ss', ss);
    this.health.record('proc_net_tcp', tcp);
    this.health.record('proc_net_tcp6', tcp6);
    this.health.record('netstat', netstat);
    const sysctlError = sysctls.result && sysctls.result.failed.length > 0 ? new Error(sysctls.result.failed.join('; ')) : undefined;
    this.health.record('sysctl', sysctlError ? { ...sysctls, error: sysctlError, result: sysctls.result } : sysctls);
    if (syn) {
      this.health.record('syn_recv', syn);
      this.synRecv = { at: nowMs, ...(syn.result ? { endpoints: syn.result.records } : {}) };
    }

    for (const r of ss.result?.records ?? []) if (r.device !== undefined) this.knownDevices.set(r.inode, r.device);
    const proc = [...(tcp.result?.records ?? []), ...(tcp6.result?.records ?? [])];
    const joined = joinListeners(ss.result, proc, this.knownDevices);
    const all = this.buildListeners(joined, performance.now());
    const listeners = capListeners(all, this.opts.maxListeners);
    const dropped = all.length - listeners.length;
    if (dropped > 0 && performance.now() - this.lastCapWarningMs >= CAP_WARNING_EVERY_MS) {
      this.lastCapWarningMs = performance.now();
      this.log.warn({ listeners: all.length, max_listeners: this.opts.maxListeners, dropped }, 'more listening sockets than --max-listeners; the least loaded are not exported');
    }

    const tcpExt = netstat.result ? pickTcpExt(netstat.result) : undefined;
    const sourceStatus: Partial<Record<SourceName, SourceStatus>> = {};
    for (const name of this.health.names()) sourceStatus[name] = this.health.status(name);

    this.samplesTotal++;
    const snap: Snapshot = Object.freeze({
      timestampSeconds: Date.now() / 1000,
      listeners: Object.freeze(listeners),
      listenerCounts: Object.freeze({
        ipv4: all.filter((l) => l.family === 'ipv4').length,
        ipv6: all.filter((l) => l.family === 'ipv6').length,
      }),
      listenersDropped: dropped,
      ...(tcpExt ? { tcpExt: Object.freeze(tcpExt) } : {}),
      sysctls: Object.freeze({ ...(sysctls.result?.values ?? {}) } as SysctlValues),
      sources: Object.freeze(sourceStatus),
      samplesTotal: this.samplesTotal,
    });
    this.snapshot = snap;
    return snap;
  }

  /** The fast path; see the class comment. Returns whether it published a snapshot. */
  probe(nowMs = performance.now()): boolean {
    const snap = this.snapshot;
    if (!snap) return false;
    const opens = this.sources.passiveOpens();
    if (opens !== undefined && opens === this.lastPassiveOpens && !this.anyFull) return false;
    this.lastPassiveOpens = opens;

    const current = new Map(snap.listeners.map((l) => [l.inode, l]));
    const updated = new Map<number, ListenerSample>();
    let anyFull = false;
    for (const family of ['ipv4', 'ipv6'] as const) {
      // A family with no listeners is not read: with no LISTEN row to stop at, the read
      // would walk every connection of the host to reach the end of the file.
      if (!snap.listeners.some((l) => l.family === family)) continue;
      for (const r of this.sources.listenersNow(family).records) {
        const before = current.get(r.inode);
        // Sockets born since the last full sample wait for it: their identity needs ss.
        if (!before) continue;
        const limit = this.limits.get(r.inode);
        if (limit !== undefined && r.depth > limit) anyFull = true;
        const { peak, fullSeconds } = this.peaks.observe(r.inode, nowMs, r.depth, limit);
        if (peak !== before.peak || fullSeconds !== before.fullSeconds || r.depth !== before.depth) {
          updated.set(r.inode, Object.freeze({ ...before, depth: r.depth, peak, fullSeconds }));
        }
      }
    }
    this.anyFull = anyFull;
    if (updated.size === 0) return false;
    this.snapshot = Object.freeze({
      ...snap,
      listeners: Object.freeze(snap.listeners.map((l) => updated.get(l.inode) ?? l)),
    });
    return true;
  }

  private buildListeners(joined: readonly ListenerRecord[], nowMs: number): ListenerSample[] {
    const present = new Set(joined.map((r) => r.inode));
    this.limits = new Map(joined.filter((r) => r.limit !== undefined).map((r) => [r.inode, r.limit!]));
    this.anyFull = joined.some((r) => r.limit !== undefined && r.depth > r.limit);
    const slotByInode = this.slots.update(joined.map((r) => ({ inode: r.inode, group: groupKey(r) })));
    this.peaks.retain(present);
    for (const inode of this.knownDevices.keys()) if (!present.has(inode)) this.knownDevices.delete(inode);

    const withSlots = joined.map((r) => ({ ...r, slot: slotByInode.get(r.inode)! }));
    const synCounts = this.synRecv?.endpoints ? attributeSynRecv(withSlots, this.synRecv.endpoints) : undefined;
    return withSlots.map((r) => {
      const { peak, fullSeconds } = this.peaks.observe(r.inode, nowMs, r.depth, r.limit);
      const sample: ListenerSample = {
        ...r,
        peak,
        fullSeconds,
        ...(synCounts ? { synRecv: synCounts.get(r.inode) ?? 0 } : {}),
      };
      return Object.freeze(sample);
    });
  }
}

const CAP_WARNING_EVERY_MS = 5 * 60_000;

/**
 * Keeps the `max` most loaded sockets: highest peak fill ratio first (peak length where the
 * limit is unknown or 0), then deepest; ties broken by identity so the choice is stable.
 */
export function capListeners(all: readonly ListenerSample[], max: number): ListenerSample[] {
  if (all.length <= max) return [...all];
  const load = (l: ListenerSample) => (l.limit ? l.peak / l.limit : l.peak);
  return [...all]
    .sort((a, b) => load(b) - load(a) || b.depth - a.depth || a.port - b.port || a.address.localeCompare(b.address) || a.slot - b.slot)
    .slice(0, max);
}

function pickTcpExt(parsed: ParseResult<{ group: string; name: string; value: number }>): Partial<Record<TcpExtField, number>> {
  const out: Partial<Record<TcpExtField, number>> = {};
  const wanted = new Set<string>(TCPEXT_FIELDS);
  for (const c of parsed.records) {
    if (c.group === 'TcpExt' && wanted.has(c.name)) out[c.name as TcpExtField] = c.value;
  }
  return out;
}
