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
/**
 * The TcpExt counters that say a SYN queue may hold something worth a walk of the
 * established hash: a request socket that outlived its first SYN-ACK (TCPSynRetrans: a
 * stalled handshake, a flood, a full accept queue holding acked requests), a SYN queue
 * that filled (drops, cookies), or an accept queue that dropped a completed handshake.
 */
const SYN_TROUBLE_NAMES = ['TCPSynRetrans', 'TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'SyncookiesSent', 'ListenOverflows', 'ListenDrops'] as const;
export const TCPEXT_SELECTION: CounterSelection = new Map([['TcpExt', new Set<string>([...TCPEXT_NAMES, ...SYN_TROUBLE_NAMES])]]);

/**
 * How long /proc/net/dev must have read the same before a look at PassiveOpens for a probe
 * to trust it: far longer than a received packet takes to get from its device's counter
 * through TCP, even with softirqs deferred to ksoftirqd.
 */
const DEVICES_SETTLE_MS = 100;

/** The last run of the SYN-queue collector. */
interface SynRecvRun {
  readonly at: number;
  /** Undefined when the run failed. */
  readonly endpoints?: readonly SocketEndpoint[];
  /** InSegs read before the run. */
  readonly inSegs?: number;
  /** TcpReading.seq of the latest reading when the run was made. */
  readonly readingSeq: number;
  /** The SYN_TROUBLE_NAMES counters read with it; undefined when netstat could not be read. */
  readonly trouble?: string;
}

/** A reading of the TCP counters; seq counts the readings, so that a later one is known. */
interface TcpReading {
  readonly counters: TcpCounters;
  readonly seq: number;
}

/** The last netstat read that was made (not skipped), and what was known before it. */
interface NetstatRead {
  readonly outcome: Timed<ParseResult<KernelCounter>>;
  readonly tcpExt?: Partial<Record<TcpExtField, number>>;
  readonly trouble?: string;
  /** InSegs read before it. */
  readonly inSegs?: number;
  readonly atMs: number;
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
  private netstatRead: NetstatRead | undefined;
  /** /proc/net/dev as last read (a copy), and when those bytes were first read. */
  private devicesSeen: { readonly bytes: Buffer; readonly firstMs: number } | undefined;
  /** When PassiveOpens was last read and compared (a probe's look, or a sample's own read). */
  private lastLookMs: number | undefined;
  /** Whether the last look found nothing new, so the next probe reads the devices first. */
  private devicesWorthReading = true;
  /** The latest InSegs reading, and when that value was first read. */
  private inSegsSeen: { readonly value: number; readonly firstMs: number } | undefined;
  /** The latest reading of the TCP counters, by a probe or a sample. */
  private latestTcp: TcpReading = { counters: {}, seq: 0 };

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

  /**
   * @param synTurn this sample may walk for the SYN queue although nothing says it holds
   *   anything (see synTurnWaiting)
   */
  async sample(synTurn = true): Promise<NamespaceSample> {
    const nowMs = performance.now();
    // Read before the listeners, so that whatever happens after it shows at the next look.
    // A probe that looked a moment ago read them; without one (no probes, or probes that
    // found the devices quiet) within half an interval, the sample reads them itself.
    const probed = this.recentProbe(nowMs);
    const tcp = probed?.counters ?? this.tcpCounters();
    const synQuiet = this.synQuiet(tcp);
    const netstat = await this.netstat(tcp, synQuiet, nowMs);
    const synDue = this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    const synRead = synDue && !synQuiet && (synTurn || this.synTrouble(netstat.trouble));
    const sysctlsP = timed(() => this.sources.sysctls());
    const reads = await readListeners(this.sources, synRead, this.state.knownDevices);
    const sysctls = await sysctlsP;
    if (!probed) {
      this.lastPassiveOpens = tcp.passiveOpens;
      this.lastLookMs = nowMs;
    }
    if (synRead) {
      const at = this.synRecv === undefined ? nowMs - this.synPhaseMs : nowMs;
      this.synRecv = {
        at,
        readingSeq: this.latestTcp.seq,
        ...(reads.synRecv ? { endpoints: reads.synRecv } : {}),
        ...(tcp.inSegs !== undefined ? { inSegs: tcp.inSegs } : {}),
        ...(netstat.trouble !== undefined ? { trouble: netstat.trouble } : {}),
      };
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
      ...(netstat.tcpExt ? { tcpExt: netstat.tcpExt } : {}),
      sysctls: { ...(sysctls.result?.values ?? {}) },
      outcomes: { ...reads.outcomes, netstat: netstat.outcome, sysctl: sysctlOutcome(sysctls) },
    };
  }

  /**
   * When this namespace waits for a turn to walk for its SYN queue, the time of its last
   * walk; undefined when it does not wait. It waits when the collector is due and segments
   * arrived, while nothing says a request socket lasted or a queue filled since its last
   * walk found none: any request socket it could find then is younger than its first
   * SYN-ACK timeout, in flight. Each walk visits every socket of the host (the established
   * hash is shared by all namespaces), so in node-wide mode such walks take turns, one per
   * sample, oldest first (Sampler); with one namespace it always has the turn.
   */
  synTurnWaiting(nowMs: number): number | undefined {
    const run = this.synRecv;
    if (!this.opts.synQueueEnabled || run === undefined || nowMs - run.at < this.opts.synQueueIntervalMs) return undefined;
    // By the reading the sample will use: a recent probe's, or one it makes itself. For that,
    // only a reading taken after the walk says whether a segment came since; without one
    // the namespace may have had traffic, and waits.
    const latest = this.latestTcp;
    const tcp = this.recentProbe(nowMs)?.counters ?? (latest.seq > run.readingSeq ? latest.counters : {});
    if (this.synQuiet(tcp) || this.synTrouble(this.netstatRead?.trouble)) return undefined;
    return run.at;
  }

  /** The probe's reading of the TCP counters if it is recent enough for a sample to use. */
  private recentProbe(nowMs: number): { readonly counters: TcpCounters } | undefined {
    const probe = this.probeTcp;
    return probe !== undefined && nowMs - probe.atMs <= this.opts.intervalMs / 2 ? probe : undefined;
  }

  /**
   * A SYN queue grows only when a SYN arrives, and every segment the namespace receives
   * counts in InSegs: after a run that found every SYN queue empty, an unchanged InSegs
   * means they still are, and the dump (a walk of the kernel's whole established hash,
   * shared by all namespaces) is skipped until it moves.
   */
  private synQuiet(tcp: TcpCounters): boolean {
    return this.synRecv?.endpoints?.length === 0 && tcp.inSegs !== undefined && tcp.inSegs === this.synRecv.inSegs;
  }

  /** Whether the SYN queue may hold more than handshakes in flight: see synTurnWaiting. */
  private synTrouble(trouble: string | undefined): boolean {
    const run = this.synRecv;
    return run?.endpoints === undefined || run.endpoints.length > 0 || trouble === undefined || trouble !== run.trouble;
  }

  /**
   * The TcpExt counters, read unless none can have moved since the last read. Every one
   * of them moves only while the kernel handles a received TCP segment (counted in InSegs
   * first), or an ICMP error that aborts a request socket (ListenDrops). So the read is
   * skipped when InSegs had stood still for an interval before the last read and still
   * does (whatever a segment counted before did had landed in the counters by then), and no
   * request socket exists (synQuiet: the last SYN walk found none and no segment came since).
   */
  private async netstat(tcp: TcpCounters, synQuiet: boolean, nowMs: number): Promise<NetstatRead> {
    const last = this.netstatRead;
    const seen = this.inSegsSeen;
    if (
      synQuiet &&
      last?.outcome.result !== undefined &&
      tcp.inSegs !== undefined &&
      last.inSegs === tcp.inSegs &&
      seen?.value === tcp.inSegs &&
      last.atMs - seen.firstMs >= this.opts.intervalMs
    ) {
      return { ...last, outcome: { result: last.outcome.result, seconds: 0 } };
    }
    const outcome = await timed(() => this.sources.netstat(TCPEXT_SELECTION));
    const picked = outcome.result ? pickTcpExt(outcome.result) : undefined;
    this.netstatRead = {
      outcome,
      ...(picked ? { tcpExt: picked.tcpExt } : {}),
      ...(picked?.trouble !== undefined ? { trouble: picked.trouble } : {}),
      ...(tcp.inSegs !== undefined ? { inSegs: tcp.inSegs } : {}),
      atMs: nowMs,
    };
    return this.netstatRead;
  }

  /**
   * The fast path for this namespace: returns the published sockets whose length, peak or
   * full time changed, or an empty map when PassiveOpens says nothing can have grown (an
   * accept queue grows only when a handshake completes, and every completed handshake
   * counts in PassiveOpens). Lengths come from a sock_diag dump, or from the /proc tables
   * when sock_diag did not answer at the last sample.
   */
  probe(nowMs: number, published: readonly ListenerSample[]): Map<number, ListenerSample> {
    // Where connections keep arriving the devices' counters move at nearly every probe, and
    // reading them first would only add a read: they are read after a look that found
    // nothing new.
    if (!this.state.anyFull && this.devicesWorthReading && this.devicesQuiet()) return new Map();
    const counters = this.tcpCounters();
    this.probeTcp = { counters, atMs: performance.now() };
    this.lastLookMs = performance.now();
    const opens = counters.passiveOpens;
    this.devicesWorthReading = opens !== undefined && opens === this.lastPassiveOpens;
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

  /**
   * Whether no packet can have arrived since the last look at PassiveOpens: /proc/net/dev
   * (4 µs, a quarter of snmp) reads as it did, and already did a while before that look. A
   * handshake completes only when a segment arrives, and every packet a namespace receives
   * comes in through one of its devices, which count it. A device may count a packet a
   * moment before TCP has handled it (or, in some drivers, after): so the counters must
   * have stood still since DEVICES_SETTLE_MS before the last look, by when whatever they
   * counted had landed in PassiveOpens and the queues. Unreadable: not quiet.
   */
  private devicesQuiet(): boolean {
    let bytes: Uint8Array;
    try {
      bytes = this.sources.deviceCounters();
    } catch {
      this.devicesSeen = undefined;
      return false;
    }
    const seen = this.devicesSeen;
    if (seen === undefined || !seen.bytes.equals(bytes)) {
      this.devicesSeen = { bytes: Buffer.from(bytes), firstMs: performance.now() };
      return false;
    }
    return this.lastLookMs !== undefined && this.lastLookMs - seen.firstMs >= DEVICES_SETTLE_MS;
  }

  /** Undefined counters where snmp cannot be read: the sample goes on without the shortcuts. */
  private tcpCounters(): TcpCounters {
    let counters: TcpCounters;
    try {
      counters = this.sources.tcpCounters();
    } catch {
      counters = {};
    }
    this.latestTcp = { counters, seq: this.latestTcp.seq + 1 };
    const inSegs = counters.inSegs;
    if (inSegs === undefined) this.inSegsSeen = undefined;
    else if (this.inSegsSeen?.value !== inSegs) this.inSegsSeen = { value: inSegs, firstMs: performance.now() };
    return counters;
  }
}

function sysctlOutcome(sysctls: Timed<SysctlReadResult>): Timed<SysctlReadResult> {
  return sysctls.result && sysctls.result.failed.length > 0 ? { ...sysctls, error: new Error(sysctls.result.failed.join('; ')) } : sysctls;
}

/** The exported TcpExt counters, and the SYN_TROUBLE_NAMES values as one comparable string (undefined if any is missing). */
function pickTcpExt(parsed: ParseResult<KernelCounter>): { tcpExt: Partial<Record<TcpExtField, number>>; trouble?: string } {
  const tcpExt: Partial<Record<TcpExtField, number>> = {};
  const trouble = new Map<string, number>();
  for (const c of parsed.records) {
    if (c.group !== 'TcpExt') continue;
    if (TCPEXT_NAMES.has(c.name)) tcpExt[c.name as TcpExtField] = c.value;
    if ((SYN_TROUBLE_NAMES as readonly string[]).includes(c.name)) trouble.set(c.name, c.value);
  }
  const values = SYN_TROUBLE_NAMES.map((n) => trouble.get(n));
  return values.every((v) => v !== undefined) ? { tcpExt, trouble: values.join(' ') } : { tcpExt };
}
