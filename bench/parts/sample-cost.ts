/**
 * Item 1: what one sample costs, measured in a worker process against the floor (a bare
 * `ss -tnH state listening` spawned and read to EOF), at the plan's listener and
 * connection counts. Rows 1a-1i and 4c.
 */
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '../../lab/netns.js';
import type { Lab } from '../lab.js';
import { log } from '../lib.js';
import { DEFAULTS, fmtEvery } from '../plan.js';
import { median, pairedRatio } from '../stats.js';
import { fmtInt, fmtMs, fmtX, type RowId, verdict } from '../table.js';
import type { MeasureResult } from '../worker-sample-cost.js';

const WORKER = fileURLToPath(new URL('../worker-sample-cost.ts', import.meta.url));

interface CostPoint {
  readonly n: number;
  readonly m: number;
  readonly r: MeasureResult;
}

export class SampleCost {
  private worker: ManagedProcess | undefined;

  constructor(private readonly lab: Lab) {}

  /** One measurement at the namespace's current population. */
  async cost(): Promise<CostPoint> {
    const { P, pop } = this.lab;
    this.worker ??= this.lab.procs.start([process.execPath, '--import', 'tsx', WORKER]);
    const cmd = { cmd: 'measure', rounds: P.costRounds, warmup: P.costWarmup, gapMs: 10, profRounds: P.profRounds };
    this.worker.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    const out = JSON.parse(await this.worker.nextLine(600_000)) as MeasureResult | { error: string };
    if ('error' in out) throw new Error(`sample-cost worker: ${out.error}`);
    const n = pop.reached.listeners;
    // The cardinality guard (--max-listeners, default 2000) exports the most loaded ones only.
    const expected = Math.min(n, out.maxListeners);
    if (out.listeners < expected) throw new Error(`sampler exported ${out.listeners} listeners, expected at least ${expected}`);
    const point = { n, m: pop.reached.connections, r: out };
    const src = Object.entries(out.sources)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    const line =
      `N=${n} M=${point.m}: sample ${median(out.sample).toFixed(2)} ms, floor ${median(out.floor).toFixed(2)} ms, ` +
      `syn_recv ${median(out.syn).toFixed(2)} ms; sources alone (ms): ${src}`;
    log(line);
    this.lab.details.push(line);
    return point;
  }

  /** 1f: 10 listeners, no connections. */
  async tiny(): Promise<void> {
    const { P, pop, table } = this.lab;
    await this.lab.section(['1f'], 'sample cost, 10 listeners', async () => {
      await pop.setListeners(P.nTiny);
      await pop.setConnections(0);
      const p = await this.cost();
      const ratio = pairedRatio(p.r.sample, p.r.floor);
      table.set('1f', {
        what: `sample vs floor, ${p.n} listeners, 0 conns`,
        ours: fmtMs(median(p.r.sample)), ref: `floor ${fmtMs(median(p.r.floor))}`, ratio: fmtX(ratio), target: 'info', verdict: 'info',
      });
    });
  }

  /** 1a-1e: 50 listeners, connections toggled 0 <-> m1 in cycles, then m2. */
  async small(): Promise<void> {
    const { P, pop, table } = this.lab;
    await this.lab.section(['1a', '1b', '1c', '1d', '1e'], 'sample cost, 50 listeners, 0 vs 20k vs 100k conns', async () => {
      await pop.setListeners(P.nSmall);
      const at0: CostPoint[] = [];
      const at1: CostPoint[] = [];
      let m1 = 0;
      for (let c = 0; c < P.costCycles; c++) {
        await pop.setConnections(0);
        at0.push(await this.cost());
        m1 = await pop.setConnections(1);
        at1.push(await this.cost());
      }
      const pool = (ps: CostPoint[], k: 'sample' | 'floor' | 'syn') => ps.flatMap((p) => p.r[k]);
      const s0 = pool(at0, 'sample');
      const s1 = pool(at1, 'sample');
      const r0 = pairedRatio(s0, pool(at0, 'floor'));
      const r1 = pairedRatio(s1, pool(at1, 'floor'));
      table.set('1a', {
        what:
          `one sample (default settings: sock_diag, SYN_RECV apart) vs floor \`ss -tnH state listening\` (one process start), ` +
          `${P.nSmall} listeners, 0 conns`,
        ours: fmtMs(median(s0)), ref: `floor ${fmtMs(median(pool(at0, 'floor')))}`, ratio: fmtX(r0), target: '<= 1.5x',
        verdict: verdict(r0 <= 1.5),
      });
      table.set('1b', {
        what: `same at ${fmtInt(m1)} conns`,
        ours: fmtMs(median(s1)), ref: `floor ${fmtMs(median(pool(at1, 'floor')))}`, ratio: fmtX(r1), target: 'info', verdict: 'info',
      });
      const growth = median(s1) / median(s0);
      table.set('1c', {
        what: `sample at ${fmtInt(m1)} conns vs at 0 conns (${P.nSmall} listeners, ${P.costCycles} A/B cycles)`,
        ours: fmtMs(median(s1)), ref: fmtMs(median(s0)), ratio: fmtX(growth), target: '<= 1.3x', verdict: verdict(growth <= 1.3),
        note: `floor-normalized ${fmtX(r1 / r0)}`,
      });
      const syn0 = pool(at0, 'syn');
      const syn1 = pool(at1, 'syn');
      const m2 = await pop.setConnections(2);
      const p2 = await this.cost();
      const s2 = p2.r.sample;
      const g2 = median(s2) / median(s0);
      table.set('1d', {
        what: `sample at ${fmtInt(m2)} conns vs at 0 conns (${P.nSmall} listeners)`,
        ours: fmtMs(median(s2)), ref: fmtMs(median(s0)), ratio: fmtX(g2), target: '<= 1.3x (as 1c)',
        verdict: m2 < P.m2 ? 'not reached' : verdict(g2 <= 1.3),
        note: `${fmtInt(m2)} of ${fmtInt(P.m2)} conns reached; floor-normalized ${fmtX(pairedRatio(s2, p2.r.floor) / r0)}`,
      });
      table.set('1e', {
        what:
          `SYN_RECV dump (sock_diag, state syn-recv; part of the sample every ${fmtEvery(DEFAULTS.synQueueIntervalMs)} by default; ` +
          `the kernel walks the established hash: O(connections)) at ${fmtInt(m1)} vs 0 conns`,
        ours: fmtMs(median(syn1)), ref: fmtMs(median(syn0)), ratio: fmtX(median(syn1) / median(syn0)), target: 'reported apart',
        verdict: 'info', note: `${fmtMs(median(p2.r.syn))} at ${fmtInt(m2)} conns`,
      });
      await pop.setConnections(1);
    });
  }

