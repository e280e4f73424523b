/**
 * The sampling loop: every interval, sample every watched network namespace (each source
 * bounded by its timeout), merge them into one immutable snapshot and publish it. Never
 * two samples at once; a sample that overruns the interval delays the next instead of
 * queueing more.
 *
 * Between full samples a fast probe catches bursts shorter than the interval: it reads
 * /proc/net/snmp's PassiveOpens (one small read) and only when that moved, or a queue was
 * full at the last look, asks for the listeners' lengths again (a sock_diag dump, or the
 * /proc tables where sock_diag is not available) to update peaks and full time. An accept queue can only grow when a handshake completes, and every
 * completed handshake increments PassiveOpens, so skipping on an unchanged counter loses
 * no growth. A probe that changed a peak, length or full time publishes a snapshot.
 */
import type { Logger } from 'pino';
import type { NamespaceProvider, SampledNamespace } from '../namespaces/sampled-namespace.js';
import type { SocketOwners } from '../namespaces/socket-owners.js';
import { type NamespaceOptions, NamespaceSampler, type NamespaceSample } from './namespace-sampler.js';
import type { SourceOutcome } from './outcome.js';
import type { ListenerSample } from '../listener/fields.js';
import type { NamespaceSnapshot, Snapshot } from './snapshot.js';
import { SOURCES } from './snapshot.js';
import { sampleWith } from '../listener/build.js';
import { SourceHealth } from './source-health.js';
import { capListeners } from './listener-cap.js';
import type { KernelSources } from '../sources/kernel-sources.js';

export interface SamplerOptions extends NamespaceOptions {
  /** Period of the cheap probe between full samples; 0 turns it off. */
  readonly fastIntervalMs: number;
  /** Cardinality guard: most sockets published per snapshot, over all namespaces. */
  readonly maxListeners: number;
}

/** The default mode: only the exporter's own network namespace, without extra labels. */
export function singleNamespace(sources: KernelSources): NamespaceProvider {
  const only = [{ key: 'self', labels: {}, sources }] as const;
  return () => only;
}

