/**
 * One network namespace's share of a sample: reads its sources, joins them, keeps the
 * per-socket state (slots, peaks, devices, limits) that must survive between samples, and
 * runs the fast probe for it. The Sampler owns the loop and merges namespaces.
 */
import type { Family } from '../net/ip-address.js';
import type { ListenerRecord } from '../sources/listener-record.js';
import type { KernelCounter } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import type { SysctlValues } from '../sources/sysctls.js';
import { groupKey, joinListeners } from './join-listeners.js';
import { PeakTracker } from './peak-tracker.js';
import { SlotAllocator } from './slot-allocator.js';
import type { ListenerSample, SourceName, TcpExtField } from './snapshot.js';
import { TCPEXT_FIELDS } from './snapshot.js';
import type { KernelSources } from './sources.js';
import { attributeSynRecv } from './syn-attribution.js';

export interface Timed<T> {
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

export type SourceOutcome = Timed<{ readonly rejected: number }>;

export interface NamespaceSample {
  /** Every socket, before any cap. */
  readonly listeners: ListenerSample[];
  readonly listenerCounts: Record<Family, number>;
  /** Whether the socket set of each family is known (a source that lists it answered). */
  readonly familiesKnown: Record<Family, boolean>;
  readonly tcpExt?: Partial<Record<TcpExtField, number>>;
  readonly sysctls: SysctlValues;
  readonly outcomes: Partial<Record<SourceName, SourceOutcome>>;
}

export interface NamespaceOptions {
  readonly intervalMs: number;
  readonly peakWindowMs: number;
  readonly synQueueEnabled: boolean;
  readonly synQueueIntervalMs: number;
}

export class NamespaceSampler {
  private readonly slots = new SlotAllocator();
  private readonly peaks: PeakTracker;
  private readonly knownDevices = new Map<number, string>();
  private synRecv: { readonly at: number; readonly endpoints?: readonly SocketEndpoint[] } | undefined;
  /** Limits from the last full sample, for the fast path's "full" test. */
  private limits = new Map<number, number>();
  private lastPassiveOpens: number | undefined;
  private anyFull = false;

  constructor(
    public sources: KernelSources,
    private readonly opts: NamespaceOptions,
  ) {
    this.peaks = new PeakTracker(opts.peakWindowMs, 2 * opts.intervalMs);
  }

  async sample(): Promise<NamespaceSample> {
    const nowMs = performance.now();
    const synDue =
      this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    const [ss, netstat, sysctls, syn] = await Promise.all([
      timed(() => this.sources.ssListeners()),
      timed(() => this.sources.netstat()),
      timed(() => this.sources.sysctls()),
      synDue ? timed(() => this.sources.synRecv()) : undefined,
    ]);
    // The /proc tables are the fallback for when ss fails. They are not read otherwise:
    // a namespace with few connections of its own makes the read run to the end of the
    // file, and the kernel then walks the established hash of the whole host (every
    // namespace's connections), which costs more than everything else in a sample.
    const fallback = !ss.result || ss.result.rejected > 0;
    const tcp = fallback ? await timed(() => this.sources.procTcp()) : undefined;
    const tcp6 = fallback ? await timed(() => this.sources.procTcp6()) : undefined;

    const outcomes: Partial<Record<SourceName, SourceOutcome>> = {
      ss,
      ...(tcp ? { proc_net_tcp: tcp } : {}),
      ...(tcp6 ? { proc_net_tcp6: tcp6 } : {}),
      netstat,
      sysctl:
        sysctls.result && sysctls.result.failed.length > 0
          ? { ...sysctls, error: new Error(sysctls.result.failed.join('; ')) }
          : sysctls,
    };
    if (syn) {
      outcomes.syn_recv = syn;
      this.synRecv = { at: nowMs, ...(syn.result ? { endpoints: syn.result.records } : {}) };
    }

    for (const r of ss.result?.records ?? []) if (r.device !== undefined) this.knownDevices.set(r.inode, r.device);
    const proc = [...(tcp?.result?.records ?? []), ...(tcp6?.result?.records ?? [])];
    const joined = joinListeners(ss.result, proc, this.knownDevices);
    const listeners = this.buildListeners(joined, performance.now());
    return {
      listeners,
      listenerCounts: {
        ipv4: listeners.filter((l) => l.family === 'ipv4').length,
        ipv6: listeners.filter((l) => l.family === 'ipv6').length,
      },
      familiesKnown: { ipv4: !!(ss.result || tcp?.result), ipv6: !!(ss.result || tcp6?.result) },
      ...(netstat.result ? { tcpExt: pickTcpExt(netstat.result) } : {}),
      sysctls: { ...(sysctls.result?.values ?? {}) },
      outcomes,
    };
  }

  /**
   * The fast path for this namespace: returns the published sockets whose length, peak or
   * full time changed, or an empty map when PassiveOpens says nothing can have grown.
   */
  probe(nowMs: number, published: readonly ListenerSample[]): Map<number, ListenerSample> {
    const updated = new Map<number, ListenerSample>();
    const opens = this.sources.passiveOpens();
    if (opens !== undefined && opens === this.lastPassiveOpens && !this.anyFull) return updated;
    this.lastPassiveOpens = opens;
    const current = new Map(published.map((l) => [l.inode, l]));
    let anyFull = false;
    for (const family of ['ipv4', 'ipv6'] as const) {
      // A family with no listeners is not read: with no LISTEN row to stop at, the read
      // would walk every connection of the host to reach the end of the file.
      if (!published.some((l) => l.family === family)) continue;
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
    return updated;
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

function pickTcpExt(parsed: ParseResult<KernelCounter>): Partial<Record<TcpExtField, number>> {
  const out: Partial<Record<TcpExtField, number>> = {};
  const wanted = new Set<string>(TCPEXT_FIELDS);
  for (const c of parsed.records) {
    if (c.group === 'TcpExt' && wanted.has(c.name)) out[c.name as TcpExtField] = c.value;
  }
  return out;
}