  /** 1g, 1i and 4c at nMid listeners and m1 connections. */
  async mid(): Promise<void> {
    const { P, pop, table } = this.lab;
    await this.lab.section(['1g', '1i', '4c'], `sample cost, ${P.nMid} listeners`, async () => {
      await pop.setListeners(P.nMid);
      const m1 = await pop.setConnections(1);
      const a = await this.cost();
      const src = a.r.sources;
      // Per second at the defaults: one sample, the probes in between, and the share of the
      // SYN_RECV dump that runs with a sample every --collector.syn-queue.interval.
      const probes = Math.max(0, DEFAULTS.sampleIntervalMs / DEFAULTS.fastIntervalMs - 1);
      const perSecond = median(a.r.sample) + probes * src.probeIdle + (median(a.r.syn) * 1000) / DEFAULTS.synQueueIntervalMs;
      table.set('1i', {
        what:
          `fast probe between samples (every ${fmtEvery(DEFAULTS.fastIntervalMs)}), ${fmtInt(P.nMid)} listeners, ${fmtInt(m1)} conns: ` +
          'PassiveOpens unchanged / moved (a lengths-only sock_diag dump)',
        ours: `${fmtMs(src.probeIdle)} / ${fmtMs(src.probeRead)}`, ref: `sample ${fmtMs(median(a.r.sample))}`,
        ratio: fmtX(src.probeRead / median(a.r.sample)), target: 'info', verdict: 'info',
        note:
          `default cost per second if idle: sample + ${probes} idle probes + SYN_RECV dump/${DEFAULTS.synQueueIntervalMs / 1000}` +
          ` = ${fmtMs(perSecond)}`,
      });
      table.set('4c', {
        what: `rendering the /metrics body for a new snapshot, ${fmtInt(P.nMid)} listeners (in-process; once per snapshot)`,
        ours: fmtMs(src.render), ref: `served from cache ${fmtMs(src.renderCached)}`, ratio: fmtX(src.render / src.renderCached),
        target: 'info', verdict: 'info',
      });
      await pop.setConnections(0);
      const b = await this.cost();
      await pop.setConnections(1);
      this.atTwoCounts('1g', P.nMid, m1, a, b);
    });
  }

  /** 1h at nBig listeners. */
  async big(): Promise<void> {
    const { P, pop } = this.lab;
    await this.lab.section(['1h'], `sample cost, ${P.nBig} listeners`, async () => {
      await pop.setListeners(P.nBig);
      const m1 = await pop.setConnections(1);
      const a = await this.cost();
      await pop.setConnections(0);
      const b = await this.cost();
      this.atTwoCounts('1h', P.nBig, m1, a, b);
    });
  }

  private atTwoCounts(id: RowId, n: number, m1: number, a: CostPoint, b: CostPoint): void {
    this.lab.table.set(id, {
      what: `${fmtInt(n)} listeners: sample at ${fmtInt(m1)} conns / at 0 conns (sample/floor at 0 conns in note)`,
      ours: fmtMs(median(a.r.sample)), ref: fmtMs(median(b.r.sample)), ratio: fmtX(median(a.r.sample) / median(b.r.sample)),
      target: 'info', verdict: 'info',
      note: `floor ${fmtMs(median(b.r.floor))}, sample/floor ${fmtX(pairedRatio(b.r.sample, b.r.floor))}`,
    });
  }
}