// Namespaces are sampled a few at a time: where sock_diag cannot be asked, each sample
// starts an ss process.
const NAMESPACE_CONCURRENCY = 4;
const CAP_WARNING_EVERY_MS = 5 * 60_000;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  // One iterator shared by the workers: each takes the next item when it is free.
  const queue = items.entries();
  const worker = async () => {
    for (const [i, item] of queue) out[i] = await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A namespace to sample with the sampler that keeps its state. */
interface Watched {
  readonly target: SampledNamespace;
  readonly sampler: NamespaceSampler;
}

export class Sampler {
  private readonly namespaces = new Map<string, NamespaceSampler>();
  private readonly health: SourceHealth;
  private snapshot: Snapshot | undefined;
  private samplesTotal = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastFullStartMs: number | undefined;
  private lastCapWarningMs = -Infinity;
  private lastProviderError = '';
  /** The provider's last answer, reused (labels and all) when it fails. */
  private lastWatched: readonly Watched[] = [];
  /** The samplers of the published snapshot's namespaces, in its order. */
  private publishedSamplers: readonly NamespaceSampler[] = [];
  /** Each socket's copy with its owner's name, kept while the socket object lives. */
  private readonly withOwnerName = new WeakMap<ListenerSample, ListenerSample>();

  constructor(
    private readonly provider: NamespaceProvider,
    private readonly opts: SamplerOptions,
    private readonly log: Logger,
    private readonly owners?: SocketOwners,
  ) {
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
      this.probe(now);
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
    const watched = this.currentNamespaces();
    // Alone, a namespace always has the turn: its sample's own reading decides, not one from before.
    const alone = watched.length === 1;
    const synTurn = alone ? undefined : oldestWaiting(watched, performance.now());
    const results = await mapLimited(watched, NAMESPACE_CONCURRENCY, async (w) => ({
      ...w,
      result: await w.sampler.sample(alone || w.sampler === synTurn),
    }));
    // A namespace whose process exited during the sample is gone, and its failed reads say
    // nothing about the sources: it leaves this snapshot instead of marking them down.
    const sampled = results.filter((s) => !Object.values(s.result.outcomes).some((o) => o.error) || s.target.sources.alive());
    this.recordHealth(sampled);

    const owners = this.owners?.resolve(sampled.flatMap((s) => s.result.listeners.map((l) => l.inode)));
    const withOwners = sampled.map((s) => ({
      ...s,
      listeners: owners ? s.result.listeners.map((l) => this.withProcess(l, owners.names.get(l.inode))) : s.result.listeners,
    }));
    const all = withOwners.flatMap((s) => s.listeners);
    // Under the cap (the usual case) every namespace's array is published as it is.
    const kept = all.length > this.opts.maxListeners ? new Set(capListeners(all, this.opts.maxListeners)) : undefined;
    const dropped = kept ? all.length - kept.size : 0;
    if (dropped > 0 && performance.now() - this.lastCapWarningMs >= CAP_WARNING_EVERY_MS) {
      this.lastCapWarningMs = performance.now();
      this.log.warn(
        { listeners: all.length, max_listeners: this.opts.maxListeners, dropped },
        'more listening sockets than --max-listeners; the least loaded are not exported',
      );
    }

    const namespaces = withOwners.map((s) =>
      namespaceSnapshot(s.target.labels, s.result, Object.freeze(kept ? s.listeners.filter((l) => kept.has(l)) : s.listeners)),
    );
    const sources = this.health.statuses();
    this.samplesTotal++;
    const snap: Snapshot = Object.freeze({
      timestampSeconds: Date.now() / 1000,
      namespaces: Object.freeze(namespaces),
      listenersDropped: dropped,
      ...(owners ? { listenersUnattributed: owners.unattributed } : {}),
      sources: Object.freeze(sources),
      samplesTotal: this.samplesTotal,
    });
    this.snapshot = snap;
    this.publishedSamplers = sampled.map((s) => s.sampler);
    return snap;
  }

  /** The socket with its owner's name; the same object while neither changes. */
  private withProcess(l: ListenerSample, name: string | undefined): ListenerSample {
    if (name === undefined) return l;
    const known = this.withOwnerName.get(l);
    if (known?.process === name) return known;
    const copy = sampleWith(l, { process: name });
    this.withOwnerName.set(l, copy);
    return copy;
  }

  /** The fast path over every namespace. Returns whether it published a snapshot. */
  probe(nowMs = performance.now()): boolean {
    const snap = this.snapshot;
    if (!snap) return false;
    let changed = false;
    const namespaces = snap.namespaces.map((ns, i) => {
      const sampler = this.publishedSamplers[i];
      if (!sampler) return ns;
      try {
        const updated = sampler.probe(nowMs, ns.listeners);
        if (updated.size === 0) return ns;
        changed = true;
        return Object.freeze({ ...ns, listeners: Object.freeze(ns.listeners.map((l) => updated.get(l.inode) ?? l)) });
      } catch (err) {
        // The next full sample reports the failing source; a probe only logs at debug.
        this.log.debug({ err: String(err) }, 'fast probe failed');
        return ns;
      }
    });
    if (!changed) return false;
    this.snapshot = Object.freeze({ ...snap, namespaces: Object.freeze(namespaces) });
    return true;
  }

  /** Asks the provider which namespaces exist now; keeps state for those that remain. */
  private currentNamespaces(): readonly Watched[] {
    let targets: readonly SampledNamespace[];
    try {
      targets = this.provider();
      this.lastProviderError = '';
    } catch (err) {
      const msg = String(err);
      if (msg !== this.lastProviderError) this.log.error({ err: msg }, 'cannot list network namespaces; sampling the last known ones');
      this.lastProviderError = msg;
      return this.lastWatched;
    }
    const keep = new Set(targets.map((t) => t.key));
    for (const key of this.namespaces.keys()) if (!keep.has(key)) this.namespaces.delete(key);
    this.lastWatched = targets.map((target) => {
      let sampler = this.namespaces.get(target.key);
      if (sampler) sampler.sources = target.sources;
      else {
        sampler = new NamespaceSampler(target.sources, this.opts, synPhase(target.key, this.opts.synQueueIntervalMs));
        this.namespaces.set(target.key, sampler);
      }
      return { target, sampler };
    });
    return this.lastWatched;
  }

  /** One status per source over all namespaces: down if it failed in any of them. */
  private recordHealth(sampled: ReadonlyArray<{ readonly target: SampledNamespace; readonly result: NamespaceSample }>): void {
    for (const source of SOURCES) {
      const outcomes: Array<{ readonly key: string; readonly outcome: SourceOutcome }> = [];
      for (const s of sampled) {
        const outcome = s.result.outcomes[source];
        if (outcome) outcomes.push({ key: s.target.key, outcome });
      }
      if (outcomes.length === 0) continue;
      const failed = outcomes.filter((o) => o.outcome.error);
      const first = failed[0];
      const error =
        first?.outcome.error === undefined
          ? undefined
          : new Error(
              outcomes.length === 1
                ? first.outcome.error.message
                : `${failed.length} of ${outcomes.length} namespaces, e.g. ${first.key}: ${first.outcome.error.message}`,
            );
      this.health.record(source, {
        seconds: outcomes.reduce((sum, o) => sum + o.outcome.seconds, 0),
        result: { rejected: outcomes.reduce((sum, o) => sum + (o.outcome.result?.rejected ?? 0), 0) },
        ...(error ? { error } : {}),
      });
    }
  }
}

/**
 * The one namespace that may walk for its SYN queue this sample with nothing but traffic to
 * go by (NamespaceSampler.synTurnWaiting): the one that has waited longest. A walk visits
 * every socket of the host, so 250 busy namespaces walking every 30 s each cost several
 * percent of a core for handshakes in flight; taking turns bounds that to one walk a sample.
 */
function oldestWaiting(watched: readonly Watched[], nowMs: number): NamespaceSampler | undefined {
  let oldest: { readonly sampler: NamespaceSampler; readonly since: number } | undefined;
  for (const w of watched) {
    const since = w.sampler.synTurnWaiting(nowMs);
    if (since !== undefined && (oldest === undefined || since < oldest.since)) oldest = { sampler: w.sampler, since };
  }
  return oldest?.sampler;
}

/** A namespace's place in the SYN-queue period, from its key: spread, and the same at every start. */
function synPhase(key: string, periodMs: number): number {
  if (!(periodMs > 0)) return 0;
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % Math.floor(periodMs);
}

function namespaceSnapshot(
  labels: Readonly<Record<string, string>>,
  r: NamespaceSample,
  listeners: readonly ListenerSample[],
): NamespaceSnapshot {
  return Object.freeze({
    labels,
    listeners,
    listenerCounts: Object.freeze(r.listenerCounts),
    familiesKnown: Object.freeze(r.familiesKnown),
    ...(r.tcpExt ? { tcpExt: Object.freeze(r.tcpExt) } : {}),
    sysctls: Object.freeze(r.sysctls),
  });
}
