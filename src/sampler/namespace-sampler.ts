/**
 * One network namespace's share of a sample: reads its sources, joins them, keeps the
 * per-socket state (slots, peaks, devices, limits) that must survive between samples, and
 * runs the fast probe for it. The Sampler owns the loop and merges namespaces.
 */
import type { Family } from '../net/ip-address.js';
import { type ListenerRecord, recordWith } from '../sources/listener-record.js';
import type { KernelCounter } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import type { SysctlReadResult, SysctlValues } from '../sources/sysctls.js';
import { groupKey, joinListeners } from './join-listeners.js';
import { PeakTracker } from './peak-tracker.js';
import { SlotAllocator } from './slot-allocator.js';
import { listenerSample, sampleWith } from './listener-sample.js';
import type { ListenerSample, SourceName, TcpExtField } from './snapshot.js';
import { TCPEXT_FIELDS } from './snapshot.js';
import type { TcpInUse } from '../sources/sockstat.js';
import type { KernelSources } from './sources.js';
import { attributeSynRecv } from './syn-attribution.js';

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

export type SourceOutcome = Timed<{ readonly rejected: number }>;

export interface NamespaceSample {
  /** Every socket, before any cap. */
  readonly listeners: readonly ListenerSample[];
  readonly listenerCounts: Record<Family, number>;
  /** Whether the socket set of each family is known (a source that lists it answered). */
  readonly familiesKnown: Record<Family, boolean>;
  readonly tcpExt?: Partial<Record<TcpExtField, number>>;
  readonly sysctls: SysctlValues;
  readonly outcomes: Partial<Record<SourceName, SourceOutcome>>;
}

interface NamespaceOptions {
  readonly intervalMs: number;
  /** How often ss runs when nothing else calls for it; 0 runs it at every sample. */
  readonly ssIntervalMs: number;
  readonly peakWindowMs: number;
  readonly synQueueEnabled: boolean;
  readonly synQueueIntervalMs: number;
}

/** What one sample read (or skipped) for the listeners. */
interface ListenerReads {
  tcp?: Timed<ParseResult<ListenerRecord>>;
  tcp6?: Timed<ParseResult<ListenerRecord>>;
  ss?: Timed<ParseResult<ListenerRecord>>;
  syn?: Timed<ParseResult<SocketEndpoint>>;
  /** Families whose table was not read because it could only show what it showed before. */
  readonly synthesized: Record<Family, boolean>;
  /** The listeners of a sample that read nothing: set on the quiet path only. */
  quiet?: readonly ListenerSample[];
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
  /** Sockets as the last successful ss run described them; undefined until one succeeds. */
  private ssIdentity: Map<number, ListenerRecord> | undefined;
  private lastSsMs = -Infinity;
  private lastJoined: readonly ListenerRecord[] = [];
  /** Per family at the last build: how many sockets, and whether all their queues were empty. */
  private joinedCount: Record<Family, number> = { ipv4: 0, ipv6: 0 };
  private joinedAllEmpty: Record<Family, boolean> = { ipv4: true, ipv6: true };
  /**
   * The listeners last returned, kept in step with the fast probe. Unchanged sockets keep
   * their object from sample to sample, so whatever caches per socket downstream (the
   * /metrics renderer) does no work for them.
   */
  private built: readonly ListenerSample[] = Object.freeze([]);
  private lastInUse: TcpInUse | undefined;
  /** PassiveOpens at the last sample that looked at the tables. */
  private sampleOpens: number | undefined;

  constructor(
    public sources: KernelSources,
    private readonly opts: NamespaceOptions,
  ) {
    this.peaks = new PeakTracker(opts.peakWindowMs, 2 * opts.intervalMs);
  }

  /** One sample of this namespace: the listeners (quiet, from the tables, or from ss), then the rest. */
  async sample(): Promise<NamespaceSample> {
    const nowMs = performance.now();
    const synDue =
      this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    const othersP = Promise.all([timed(() => this.sources.netstat()), timed(() => this.sources.sysctls())]);
    const reads = await this.readListeners(nowMs, synDue);
    const [netstat, sysctls] = await othersP;
    return this.assemble(nowMs, reads, netstat, sysctls);
  }

