/**
 * One network namespace's share of a sample: its listeners (read-listeners.ts), its
 * counters and sysctls, and the per-socket state that lives between samples
 * (listener-state.ts); and the fast probe for it. The Sampler owns the loop and merges
 * namespaces.
 */
import type { ListenerSample } from '../listener/fields.js';
import type { Family } from '../net/ip-address.js';
import type { KernelSources } from '../sources/kernel-sources.js';
import type { CounterSelection, KernelCounter } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import type { TcpCounters } from '../sources/snmp.js';
import type { SysctlReadResult, SysctlValues } from '../sources/sysctls.js';
import { ListenerState } from './listener-state.js';
import { timed, type SourceOutcome, type Timed } from './outcome.js';
import { readListeners } from './read-listeners.js';
import type { SourceName, TcpExtField } from './snapshot.js';
import { TCPEXT_FIELDS } from './snapshot.js';

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

export interface NamespaceOptions {
  readonly intervalMs: number;
  readonly peakWindowMs: number;
  readonly synQueueEnabled: boolean;
  readonly synQueueIntervalMs: number;
}

/** The TcpExt counters a sample keeps, of the 200-odd in /proc/net/netstat. */
const TCPEXT_NAMES: ReadonlySet<string> = new Set<string>(TCPEXT_FIELDS);
export const TCPEXT_SELECTION: CounterSelection = new Map([['TcpExt', TCPEXT_NAMES]]);

/** The last run of the SYN-queue collector. */
interface SynRecvRun {
  readonly at: number;
  /** Undefined when the run failed. */
  readonly endpoints?: readonly SocketEndpoint[];
  /** InSegs read before the run. */
  readonly inSegs?: number;
}

export class NamespaceSampler {
  private readonly state: ListenerState;
  private synRecv: SynRecvRun | undefined;
  /** PassiveOpens at the last look at the lengths (a sample or a probe), read before it. */
  private lastPassiveOpens: number | undefined;
  /** The last probe's reading of the TCP counters, and when (performance.now()). */
  private probeTcp: { readonly counters: TcpCounters; readonly atMs: number } | undefined;
  /** Whether sock_diag answered at the last sample: the probe then asks it too. */
  private sockDiagAnswered = false;

  /**
   * @param synPhaseMs how much sooner than the interval the SYN-queue collector runs the
   *   second time: namespaces found together are then not all due in the same sample (each
   *   run walks the host's whole established hash)
   */
  constructor(
    public sources: KernelSources,
    private readonly opts: NamespaceOptions,
    private readonly synPhaseMs = 0,
  ) {
    this.state = new ListenerState(opts.peakWindowMs, 2 * opts.intervalMs);
  }

  async sample(): Promise<NamespaceSample> {
    const nowMs = performance.now();
    // Read before the listeners, so that whatever happens after it shows at the next look.
    // The probe read them a moment ago (every probe does); only without probes, or when
    // that reading is older than half an interval, does the sample read them itself.
    const probed = this.probeTcp !== undefined && nowMs - this.probeTcp.atMs <= this.opts.intervalMs / 2 ? this.probeTcp : undefined;
    const tcp = probed?.counters ?? this.tcpCounters();
    const synDue = this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    // A SYN queue grows only when a SYN arrives, and every segment the namespace receives
    // counts in InSegs: after a run that found every SYN queue empty, an unchanged InSegs
    // means they still are, and the dump (a walk of the kernel's whole established hash,
    // shared by all namespaces) is skipped until it moves.
    const synQuiet = this.synRecv?.endpoints?.length === 0 && tcp.inSegs !== undefined && tcp.inSegs === this.synRecv.inSegs;
    const synRead = synDue && !synQuiet;
    const othersP = Promise.all([timed(() => this.sources.netstat(TCPEXT_SELECTION)), timed(() => this.sources.sysctls())]);
    const reads = await readListeners(this.sources, synRead, this.state.knownDevices);
    const [netstat, sysctls] = await othersP;
    if (!probed) this.lastPassiveOpens = tcp.passiveOpens;
    if (synRead) {
      const at = this.synRecv === undefined ? nowMs - this.synPhaseMs : nowMs;
      this.synRecv = { at, ...(reads.synRecv ? { endpoints: reads.synRecv } : {}), ...(tcp.inSegs !== undefined ? { inSegs: tcp.inSegs } : {}) };
    }
    if (reads.exact) for (const r of reads.records) if (r.device !== undefined) this.state.knownDevices.set(r.inode, r.device);
    this.sockDiagAnswered = reads.outcomes.sock_diag?.result !== undefined;
    const listeners = this.state.build(reads.records, this.synRecv?.endpoints, performance.now());
    const listenerCounts = { ipv4: 0, ipv6: 0 };
    for (const l of listeners) listenerCounts[l.family]++;
    return {
      listeners,
      listenerCounts,
      familiesKnown: reads.familiesKnown,
      ...(netstat.result ? { tcpExt: pickTcpExt(netstat.result) } : {}),
      sysctls: { ...(sysctls.result?.values ?? {}) },
      outcomes: { ...reads.outcomes, netstat, sysctl: sysctlOutcome(sysctls) },
    };
  }

  /**
   * The fast path for this namespace: returns the published sockets whose length, peak or
   * full time changed, or an empty map when PassiveOpens says nothing can have grown (an
   * accept queue grows only when a handshake completes, and every completed handshake
   * counts in PassiveOpens). Lengths come from a sock_diag dump, or from the /proc tables
   * when sock_diag did not answer at the last sample.
   */
  probe(nowMs: number, published: readonly ListenerSample[]): Map<number, ListenerSample> {
    const counters = this.tcpCounters();
    this.probeTcp = { counters, atMs: performance.now() };
    const opens = counters.passiveOpens;
    if (opens !== undefined && opens === this.lastPassiveOpens && !this.state.anyFull) return new Map();
    this.lastPassiveOpens = opens;
    if (this.sockDiagAnswered && this.sources.sockDiag) return this.state.observe(this.sources.sockDiag.lengths().records, published, nowMs);
    const lengths = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      // A family with no listeners is not read: with no LISTEN row to stop at, the read
      // would walk every connection of the host to reach the end of the file.
      if (published.some((l) => l.family === family)) lengths.push(...this.sources.listenersNow(family).records);
    }
    return this.state.observe(lengths, published, nowMs);
  }

  /** Undefined counters where snmp cannot be read: the sample goes on without the shortcuts. */
  private tcpCounters(): TcpCounters {
    try {
      return this.sources.tcpCounters();
    } catch {
      return {};
    }
  }
}

function sysctlOutcome(sysctls: Timed<SysctlReadResult>): Timed<SysctlReadResult> {
  return sysctls.result && sysctls.result.failed.length > 0 ? { ...sysctls, error: new Error(sysctls.result.failed.join('; ')) } : sysctls;
}

function pickTcpExt(parsed: ParseResult<KernelCounter>): Partial<Record<TcpExtField, number>> {
  const out: Partial<Record<TcpExtField, number>> = {};
  for (const c of parsed.records) {
    if (c.group === 'TcpExt' && TCPEXT_NAMES.has(c.name)) out[c.name as TcpExtField] = c.value;
  }
  return out;
}
