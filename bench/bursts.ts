/**
 * Peak capture, shared by both benchmarks: listeners whose queues a helper fills for a
 * given time (100 ms, 250 ms, 1 s), in random order with random gaps, and whether the
 * exporter's peak_length and full_seconds_total saw each burst.
 */
import { type Sample, pick } from '../lab/exposition.js';
import { type ManagedProcess, PYTHON } from '../lab/netns.js';
import { shuffle, sleep } from './lib.js';
import { BURST_ADDR, BURST_BACKLOG } from './plan.js';
import { HOLDER } from './population.js';
import { median } from './stats.js';

interface BurstRig {
  /** Starts a process where the bursts are to happen (the namespace under test). */
  start(argv: readonly string[]): ManagedProcess;
  stop(p: ManagedProcess): Promise<void>;
  scrape(): Promise<Sample[]>;
  /** Labels, besides address and port, that single out the burst listeners' series. */
  readonly labels: Readonly<Record<string, string>>;
}

interface BurstPlan {
  readonly perDuration: number;
  readonly gapMs: readonly [number, number];
  readonly durations: readonly number[];
}

export interface BurstCapture {
  readonly holdMs: number;
  readonly bursts: number;
  /** Bursts whose queue the helper saw full (the others do not count). */
  readonly valid: number;
  readonly byPeak: number;
  readonly byFull: number;
  /** Seen in both peak_length and full_seconds_total. */
  readonly both: number;
  readonly heldMs: number;
  readonly creditedS: number;
}

interface Burst {
  readonly idx: number;
  readonly hold: number;
  full?: boolean;
  heldMs?: number;
}

/**
 * Runs every burst of the plan; `around` wraps the bursts themselves (a CPU measurement).
 * Throws if the listeners do not show up, had a peak before any burst, or no burst of a
 * duration filled its queue.
 */
export async function captureBursts(
  rig: BurstRig,
  plan: BurstPlan,
  around: (run: () => Promise<void>) => Promise<void> = (run) => run(),
): Promise<BurstCapture[]> {
  const count = plan.perDuration * plan.durations.length;
  const h = rig.start([PYTHON, HOLDER, 'bursts', '--addr', BURST_ADDR, '--count', String(count), '--backlog', String(BURST_BACKLOG)]);
  try {
    const ports = (JSON.parse(await h.nextLine(30_000)) as { ports: number[] }).ports;
    const series = (ms: Sample[], name: string) =>
      new Map(pick(ms, name, { ...rig.labels, address: BURST_ADDR }).map((s) => [Number(s.labels.port), s.value]));
    // The exporter must see every burst listener empty first: a first observation credits no full time.
    const seenBy = Date.now() + 30_000;
    for (;;) {
      const lengths = series(await rig.scrape(), 'listenq_accept_queue_length');
      if (ports.every((p) => lengths.has(p))) break;
      if (Date.now() > seenBy) throw new Error('burst listeners did not show up in /metrics within 30 s');
      await sleep(200);
    }
    await sleep(1200);
    const peak = new Map<number, number>();
    const full = new Map<number, number>();
    const record = async () => {
      const ms = await rig.scrape();
      for (const [p, v] of series(ms, 'listenq_accept_queue_peak_length')) peak.set(p, Math.max(peak.get(p) ?? 0, v));
      for (const [p, v] of series(ms, 'listenq_accept_queue_full_seconds_total')) full.set(p, Math.max(full.get(p) ?? 0, v));
    };
    await record();
    const dirty = ports.filter((p) => (peak.get(p) ?? 0) > 0);
    if (dirty.length > 0) throw new Error(`${dirty.length} burst listeners had a peak before any burst`);

    const bursts: Burst[] = [];
    for (let i = 0; i < plan.perDuration; i++) {
      for (const hold of shuffle([...plan.durations])) bursts.push({ idx: bursts.length, hold });
    }
    const [gapLo, gapHi] = plan.gapMs;
    await around(async () => {
      for (const [k, b] of bursts.entries()) {
        h.child.stdin?.write(`${b.idx} ${b.hold}\n`);
        const res = JSON.parse(await h.nextLine(15_000)) as { burst: number; full: boolean; held_ms: number };
        if (res.burst !== b.idx) throw new Error(`burst helper answered for ${res.burst}, expected ${b.idx}`);
        b.full = res.full;
        b.heldMs = res.held_ms;
        // Random gaps: bursts must not lock in phase with the sampler's interval.
        await sleep(gapLo + Math.random() * (gapHi - gapLo));
        // Peaks stay for --peak.window only: read them before they age out.
        if ((k + 1) % 8 === 0) await record();
      }
    });
    await sleep(1500);
    await record();

    const peakOf = (b: Burst) => peak.get(ports[b.idx] ?? -1) ?? 0;
    const fullOf = (b: Burst) => full.get(ports[b.idx] ?? -1) ?? 0;
    return plan.durations.map((d) => {
      const mine = bursts.filter((b) => b.hold === d);
      const valid = mine.filter((b) => b.full);
      if (valid.length === 0) throw new Error(`no ${d} ms burst filled its queue`);
      return {
        holdMs: d,
        bursts: mine.length,
        valid: valid.length,
        byPeak: valid.filter((b) => peakOf(b) > BURST_BACKLOG).length,
        byFull: valid.filter((b) => fullOf(b) > 0).length,
        both: valid.filter((b) => peakOf(b) > BURST_BACKLOG && fullOf(b) > 0).length,
        heldMs: median(valid.map((b) => b.heldMs ?? 0)),
        creditedS: median(valid.map(fullOf)),
      };
    });
  } finally {
    await rig.stop(h);
  }
}

/** The row note every peak-capture row carries. */
export function burstNote(c: BurstCapture): string {
  return `full_seconds credited per burst: median ${c.creditedS.toFixed(2)} s` + (c.bursts !== c.valid ? `; ${c.bursts - c.valid} bursts did not fill` : '');
}
