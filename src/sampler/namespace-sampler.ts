/**
 * One network namespace's share of a sample: its listeners (read-listeners.ts), its
 * counters and sysctls, and the per-socket state that lives between samples
 * (listener-state.ts); and the fast probe for it. The Sampler owns the loop and merges
 * namespaces.
 */
import type { ListenerSample } from '../listener/fields.js';
import type { Family } from '../net/ip-address.js';
import type { KernelSources } from '../sources/kernel-sources.js';
import type { KernelCounter } from '../sources/netstat.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
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

export class NamespaceSampler {
  private readonly state: ListenerState;
  /** SYN_RECV endpoints from the last run of the SYN-queue collector. */
  private synRecv: { readonly at: number; readonly endpoints?: readonly SocketEndpoint[] } | undefined;
  private lastPassiveOpens: number | undefined;
  /** Whether sock_diag answered at the last sample: the probe then asks it too. */
  private sockDiagAnswered = false;

  constructor(
    public sources: KernelSources,
    private readonly opts: NamespaceOptions,
  ) {
    this.state = new ListenerState(opts.peakWindowMs, 2 * opts.intervalMs);
  }

  async sample(): Promise<NamespaceSample> {
    const nowMs = performance.now();
    const synDue =
      this.opts.synQueueEnabled && (this.synRecv === undefined || nowMs - this.synRecv.at >= this.opts.synQueueIntervalMs);
    const othersP = Promise.all([timed(() => this.sources.netstat()), timed(() => this.sources.sysctls())]);
    const reads = await readListeners(this.sources, synDue, this.state.knownDevices);
    const [netstat, sysctls] = await othersP;
    if (synDue) this.synRecv = { at: nowMs, ...(reads.synRecv ? { endpoints: reads.synRecv } : {}) };
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
    const opens = this.sources.passiveOpens();
    if (opens !== undefined && opens === this.lastPassiveOpens && !this.state.anyFull) return new Map();
    this.lastPassiveOpens = opens;
    if (this.sockDiagAnswered && this.sources.sockDiag) return this.state.observe(this.sources.sockDiag.lengths(), published, nowMs);
    const lengths = [];
    for (const family of ['ipv4', 'ipv6'] as const) {
      // A family with no listeners is not read: with no LISTEN row to stop at, the read
      // would walk every connection of the host to reach the end of the file.
      if (published.some((l) => l.family === family)) lengths.push(...this.sources.listenersNow(family).records);
    }
    return this.state.observe(lengths, published, nowMs);
  }
}

function sysctlOutcome(sysctls: Timed<SysctlReadResult>): Timed<SysctlReadResult> {
  return sysctls.result && sysctls.result.failed.length > 0 ? { ...sysctls, error: new Error(sysctls.result.failed.join('; ')) } : sysctls;
}

function pickTcpExt(parsed: ParseResult<KernelCounter>): Partial<Record<TcpExtField, number>> {
  const out: Partial<Record<TcpExtField, number>> = {};
  const wanted = new Set<string>(TCPEXT_FIELDS);
  for (const c of parsed.records) {
    if (c.group === 'TcpExt' && wanted.has(c.name)) out[c.name as TcpExtField] = c.value;
  }
  return out;
}
