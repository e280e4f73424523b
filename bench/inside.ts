/**
 * The benchmark proper. bench/run.ts creates a fresh network namespace and starts this file
 * inside it (nsenter --net only, so mounts stay as in production); every process started
 * here (holders, exporters, node_exporter, autocannon, the sample-cost worker) inherits the
 * namespace, and all traffic stays on its loopback.
 *
 * Prints one markdown table on stdout (progress on stderr); exits 1 if any section broke.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/config/config.js';
import { parseArgs } from '../src/config/parse-args.js';
import { type ManagedProcess, PYTHON } from '../test/support/netns.js';
import {
  chunks, cpuSeconds, httpGet, httpGetRaw, parseExposition, Processes, rssMiB, type Sample, shuffle, sleep, sockstat, waitFor200,
} from './lib.js';
import { alternately, median, pairedRatio, quantile } from './stats.js';
import { fmtInt, fmtMiB, fmtMs, fmtPct, fmtX, ROW_IDS, type RowId, Table, type Verdict } from './table.js';
import type { MeasureResult } from './worker-sample-cost.js';

const HOLDER = fileURLToPath(new URL('./holder.py', import.meta.url));
const distAt = process.argv.indexOf('--dist');
/** A private copy of the build (bench/run.ts makes one), so a rebuild during the run cannot break it. */
const EXPORTER_MAIN = distAt >= 0 ? process.argv[distAt + 1]! : fileURLToPath(new URL('../dist/main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker-sample-cost.ts', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon');
const NODE_EXPORTER = 'prometheus-node-exporter';

interface Plan {
  readonly quick: boolean;
  readonly nTiny: number;
  readonly nSmall: number;
  readonly nMid: number;
  readonly nBig: number;
  readonly m1: number;
  readonly m2: number;
  readonly costRounds: number;
  readonly costWarmup: number;
  readonly costCycles: number;
  readonly cpuWarmupS: number;
  /** Start of the window reported beside 2a: from here to the end of the warm-up. */
  readonly cpuEarlyFromS: number;
  /** Warm-up of 2c, on the exporter 2a already warmed. */
  readonly trickleWarmupS: number;
  readonly cpuSeconds: number;
  readonly burstsPerDuration: number;
  readonly burstGapMs: readonly [number, number];
  readonly loadSeconds: number;
  readonly loadRepeats: number;
  readonly profRounds: number;
  readonly neRounds: number;
  readonly rssSettleS: number;
  readonly churnSeconds: number;
  readonly churnEarlyS: number;
  readonly churnWindowS: number;
  readonly churnPool: number;
  readonly churnRate: number;
  readonly churnRssEveryS: number;
  readonly startupReps: number;
}

const FULL: Plan = {
  quick: false,
  nTiny: 10,
  nSmall: 50,
  nMid: 1000,
  nBig: 10_000,
  m1: 20_000,
  m2: 100_000,
  costRounds: 40,
  costWarmup: 5,
  costCycles: 3,
  // Steady state: module loading and the first memory-reducing GCs are over after about
  // 20 s, but the JIT optimizes the ss path only at the second and third ss runs (30 and
  // 60 s after start, 36-46 ms of compiling each at 1,000 listeners). Start-up itself is
  // row 7a; the 30-90 s window is reported beside 2a.
  cpuWarmupS: 90,
  cpuEarlyFromS: 30,
  trickleWarmupS: 30,
  cpuSeconds: 60,
  burstsPerDuration: 40,
  burstGapMs: [300, 1300],
  loadSeconds: 10,
  loadRepeats: 2,
  profRounds: 15,
  neRounds: 30,
  rssSettleS: 20,
  churnSeconds: 600,
  churnEarlyS: 120,
  churnWindowS: 30,
  churnPool: 1000,
  churnRate: 100,
  churnRssEveryS: 5,
  startupReps: 5,
};

const QUICK: Plan = {
  quick: true,
  nTiny: 10,
  nSmall: 50,
  nMid: 1000,
  nBig: 2000,
  m1: 2000,
  m2: 5000,
  costRounds: 5,
  costWarmup: 1,
  costCycles: 1,
  cpuWarmupS: 2,
  cpuEarlyFromS: 1,
  trickleWarmupS: 1,
  cpuSeconds: 3,
  burstsPerDuration: 2,
  burstGapMs: [200, 600],
  loadSeconds: 2,
  loadRepeats: 1,
  profRounds: 2,
  neRounds: 4,
  rssSettleS: 2,
  churnSeconds: 8,
  churnEarlyS: 3,
  churnWindowS: 3,
  churnPool: 200,
  churnRate: 50,
  churnRssEveryS: 1,
  startupReps: 1,
};

const MAX_FDS_PER_HOLDER = 9000; // connections per pairs holder: 2 fds each, limit ~20,000
const MAX_LISTENERS_PER_HOLDER = 5000;
const BURST_BACKLOG = 4;
const BURST_ADDR = '127.0.0.4';
const TRICKLE_RATE = 20;
/** The exporter's defaults, for the rows that describe or count by them. */
const DEFAULTS: Config = (() => {
  const o = parseArgs([], {});
  if (o.kind !== 'run') throw new Error('no default configuration');
  return o.config;
})();
const fmtEvery = (ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
const LISTENER_BASE_PORT = 10_000; // 10,000 listeners take 127.0.0.1:10000-19999
/** Exporters, node_exporter and the reference server listen here: no clash with the listeners above. */
const HTTP_ADDR = '127.0.0.9';

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

interface Exporter {
  readonly proc: ManagedProcess;
  readonly pid: number;
  readonly base: string;
  readonly readyMs: number;
  readonly agent: http.Agent;
}

interface CostPoint {
  readonly n: number;
  readonly m: number;
  readonly r: MeasureResult;
}

interface Group {
  readonly target: number;
  readonly procs: ManagedProcess[];
  readonly reached: number;
}

class Bench {
  private readonly listenerGroups: Group[] = [];
  private readonly connGroups: Group[] = [];
  private nextExporterPort = 19_100;
  private nextHolder = 0;
  private worker: ManagedProcess | undefined;
  readonly details: string[] = [];
  readonly reached = { listeners: 0, connections: 0, maxConnections: 0 };

  constructor(
    private readonly P: Plan,
    private readonly procs: Processes,
    private readonly table: Table,
  ) {}

  // ---------- namespace population ----------

  /** Grows or shrinks the listener count to one of the plan's sizes. */
  async setListeners(n: number): Promise<void> {
    while (this.listenerGroups.length > 0 && this.listenerGroups.at(-1)!.target > n) {
      const g = this.listenerGroups.pop()!;
      for (const p of g.procs) await this.procs.stop(p);
    }
    const sizes = [this.P.nTiny, this.P.nSmall, this.P.nMid, this.P.nBig].filter((s) => s <= n);
    for (const target of sizes) {
      const have = this.listenerGroups.at(-1)?.target ?? 0;
      if (target <= have) continue;
      const procs: ManagedProcess[] = [];
      let port = LISTENER_BASE_PORT + have;
      for (const count of chunks(target - have, MAX_LISTENERS_PER_HOLDER)) {
        const p = this.procs.start([PYTHON, HOLDER, 'listeners', '--first-port', String(port), '--count', String(count)]);
        procs.push(p);
        const line = JSON.parse(await p.nextLine(60_000)) as { listeners?: number };
        if (line.listeners !== count) throw new Error(`listener holder opened ${String(line.listeners)} of ${count}`);
        port += count;
      }
      this.listenerGroups.push({ target, procs, reached: target });
    }
    this.reached.listeners = this.listenerGroups.at(-1)?.target ?? 0;
    log(`listeners: ${this.reached.listeners}`);
  }

  /** Level 0: no connections; 1: m1; 2: m2 (as many as could be opened). Returns the count reached. */
  async setConnections(level: 0 | 1 | 2): Promise<number> {
    const targets = [0, this.P.m1, this.P.m2];
    while (this.connGroups.length > level) {
      const g = this.connGroups.pop()!;
      for (const p of g.procs) await this.procs.stop(p);
    }
    while (this.connGroups.length < level) {
      const have = this.connGroups.at(-1)?.reached ?? 0;
      const target = targets[this.connGroups.length + 1]!;
      const parts = chunks(target - have, MAX_FDS_PER_HOLDER);
      const procs: ManagedProcess[] = [];
      const opened = await Promise.all(
        parts.map(async (count) => {
          const h = this.nextHolder++;
          const p = this.procs.start([
            PYTHON, HOLDER, 'pairs', '--src', `127.1.${h % 250}.${1 + Math.floor(h / 250)}`, '--port', String(9000 + h),
            '--count', String(count),
          ]);
          procs.push(p);
          try {
            const line = JSON.parse(await p.nextLine(120_000)) as { pairs?: number; error?: string };
            if (line.pairs === undefined) throw new Error(line.error ?? 'no pairs');
            return line.pairs;
          } catch (err) {
            log(`a pairs holder failed (${String(err)}); stderr: ${p.stderr().slice(0, 300)}`);
            return 0;
          }
        }),
      );
      const reached = have + opened.reduce((a, b) => a + b, 0);
      this.connGroups.push({ target, procs, reached });
      if (reached < target && this.connGroups.length === 1) throw new Error(`only ${reached} of ${target} connections opened`);
      if (reached < target) break;
    }
    await sleep(300);
    const reached = this.connGroups.at(-1)?.reached ?? 0;
    this.reached.connections = reached;
    this.reached.maxConnections = Math.max(this.reached.maxConnections, reached);
    const st = sockstat();
    log(`connections: ${reached} (sockstat inuse ${String(st.inuse)}, tw ${String(st.tw)})`);
    return reached;
  }

  // ---------- sample cost (worker) ----------

  async cost(): Promise<CostPoint> {
    if (!this.worker) {
      this.worker = this.procs.start([process.execPath, '--import', 'tsx', WORKER]);
    }
    const cmd = { cmd: 'measure', rounds: this.P.costRounds, warmup: this.P.costWarmup, gapMs: 10, profRounds: this.P.profRounds };
    this.worker.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
    const out = JSON.parse(await this.worker.nextLine(600_000)) as MeasureResult | { error: string };
    if ('error' in out) throw new Error(`sample-cost worker: ${out.error}`);
    const n = this.reached.listeners;
    // The cardinality guard (--max-listeners, default 2000) exports the most loaded ones only.
    const expected = Math.min(n, out.maxListeners);
    if (out.listeners < expected) throw new Error(`sampler exported ${out.listeners} listeners, expected at least ${expected}`);
    const point = { n, m: this.reached.connections, r: out };
    const src = Object.entries(out.sources)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    const line =
      `N=${n} M=${point.m}: sample ${median(out.sample).toFixed(2)} ms, floor ${median(out.floor).toFixed(2)} ms, ` +
      `syn_recv ${median(out.syn).toFixed(2)} ms; sources alone (ms): ${src}`;
    log(line);
    this.details.push(line);
    return point;
  }

  // ---------- exporters ----------

  async startExporter(extra: readonly string[] = []): Promise<Exporter> {
    const port = this.nextExporterPort++;
    const t0 = performance.now();
    const proc = this.procs.start([process.execPath, EXPORTER_MAIN, `--web.listen-address=${HTTP_ADDR}:${port}`, ...extra]);
    const base = `http://${HTTP_ADDR}:${port}`;
    const readyMs = await waitFor200(`${base}/readyz`, t0, 30_000, () => proc.child.exitCode === null).catch((err: unknown) => {
      throw new Error(`${String(err)}; stderr: ${proc.stderr().slice(0, 300)}`);
    });
    return { proc, pid: proc.child.pid!, base, readyMs, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  }

  /**
   * The share of a core `pid` used while `during` ran (its reaped children included), and
   * that of a do-nothing Node.js process with a 5 Hz timer started `warmupMs` before it.
   */
  async cpuBeside(
    pid: number,
    warmupMs: number,
    during: () => Promise<void>,
    afterWarmup?: () => void,
  ): Promise<{ ours: number; theirs: number; wallS: number }> {
    const ref = this.procs.start([process.execPath, '-e', 'setInterval(() => {}, 200)']);
    try {
      await sleep(warmupMs);
      afterWarmup?.();
      const t0 = performance.now();
      const c0 = cpuSeconds(pid);
      const r0 = cpuSeconds(ref.child.pid!);
      await during();
      const wallS = (performance.now() - t0) / 1000;
      return { ours: (cpuSeconds(pid) - c0) / wallS, theirs: (cpuSeconds(ref.child.pid!) - r0) / wallS, wallS };
    } finally {
      await this.procs.stop(ref);
    }
  }

  async startNodeExporter(): Promise<{ proc: ManagedProcess; pid: number; base: string; readyMs: number; agent: http.Agent }> {
    const port = this.nextExporterPort++;
    const t0 = performance.now();
    const proc = this.procs.start([
      NODE_EXPORTER, `--web.listen-address=${HTTP_ADDR}:${port}`, '--collector.disable-defaults', '--collector.netstat',
      '--collector.tcpstat',
    ]);
    const base = `http://${HTTP_ADDR}:${port}`;
    const readyMs = await waitFor200(`${base}/`, t0, 30_000, () => proc.child.exitCode === null).catch((err: unknown) => {
      throw new Error(`${String(err)}; stderr: ${proc.stderr().slice(0, 300)}`);
    });
    return { proc, pid: proc.child.pid!, base, readyMs, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
  }

  async metrics(e: Exporter): Promise<Sample[]> {
    const r = await httpGet(`${e.base}/metrics`, e.agent);
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    return parseExposition(r.body);
  }

  /** The sample counter and the time of the sample that set it (the exporter's own clock). */
  async samplesTotal(e: Exporter): Promise<{ total: number; at: number }> {
    const ms = await this.metrics(e);
    const total = ms.find((x) => x.name === 'listenq_samples_total');
    const at = ms.find((x) => x.name === 'listenq_last_sample_timestamp_seconds');
    if (!total || !at) throw new Error('no listenq_samples_total or listenq_last_sample_timestamp_seconds');
    return { total: total.value, at: at.value };
  }

  // ---------- sections ----------

  async section(ids: readonly RowId[], name: string, run: () => Promise<void>): Promise<void> {
    log(`== ${name}`);
    try {
      await run();
    } catch (err) {
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.table.fail(ids, err);
    }
  }

  costRow(id: RowId, what: string, p: CostPoint): void {
    const ratio = pairedRatio(p.r.sample, p.r.floor);
    this.table.set(id, {
      what,
      ours: fmtMs(median(p.r.sample)),
      ref: `floor ${fmtMs(median(p.r.floor))}`,
      ratio: fmtX(ratio),
      target: 'info',
      verdict: 'info',
    });
  }

  /** 1f: 10 listeners, no connections. */
  async tiny(): Promise<void> {
    await this.section(['1f'], 'sample cost, 10 listeners', async () => {
      await this.setListeners(this.P.nTiny);
      await this.setConnections(0);
      const p = await this.cost();
      this.costRow('1f', `sample vs floor, ${p.n} listeners, 0 conns`, p);
    });
  }

  /** Runs an exporter for a while, scraping it once a second like an eager Prometheus. */
  async settle(e: Exporter, seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      await this.metrics(e);
      await sleep(1000);
    }
  }

  /** 1a-1e: 50 listeners, connections toggled 0 <-> m1 in cycles, then m2. */
  async small(): Promise<void> {
    await this.section(['1a', '1b', '1c', '1d', '1e'], 'sample cost, 50 listeners, 0 vs 20k vs 100k conns', async () => {
      await this.setListeners(this.P.nSmall);
      const at0: CostPoint[] = [];
      const at1: CostPoint[] = [];
      let m1 = 0;
      for (let c = 0; c < this.P.costCycles; c++) {
        await this.setConnections(0);
        at0.push(await this.cost());
        m1 = await this.setConnections(1);
        at1.push(await this.cost());
      }
      const pool = (ps: CostPoint[], k: 'sample' | 'floor' | 'syn') => ps.flatMap((p) => p.r[k]);
      const s0 = pool(at0, 'sample');
      const s1 = pool(at1, 'sample');
      const f0 = pool(at0, 'floor');
      const f1 = pool(at1, 'floor');
      const r0 = pairedRatio(s0, f0);
      const r1 = pairedRatio(s1, f1);
      this.table.set('1a', {
        what: `one sample (default settings, SYN_RECV apart) vs floor \`ss -tnH state listening\`, ${this.P.nSmall} listeners, 0 conns`,
        ours: fmtMs(median(s0)), ref: `floor ${fmtMs(median(f0))}`, ratio: fmtX(r0), target: '<= 1.5x',
        verdict: verdict(r0 <= 1.5),
      });
      this.table.set('1b', {
        what: `same at ${fmtInt(m1)} conns`,
        ours: fmtMs(median(s1)), ref: `floor ${fmtMs(median(f1))}`, ratio: fmtX(r1), target: 'info', verdict: 'info',
      });
      const growth = median(s1) / median(s0);
      this.table.set('1c', {
        what: `sample at ${fmtInt(m1)} conns vs at 0 conns (${this.P.nSmall} listeners, ${this.P.costCycles} A/B cycles)`,
        ours: fmtMs(median(s1)), ref: fmtMs(median(s0)), ratio: fmtX(growth), target: '<= 1.3x', verdict: verdict(growth <= 1.3),
        note: `floor-normalized ${fmtX(r1 / r0)}`,
      });
      const syn0 = pool(at0, 'syn');
      const syn1 = pool(at1, 'syn');
      const m2 = await this.setConnections(2);
      const p2 = await this.cost();
      const s2 = p2.r.sample;
      const g2 = median(s2) / median(s0);
      this.table.set('1d', {
        what: `sample at ${fmtInt(m2)} conns vs at 0 conns (${this.P.nSmall} listeners)`,
        ours: fmtMs(median(s2)), ref: fmtMs(median(s0)), ratio: fmtX(g2), target: '<= 1.3x (as 1c)',
        verdict: m2 < this.P.m2 ? 'not reached' : verdict(g2 <= 1.3),
        note: `${fmtInt(m2)} of ${fmtInt(this.P.m2)} conns reached; floor-normalized ${fmtX(pairedRatio(s2, p2.r.floor) / r0)}`,
      });
      this.table.set('1e', {
        what:
          `ss run with SYN_RECV (\`ss -tnHe state listening state syn-recv\`, default every ${fmtEvery(DEFAULTS.synQueueIntervalMs)}; ` +
          `O(connections)) at ${fmtInt(m1)} vs 0 conns`,
        ours: fmtMs(median(syn1)), ref: fmtMs(median(syn0)), ratio: fmtX(median(syn1) / median(syn0)), target: 'reported apart',
        verdict: 'info', note: `${fmtMs(median(p2.r.syn))} at ${fmtInt(m2)} conns`,
      });
      await this.setConnections(1);
    });
  }

  /** 1g and items 2-5, 6b, 7 at nMid listeners and m1 connections. */
  async mid(): Promise<void> {
    await this.section(['1g', '1i', '4c'], `sample cost, ${this.P.nMid} listeners`, async () => {
      await this.setListeners(this.P.nMid);
      const m1 = await this.setConnections(1);
      const a = await this.cost();
      const src = a.r.sources;
      // Per second at the defaults: one sample, the probes in between, and the share of the
      // ss run that also reads SYN_RECV (plus ss runs of their own if ss is due more often).
      const probes = Math.max(0, DEFAULTS.sampleIntervalMs / DEFAULTS.fastIntervalMs - 1);
      const perSecond = median(a.r.sample) + probes * src.probeIdle! + (median(a.r.syn) * 1000) / DEFAULTS.synQueueIntervalMs;
      this.table.set('1i', {
        what:
          `fast probe between samples (every ${fmtEvery(DEFAULTS.fastIntervalMs)}), ${fmtInt(this.P.nMid)} listeners, ${fmtInt(m1)} conns: ` +
          'PassiveOpens unchanged / moved (IPv4 table re-read)',
        ours: `${fmtMs(src.probeIdle!)} / ${fmtMs(src.probeRead!)}`, ref: `sample ${fmtMs(median(a.r.sample))}`,
        ratio: fmtX(src.probeRead! / median(a.r.sample)), target: 'info', verdict: 'info',
        note:
          `default cost per second if idle: sample + ${probes} idle probes + SYN_RECV/${DEFAULTS.synQueueIntervalMs / 1000}` +
          ` = ${fmtMs(perSecond)}`,
      });
      this.table.set('4c', {
        what: `rendering the /metrics body for a new snapshot, ${fmtInt(this.P.nMid)} listeners (in-process; once per snapshot)`,
        ours: fmtMs(src.render!), ref: `served from cache ${fmtMs(src.renderCached!)}`, ratio: fmtX(src.render! / src.renderCached!),
        target: 'info', verdict: 'info',
      });
      await this.setConnections(0);
      const b = await this.cost();
      await this.setConnections(1);
      this.table.set('1g', {
        what: `${fmtInt(this.P.nMid)} listeners: sample at ${fmtInt(m1)} conns / at 0 conns (sample/floor at 0 conns in note)`,
        ours: fmtMs(median(a.r.sample)), ref: fmtMs(median(b.r.sample)), ratio: fmtX(median(a.r.sample) / median(b.r.sample)),
        target: 'info', verdict: 'info',
        note: `floor ${fmtMs(median(b.r.floor))}, sample/floor ${fmtX(pairedRatio(b.r.sample, b.r.floor))}`,
      });
    });
    // Make sure the namespace is at nMid/m1 even if the section above failed half way.
    await this.setListeners(this.P.nMid);
    await this.setConnections(1);
    const L = this.reached.listeners;
    const M = this.reached.connections;

    let e: Exporter | undefined;
    await this.section(['2a', '6b'], 'daemon CPU', async () => {
      const exporter = await this.startExporter();
      e = exporter;
      // The readiness wait is part of the warm-up; the early window starts at cpuEarlyFromS.
      const started = performance.now() - exporter.readyMs;
      await sleep(Math.max(0, started + this.P.cpuEarlyFromS * 1000 - performance.now()));
      const early = { cpu: cpuSeconds(exporter.pid), at: performance.now() };
      let earlyShare = NaN;
      const warmupMs = Math.max(0, started + this.P.cpuWarmupS * 1000 - performance.now());
      const { ours, theirs } = await this.cpuBeside(exporter.pid, warmupMs, () => sleep(this.P.cpuSeconds * 1000), () => {
        earlyShare = (cpuSeconds(exporter.pid) - early.cpu) / ((performance.now() - early.at) / 1000);
      });
      this.table.set('2a', {
        what:
          `daemon CPU, default settings, ${this.P.cpuSeconds} s from ${this.P.cpuWarmupS} s after start, ${fmtInt(L)} listeners, ` +
          `${fmtInt(M)} conns (ss children included)`,
        ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: '<= 1% of a core',
        verdict: verdict(ours <= 0.01),
        note: `${this.P.cpuEarlyFromS}-${this.P.cpuWarmupS} s after start (JIT still optimizing the ss path): ${fmtPct(earlyShare)}`,
      });
      const rss = rssMiB(e.pid);
      this.table.set('6b', {
        what: `RSS at ${fmtInt(L)} listeners, ${fmtInt(M)} conns (after the CPU run)`,
        ours: fmtMiB(rss), ref: '-', ratio: '-', target: '<= 100 MiB', verdict: verdict(rss <= 100),
      });
    });
    if (!e) e = await this.startExporter();
    const exp = e;

    await this.section(['2c'], 'daemon CPU while connections keep arriving', async () => {
      // Every probe then sees PassiveOpens move and re-reads the listener rows.
      const t = this.procs.start([PYTHON, HOLDER, 'trickle', '--rate', String(TRICKLE_RATE)]);
      await t.nextLine(30_000);
      const { ours, theirs } = await this.cpuBeside(exp.pid, this.P.trickleWarmupS * 1000, () => sleep(this.P.cpuSeconds * 1000));
      await this.procs.stop(t);
      this.table.set('2c', {
        what:
          `daemon CPU as 2a while one listener accepts ${TRICKLE_RATE} connections/s ` +
          '(PassiveOpens moves before every fast probe)',
        ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: 'info',
        verdict: 'info',
      });
    });

    await this.section(['4a', '4b'], 'scrapes under load', async () => {
      const rate = async (seconds: number, load: boolean) => {
        // Samples between two sample instants over the time between them: no rounding to
        // whole samples per window.
        const s0 = await this.samplesTotal(exp);
        const ac = load ? this.autocannon(`${exp.base}/metrics`, seconds) : sleep(seconds * 1000).then(() => undefined);
        const res = await ac;
        const s1 = await this.samplesTotal(exp);
        if (s1.at <= s0.at) throw new Error(`no sample taken during a ${seconds} s window`);
        return { rate: (s1.total - s0.total) / (s1.at - s0.at), res };
      };
      // Reference: a bare Node http server sending a copy of our body from memory, under the
      // same load, interleaved: what the machine and the load generator allow at this size.
      // Scrapers ask for gzip as Prometheus does; the reference sends the very bytes we sent.
      const body = (await httpGet(`${exp.base}/metrics`, exp.agent)).body;
      const wire = await httpGetRaw(`${exp.base}/metrics`, { 'accept-encoding': 'gzip' });
      const encoding = wire.headers['content-encoding'];
      const bodyFile = join(tmpdir(), `lqb-body-${process.pid}.bin`);
      writeFileSync(bodyFile, wire.body);
      const staticPort = this.nextExporterPort++;
      const staticSrv = this.procs.start([
        process.execPath, '-e',
        `const b = require('fs').readFileSync(${JSON.stringify(bodyFile)}); require('http').createServer((q, s) => ` +
          `{ s.setHeader('content-type', 'text/plain; version=0.0.4'); ` +
          (typeof encoding === 'string' ? `s.setHeader('content-encoding', ${JSON.stringify(encoding)}); ` : '') +
          `s.end(b); }).listen(${staticPort}, '${HTTP_ADDR}');`,
      ]);
      const staticUrl = `http://${HTTP_ADDR}:${staticPort}/metrics`;
      await waitFor200(staticUrl, performance.now(), 20_000, () => staticSrv.child.exitCode === null);
      const idle: number[] = [];
      const busy: number[] = [];
      const runs: AutocannonResult[] = [];
      const refs: AutocannonResult[] = [];
      for (let i = 0; i < this.P.loadRepeats; i++) {
        idle.push((await rate(this.P.loadSeconds, false)).rate);
        const r = await rate(this.P.loadSeconds, true);
        busy.push(r.rate);
        runs.push(r.res!);
        refs.push(await this.autocannon(staticUrl, this.P.loadSeconds));
      }
      await this.procs.stop(staticSrv);
      rmSync(bodyFile, { force: true });
      const p50 = median(runs.map((r) => r.p50));
      const p99 = median(runs.map((r) => r.p99));
      const rps = median(runs.map((r) => r.rps));
      const bad = runs.reduce((a, r) => a + r.non2xx + r.errors, 0);
      if (runs.every((r) => r.rps === 0)) throw new Error('autocannon completed no request');
      const refP99 = median(refs.map((r) => r.p99));
      this.table.set('4a', {
        what:
          `/metrics, 50 concurrent autocannon scrapers (Accept-Encoding: gzip), ${this.P.loadSeconds} s x${this.P.loadRepeats}, ` +
          `${fmtInt(L)} listeners (${(body.length / 1024).toFixed(0)} KiB body, ${(wire.body.length / 1024).toFixed(0)} KiB ` +
          `${typeof encoding === 'string' ? encoding : 'uncompressed'} on the wire); reference: bare Node server sending the same bytes, interleaved`,
        ours: `p50 ${p50} ms, p99 ${p99} ms, ${rps.toFixed(0)} req/s`,
        ref: `p50 ${median(refs.map((r) => r.p50))} ms, p99 ${refP99} ms, ${median(refs.map((r) => r.rps)).toFixed(0)} req/s`,
        ratio: `p99 ${fmtX(p99 / refP99)}`, target: 'p99 <= 25 ms',
        verdict: verdict(p99 <= 25 && bad === 0), note: bad ? `${bad} errors/non-2xx` : undefined,
      });
      const ratio = median(busy) / median(idle);
      this.table.set('4b', {
        what: 'listenq_samples_total rate under load vs idle (scrapes cause no kernel work)',
        ours: `${median(busy).toFixed(2)}/s`, ref: `idle ${median(idle).toFixed(2)}/s`, ratio: fmtX(ratio),
        target: 'not faster under load (<= 1.1x)', verdict: verdict(ratio <= 1.1),
      });
    });

    await this.section(['5a', '5b'], 'side by side with node_exporter', async () => {
      const ne = await this.startNodeExporter();
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < 3; i++) {
        await httpGet(`${exp.base}/metrics`, exp.agent);
        await httpGet(`${ne.base}/metrics`, ne.agent);
      }
      for (let i = 0; i < this.P.neRounds; i++) {
        await alternately(
          i,
          async () => ours.push(okMs(await httpGet(`${exp.base}/metrics`, exp.agent))),
          async () => theirs.push(okMs(await httpGet(`${ne.base}/metrics`, ne.agent, 60_000))),
        );
        await sleep(50);
      }
      const rssOurs = rssMiB(exp.pid);
      const rssTheirs = rssMiB(ne.pid);
      await this.procs.stop(ne.proc);
      const ratio = median(ours) / median(theirs);
      this.table.set('5a', {
        what: `sequential /metrics scrape vs node_exporter (netstat+tcpstat), ${fmtInt(M)} conns, ${this.P.neRounds} interleaved`,
        ours: `p50 ${fmtMs(median(ours))}, p99 ${fmtMs(quantile(ours, 0.99))}`,
        ref: `p50 ${fmtMs(median(theirs))}, p99 ${fmtMs(quantile(theirs, 0.99))}`, ratio: fmtX(ratio),
        target: 'p50 <= node_exporter', verdict: verdict(ratio <= 1),
      });
      this.table.set('5b', {
        what: 'RSS vs node_exporter after those scrapes',
        ours: fmtMiB(rssOurs), ref: fmtMiB(rssTheirs), ratio: fmtX(rssOurs / rssTheirs), target: 'info', verdict: 'info',
      });
    });

    await this.section(['3a', '3b', '3c', '2b'], 'peak capture', () => this.peakCapture(exp));

    await this.procs.stop(exp.proc);

    await this.section(['7a'], 'start-up', async () => {
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let i = 0; i < this.P.startupReps; i++) {
        const a = await this.startExporter();
        ours.push(a.readyMs);
        await this.procs.stop(a.proc);
        const b = await this.startNodeExporter();
        theirs.push(b.readyMs);
        await this.procs.stop(b.proc);
      }
      const m = median(ours);
      this.table.set('7a', {
        what: `process start to /readyz 200 (${fmtInt(L)} listeners, ${fmtInt(M)} conns; node_exporter: start to first 200 on /)`,
        ours: fmtMs(m), ref: fmtMs(median(theirs)), ratio: fmtX(m / median(theirs)), target: '<= 1 s', verdict: verdict(m <= 1000),
      });
    });
  }

  async autocannon(url: string, seconds: number): Promise<AutocannonResult> {
    const p = this.procs.start([
      process.execPath, AUTOCANNON, '-c', '50', '-d', String(seconds), '-H', 'accept-encoding=gzip', '-j', '-n', url,
    ]);
    const line = await p.nextLine((seconds + 60) * 1000);
    await this.procs.stop(p);
    const j = JSON.parse(line) as {
      latency: { p50: number; p99: number };
      requests: { average: number };
      non2xx: number;
      errors: number;
      timeouts: number;
    };
    return { p50: j.latency.p50, p99: j.latency.p99, rps: j.requests.average, non2xx: j.non2xx, errors: j.errors + j.timeouts };
  }

  async peakCapture(e: Exporter): Promise<void> {
    const durations = [100, 250, 1000] as const;
    const count = this.P.burstsPerDuration * durations.length;
    const h = this.procs.start([PYTHON, HOLDER, 'bursts', '--addr', BURST_ADDR, '--count', String(count), '--backlog', String(BURST_BACKLOG)]);
    const ports = (JSON.parse(await h.nextLine(30_000)) as { ports: number[] }).ports;
    // The exporter must see every burst listener empty first: a first observation credits no full time.
    const burstSeries = (ms: Sample[], name: string) =>
      new Map(ms.filter((s) => s.name === name && s.labels.address === BURST_ADDR).map((s) => [Number(s.labels.port), s.value]));
    const seenBy = Date.now() + 30_000;
    for (;;) {
      const lengths = burstSeries(await this.metrics(e), 'listenq_accept_queue_length');
      if (ports.every((p) => lengths.has(p))) break;
      if (Date.now() > seenBy) throw new Error('burst listeners did not show up in /metrics within 30 s');
      await sleep(200);
    }
    await sleep(1200);
    const peak = new Map<number, number>();
    const full = new Map<number, number>();
    const record = async () => {
      const ms = await this.metrics(e);
      for (const [p, v] of burstSeries(ms, 'listenq_accept_queue_peak_length')) peak.set(p, Math.max(peak.get(p) ?? 0, v));
      for (const [p, v] of burstSeries(ms, 'listenq_accept_queue_full_seconds_total')) full.set(p, Math.max(full.get(p) ?? 0, v));
    };
    await record();
    const dirty = ports.filter((p) => (peak.get(p) ?? 0) > 0);
    if (dirty.length > 0) throw new Error(`${dirty.length} burst listeners had a peak before any burst`);

    const plan: Array<{ idx: number; hold: number; full?: boolean; heldMs?: number }> = [];
    for (let i = 0; i < this.P.burstsPerDuration; i++) {
      for (const hold of shuffle([...durations])) plan.push({ idx: plan.length, hold });
    }
    const [gapLo, gapHi] = this.P.burstGapMs;
    const { ours, theirs, wallS: wall } = await this.cpuBeside(e.pid, 300, async () => {
      for (const [k, b] of plan.entries()) {
        h.child.stdin!.write(`${b.idx} ${b.hold}\n`);
        const res = JSON.parse(await h.nextLine(15_000)) as { burst: number; full: boolean; held_ms: number };
        if (res.burst !== b.idx) throw new Error(`burst helper answered for ${res.burst}, expected ${b.idx}`);
        b.full = res.full;
        b.heldMs = res.held_ms;
        // Random gaps: bursts must not lock in phase with the sampler's interval.
        await sleep(gapLo + Math.random() * (gapHi - gapLo));
        if ((k + 1) % 8 === 0) await record();
      }
    });
    await sleep(1500);
    await record();
    await this.procs.stop(h);

    this.table.set('2b', {
      what: `daemon CPU while the bursts of item 3 ran (${wall.toFixed(0)} s)`,
      ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: 'info', verdict: 'info',
    });
    const ids: Record<(typeof durations)[number], RowId> = { 100: '3a', 250: '3b', 1000: '3c' };
    for (const d of durations) {
      const bursts = plan.filter((b) => b.hold === d);
      const valid = bursts.filter((b) => b.full);
      const byPeak = valid.filter((b) => (peak.get(ports[b.idx]!) ?? 0) > BURST_BACKLOG).length;
      const byFull = valid.filter((b) => (full.get(ports[b.idx]!) ?? 0) > 0).length;
      const both = valid.filter((b) => (peak.get(ports[b.idx]!) ?? 0) > BURST_BACKLOG && (full.get(ports[b.idx]!) ?? 0) > 0).length;
      const rate = valid.length ? both / valid.length : Number.NaN;
      const held = median(valid.map((b) => b.heldMs ?? 0));
      const credited = median(valid.map((b) => full.get(ports[b.idx]!) ?? 0));
      let v: Verdict = 'info';
      if (d === 250) v = verdict(rate >= 0.95);
      if (valid.length === 0) throw new Error(`no ${d} ms burst filled its queue`);
      this.table.set(ids[d], {
        what: `peak capture, ${d} ms bursts (held ${held.toFixed(0)} ms), default settings: seen in peak_length AND full_seconds_total`,
        ours: `${both}/${valid.length}`, ref: `peak ${byPeak}, full_seconds ${byFull}`, ratio: fmtPct(rate),
        target: d === 250 ? '>= 95%' : 'info', verdict: v,
        note:
          `full_seconds credited per burst: median ${credited.toFixed(2)} s` +
          (bursts.length !== valid.length ? `; ${bursts.length - valid.length} bursts did not fill` : ''),
      });
    }
  }

  /** 1h and 6c at nBig listeners. */
  async big(): Promise<void> {
    await this.section(['1h'], `sample cost, ${this.P.nBig} listeners`, async () => {
      await this.setListeners(this.P.nBig);
      const m1 = await this.setConnections(1);
      const a = await this.cost();
      await this.setConnections(0);
      const b = await this.cost();
      this.table.set('1h', {
        what: `${fmtInt(this.P.nBig)} listeners: sample at ${fmtInt(m1)} conns / at 0 conns (sample/floor at 0 conns in note)`,
        ours: fmtMs(median(a.r.sample)), ref: fmtMs(median(b.r.sample)), ratio: fmtX(median(a.r.sample) / median(b.r.sample)),
        target: 'info', verdict: 'info',
        note: `floor ${fmtMs(median(b.r.floor))}, sample/floor ${fmtX(pairedRatio(b.r.sample, b.r.floor))}`,
      });
    });
    await this.section(['6c'], `RSS at ${this.P.nBig} listeners`, async () => {
      await this.setListeners(this.P.nBig);
      await this.setConnections(0);
      const e = await this.startExporter();
      await this.settle(e, this.P.rssSettleS);
      const rss = rssMiB(e.pid);
      const exported = (await this.metrics(e)).filter((x) => x.name === 'listenq_accept_queue_length').length;
      await this.procs.stop(e.proc);
      this.table.set('6c', {
        what:
          `RSS at ${fmtInt(this.reached.listeners)} listeners, 0 conns (after ${this.P.rssSettleS} s with 1 scrape/s; ` +
          `${fmtInt(exported)} exported at default --max-listeners)`,
        ours: fmtMiB(rss), ref: '-', ratio: '-', target: 'info', verdict: 'info',
      });
    });
  }

  /** 6a idle RSS, then 6d: listeners created and closed continuously. */
  async churn(): Promise<void> {
    await this.section(['6a', '6d'], 'RSS idle, then listener churn', async () => {
      await this.setConnections(0);
      await this.setListeners(this.P.nTiny);
      const e = await this.startExporter();
      await this.settle(e, this.P.rssSettleS);
      this.table.set('6a', {
        what: `RSS idle (${this.reached.listeners} listeners, 0 conns, after ${this.P.rssSettleS} s with 1 scrape/s)`,
        ours: fmtMiB(rssMiB(e.pid)), ref: '-', ratio: '-', target: 'info', verdict: 'info',
      });
      const h = this.procs.start([PYTHON, HOLDER, 'churn', '--pool', String(this.P.churnPool), '--rate', String(this.P.churnRate)]);
      await h.nextLine(30_000);
      const t0 = performance.now();
      const rss: Array<{ t: number; mib: number }> = [];
      let lastRss = -Infinity;
      let scrapes = 0;
      let seriesMax = 0;
      while ((performance.now() - t0) / 1000 < this.P.churnSeconds) {
        const ms = await this.metrics(e);
        scrapes++;
        seriesMax = Math.max(seriesMax, ms.length);
        const t = (performance.now() - t0) / 1000;
        if (t - lastRss >= this.P.churnRssEveryS) {
          rss.push({ t, mib: rssMiB(e.pid) });
          lastRss = t;
        }
        await sleep(1000);
      }
      await this.procs.stop(h);
      await this.procs.stop(e.proc);
      const w = this.P.churnWindowS / 2;
      const early = median(rss.filter((r) => Math.abs(r.t - this.P.churnEarlyS) <= w).map((r) => r.mib));
      const late = median(rss.filter((r) => r.t >= this.P.churnSeconds - this.P.churnWindowS).map((r) => r.mib));
      const growth = late / early - 1;
      this.details.push(`churn RSS (s: MiB): ${rss.map((r) => `${r.t.toFixed(0)}: ${r.mib.toFixed(1)}`).join(', ')}`);
      this.table.set('6d', {
        what:
          `listener churn ${this.P.churnSeconds} s (pool ${this.P.churnPool}, ${this.P.churnRate} replaced/s, 1 scrape/s): ` +
          `RSS growth ${fmtS(this.P.churnEarlyS)} -> ${fmtS(this.P.churnSeconds)}`,
        ours: `${fmtMiB(early)} -> ${fmtMiB(late)}`, ref: `${scrapes} scrapes, <= ${fmtInt(seriesMax)} series`,
        ratio: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%`, target: '<= 5%', verdict: verdict(growth <= 0.05),
      });
    });
  }
}

interface AutocannonResult {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly non2xx: number;
  readonly errors: number;
}

function okMs(r: { status: number; ms: number }): number {
  if (r.status !== 200) throw new Error(`scrape answered ${r.status}`);
  return r.ms;
}

const verdict = (ok: boolean): Verdict => (ok ? 'met' : 'missed');
const fmtS = (s: number) => (s >= 60 && s % 60 === 0 ? `min ${s / 60}` : `${s} s`);

function machine(): string {
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  const memGiB = mem ? (Number(mem[1]) / 1024 / 1024).toFixed(1) : '?';
  // BENCH_COMMIT names the commit when the run is made from an exported tree without .git.
  let head = process.env.BENCH_COMMIT ?? '?';
  try {
    head = execFileSync('git', ['log', '-1', '--format=%h %s'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  return (
    `nproc ${os.cpus().length}, ${memGiB} GiB memory, ${os.cpus()[0]?.model ?? '?'}, Linux ${os.release()}, ` +
    `node ${process.version}; HEAD ${head}`
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const P = argv.includes('--quick') ? QUICK : FULL;
  const resultsAt = argv.indexOf('--results');
  const resultsPath = resultsAt >= 0 ? argv[resultsAt + 1] : undefined;
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  const procs = new Processes();
  const table = new Table();
  const bench = new Bench(P, procs, table);

  // If the outer harness dies, its end of our stdin closes: stop everything we started.
  process.stdin.on('end', () => {
    log('harness went away; stopping');
    void procs.stopAll().then(() => process.exit(1));
  });
  process.stdin.resume();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      log(`${sig}; stopping`);
      void procs.stopAll().then(() => {
        process.stdout.write(`benchmark interrupted by ${sig}; rows so far:\n\n${table.render()}\n`);
        process.exit(1);
      });
    });
  }

  try {
    await bench.tiny();
    await bench.small();
    await bench.mid();
    await bench.big();
    await bench.churn();
  } catch (err) {
    log(`benchmark aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    table.fail(ROW_IDS, err);
  } finally {
    await procs.stopAll();
  }

  const mins = ((performance.now() - t0) / 60_000).toFixed(1);
  const header = [
    `listenq-exporter benchmark (${P.quick ? 'quick' : 'full'}), ${started.toISOString()}, ${mins} min`,
    `machine: ${machine()}`,
    `load average (1 min) at start / end: ${loadAtStart.toFixed(1)} / ${os.loadavg()[0]!.toFixed(1)} ` +
      `on ${os.cpus().length} CPUs (other work on this machine; compare ratios, not absolute times)`,
    `reached: listeners up to ${fmtInt(Math.max(P.nBig, bench.reached.listeners))}, connections up to ${fmtInt(bench.reached.maxConnections)} (of ${fmtInt(P.m2)} tried)`,
  ];
  const out = `${header.join('\n')}\n\n${table.render()}\n`;
  process.stdout.write(out);
  if (resultsPath) {
    writeFileSync(resultsPath, `${results(P, header, table.render(), bench.details)}\n`);
    log(`wrote ${resultsPath}`);
  }
  const errors = table.errors();
  if (errors.length > 0) {
    log(`${errors.length} rows broke: ${errors.map((r) => r.id).join(', ')}`);
    process.exit(1);
  }
  process.exit(0);
}

function results(P: Plan, header: readonly string[], tableText: string, details: readonly string[]): string {
  return [
    '# Benchmark results',
    '',
    ...header.flatMap((h) => [h, '']),
    `Command: \`npm run bench${P.quick ? ' -- --quick' : ''}\` (as root; it makes its own network namespace)`,
    '',
    tableText,
    '',
    '## Sample cost details (medians, ms)',
    '',
    ...details.map((d) => `- ${d}`),
  ].join('\n');
}

void main();