  /**
   * Between ss runs the lengths come from the /proc tables (a read that stops at the
   * first connection row, far cheaper than starting a process), with each socket's limit
   * and device from the last ss run. A family with no TCP socket at all is not read:
   * with no row to stop at, the read would walk every connection of the host. ss runs
   * every --ss.interval, and at once when /proc shows a socket ss has not described yet.
   * When a family's socket count equals its listener count at the last sample and no
   * handshake completed since (PassiveOpens unchanged), no other socket exists, so no
   * connection can be waiting in any queue: the listeners are as before with length 0,
   * and the table (which would be read to its end) is not read.
   */
  private async readListeners(nowMs: number, synDue: boolean): Promise<ListenerReads> {
    const reads: ListenerReads = { synthesized: { ipv4: false, ipv6: false } };
    // SYN_RECV comes from an ss run that also dumps the listeners, so that run counts as
    // the ss run too: one process start for both.
    let ssDue =
      synDue ||
      this.ssIdentity === undefined ||
      this.opts.ssIntervalMs === 0 ||
      nowMs - this.lastSsMs >= this.opts.ssIntervalMs;
    if (!ssDue) {
      const inUse = this.quietCheck(reads);
      if (this.asBefore(reads, inUse, 'ipv4') && this.asBefore(reads, inUse, 'ipv6')) {
        // The common idle case: same sockets, all queues empty, nothing else to merge in.
        reads.quiet = this.quietListeners(nowMs);
        return reads;
      }
      ssDue = await this.readTables(reads, inUse);
    }
    if (ssDue) await this.runSs(nowMs, synDue, reads);
    return reads;
  }

  /** Which families are known unchanged and empty without reading their table. */
  private quietCheck(reads: ListenerReads): TcpInUse {
    const inUse = this.sources.tcpInUse();
    const opens = this.safePassiveOpens();
    const quiet = opens !== undefined && opens === this.sampleOpens;
    this.sampleOpens = opens;
    // Nothing can have entered a queue without a completed handshake (PassiveOpens), so
    // when none moved, queues that were all empty are still empty; an unchanged socket
    // count says the set is the same (a periodic ss run corrects the rare swap).
    const before = this.lastInUse;
    this.lastInUse = inUse;
    const unchanged = (family: Family) =>
      quiet &&
      (inUse[family] === this.joinedCount[family] || (inUse[family] === before?.[family] && this.joinedAllEmpty[family]));
    reads.synthesized.ipv4 = inUse.ipv4 > 0 && unchanged('ipv4');
    reads.synthesized.ipv6 = inUse.ipv6 > 0 && unchanged('ipv6');
    return inUse;
  }

  private asBefore(reads: ListenerReads, inUse: TcpInUse, family: Family): boolean {
    return reads.synthesized[family] || (inUse[family] === 0 && this.joinedCount[family] === 0);
  }

  /** Reads (or synthesizes) the tables; returns whether ss must run now. */
  private async readTables(reads: ListenerReads, inUse: TcpInUse): Promise<boolean> {
    const idle = (family: Family): Timed<ParseResult<ListenerRecord>> => ({
      result: { records: this.lastJoined.filter((r) => r.family === family).map((r) => recordWith(r, { depth: 0 })), rejected: 0 },
      seconds: 0,
    });
    if (inUse.ipv4 > 0) reads.tcp = reads.synthesized.ipv4 ? idle('ipv4') : await timed(() => this.sources.procTcp());
    if (inUse.ipv6 > 0) reads.tcp6 = reads.synthesized.ipv6 ? idle('ipv6') : await timed(() => this.sources.procTcp6());
    const known = this.ssIdentity!;
    return (
      !!reads.tcp?.error ||
      !!reads.tcp6?.error ||
      [...(reads.tcp?.result?.records ?? []), ...(reads.tcp6?.result?.records ?? [])].some((r) => !known.has(r.inode))
    );
  }

  private async runSs(nowMs: number, synDue: boolean, reads: ListenerReads): Promise<void> {
    let ss: Timed<ParseResult<ListenerRecord>>;
    if (synDue) {
      const both = await timed(() => this.sources.ssWithSynRecv());
      ss = { result: both.result?.listeners, error: both.error, seconds: both.seconds };
      reads.syn = { result: both.result?.synRecv, error: both.error, seconds: both.seconds };
    } else {
      ss = await timed(() => this.sources.ssListeners());
    }
    this.lastSsMs = nowMs;
    if (!ss.result || ss.result.rejected > 0) {
      // ss failed: /proc is the fallback for the socket set, and limits are unknown.
      reads.tcp ??= await timed(() => this.sources.procTcp());
      reads.tcp6 ??= await timed(() => this.sources.procTcp6());
    }
    if (ss.result) {
      const records = internRecords(ss.result.records, this.ssIdentity);
      ss = { ...ss, result: { ...ss.result, records } };
      // An unchanged socket set keeps the same map: long-lived objects that are replaced
      // by equal copies every run end up as old-generation garbage.
      if (!(this.ssIdentity?.size === records.length && records.every((r) => this.ssIdentity!.get(r.inode) === r))) {
        this.ssIdentity = new Map(records.map((r) => [r.inode, r]));
      }
    } else {
      this.ssIdentity = undefined;
    }
    reads.ss = ss;
  }

  private assemble(
    nowMs: number,
    reads: ListenerReads,
    netstat: Timed<ParseResult<KernelCounter>>,
    sysctls: Timed<SysctlReadResult>,
  ): NamespaceSample {
    const { ss, tcp, tcp6, syn, synthesized } = reads;
    const outcomes: Partial<Record<SourceName, SourceOutcome>> = {
      ...(ss ? { ss } : {}),
      ...(tcp && !synthesized.ipv4 ? { proc_net_tcp: tcp } : {}),
      ...(tcp6 && !synthesized.ipv6 ? { proc_net_tcp6: tcp6 } : {}),
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
    const listeners = reads.quiet ?? this.join(reads);
    const listenerCounts = { ipv4: 0, ipv6: 0 };
    for (const l of listeners) listenerCounts[l.family]++;
    return {
      listeners,
      listenerCounts,
      // A table skipped because the family has no TCP socket is known to be empty.
      familiesKnown: {
        ipv4: !!(ss?.result || tcp?.result || (!ss && !tcp)),
        ipv6: !!(ss?.result || tcp6?.result || (!ss && !tcp6)),
      },
      ...(netstat.result ? { tcpExt: pickTcpExt(netstat.result) } : {}),
      sysctls: { ...(sysctls.result?.values ?? {}) },
      outcomes,
    };
  }

  private join({ ss, tcp, tcp6 }: ListenerReads): readonly ListenerSample[] {
    for (const r of ss?.result?.records ?? []) if (r.device !== undefined) this.knownDevices.set(r.inode, r.device);
    const proc = [...(tcp?.result?.records ?? []), ...(tcp6?.result?.records ?? [])];
    const joined = ss ? joinListeners(ss.result, proc, this.knownDevices) : withIdentity(proc, this.ssIdentity!);
    this.lastJoined = joined;
    for (const family of ['ipv4', 'ipv6'] as const) {
      this.joinedCount[family] = 0;
      this.joinedAllEmpty[family] = true;
    }
    for (const r of joined) {
      this.joinedCount[r.family]++;
      if (r.depth > 0) this.joinedAllEmpty[r.family] = false;
    }
    return this.buildListeners(joined, performance.now());
  }

  /**
   * The listeners of a sample that read no table: the same sockets as before, every queue
   * empty. Only sockets with a peak still in the window are looked at; when there is none
   * the previous array itself is returned.
   */
  private quietListeners(nowMs: number): readonly ListenerSample[] {
    this.peaks.observeAllEmpty(nowMs);
    const busy = this.peaks.busyInodes();
    if (busy.size === 0 && this.joinedAllEmpty.ipv4 && this.joinedAllEmpty.ipv6) return this.built;
    let changed = false;
    const next = this.built.map((l) => {
      if (!busy.has(l.inode) && l.depth === 0) return l;
      const { peak, fullSeconds } = this.peaks.observe(l.inode, nowMs, 0, l.limit);
      if (l.depth === 0 && peak === l.peak && fullSeconds === l.fullSeconds) return l;
      changed = true;
      return sampleWith(l, { depth: 0, peak, fullSeconds });
    });
    for (const family of ['ipv4', 'ipv6'] as const) this.joinedAllEmpty[family] = true;
    if (changed) this.built = Object.freeze(next);
    return this.built;
  }

  private safePassiveOpens(): number | undefined {
    try {
      return this.sources.passiveOpens();
    } catch {
      return undefined;
    }
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
          updated.set(r.inode, sampleWith(before, { depth: r.depth, peak, fullSeconds }));
        }
      }
    }
    this.anyFull = anyFull;
    if (updated.size > 0) {
      // The published socket is usually this very object (no owner name added after the
      // sample), and then the update already is its copy: one object per change, which
      // the /metrics renderer's per-socket cache sees again at the next quiet sample.
      this.built = Object.freeze(
        this.built.map((l) => {
          const u = updated.get(l.inode);
          if (!u) return l;
          return current.get(l.inode) === l ? u : sampleWith(l, { depth: u.depth, peak: u.peak, fullSeconds: u.fullSeconds });
        }),
      );
      for (const u of updated.values()) if (u.depth > 0) this.joinedAllEmpty[u.family] = false;
    }
    return updated;
  }

  private buildListeners(joined: readonly ListenerRecord[], nowMs: number): readonly ListenerSample[] {
    const present = new Set(joined.map((r) => r.inode));
    this.limits = new Map(joined.filter((r) => r.limit !== undefined).map((r) => [r.inode, r.limit!]));
    this.anyFull = joined.some((r) => r.limit !== undefined && r.depth > r.limit);
    const slotByInode = this.slots.update(joined.map((r) => ({ inode: r.inode, group: groupKey(r) })));
    this.peaks.retain(present);
    for (const inode of this.knownDevices.keys()) if (!present.has(inode)) this.knownDevices.delete(inode);

    const synEndpoints = this.synRecv?.endpoints;
    const synCounts = synEndpoints
      ? attributeSynRecv(
          joined.map((r) => ({ family: r.family, address: r.address, port: r.port, device: r.device, slot: slotByInode.get(r.inode)!, inode: r.inode })),
          synEndpoints,
        )
      : undefined;
    const previous = new Map(this.built.map((l) => [l.inode, l]));
    this.built = Object.freeze(
      joined.map((r) => {
        const { peak, fullSeconds } = this.peaks.observe(r.inode, nowMs, r.depth, r.limit);
        const sample = listenerSample({
          family: r.family,
          address: r.address,
          port: r.port,
          device: r.device,
          slot: slotByInode.get(r.inode)!,
          inode: r.inode,
          depth: r.depth,
          limit: r.limit,
          peak,
          fullSeconds,
          synRecv: synCounts ? (synCounts.get(r.inode) ?? 0) : undefined,
        });
        const before = previous.get(r.inode);
        return before && sameSample(before, sample) ? before : Object.freeze(sample);
      }),
    );
    return this.built;
  }
}

/** Equal in every field a record has (the inode is the caller's key). */
function sameRecord(a: ListenerRecord, b: ListenerRecord): boolean {
  return (
    a.depth === b.depth &&
    a.limit === b.limit &&
    a.device === b.device &&
    a.port === b.port &&
    a.address === b.address &&
    a.family === b.family
  );
}

function sameSample(a: ListenerSample, b: ListenerSample): boolean {
  return (
    sameRecord(a, b) &&
    a.peak === b.peak &&
    a.fullSeconds === b.fullSeconds &&
    a.synRecv === b.synRecv &&
    a.slot === b.slot &&
    a.process === b.process
  );
}

/** The records, each replaced by the earlier object for its socket when that is equal. */
function internRecords(records: readonly ListenerRecord[], earlier: ReadonlyMap<number, ListenerRecord> | undefined): ListenerRecord[] {
  return records.map((r) => {
    const e = earlier?.get(r.inode);
    return e && sameRecord(e, r) ? e : r;
  });
}

/** /proc's lengths with the limit and device ss gave each socket at its last run. */
function withIdentity(proc: readonly ListenerRecord[], identity: ReadonlyMap<number, ListenerRecord>): ListenerRecord[] {
  return proc.map((r) => {
    const known = identity.get(r.inode);
    if (!known) return r;
    return recordWith(r, { limit: known.limit, device: known.device });
  });
}

function pickTcpExt(parsed: ParseResult<KernelCounter>): Partial<Record<TcpExtField, number>> {
  const out: Partial<Record<TcpExtField, number>> = {};
  const wanted = new Set<string>(TCPEXT_FIELDS);
  for (const c of parsed.records) {
    if (c.group === 'TcpExt' && wanted.has(c.name)) out[c.name as TcpExtField] = c.value;
  }
  return out;
}
