/**
 * What every part of the default-mode benchmark shares: the plan, the processes started,
 * the table, the namespace's population, the exporters under test and the reference
 * processes beside them.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseExposition, type Sample, valueOf } from '../lab/exposition.js';
import type { ManagedProcess } from '../lab/netns.js';
import { cpuSeconds, httpGet, log, type Processes, sleep, waitFor200 } from './lib.js';
import { HTTP_ADDR, type Plan } from './plan.js';
import { Population } from './population.js';
import type { RowId, Table } from './table.js';

const distAt = process.argv.indexOf('--dist');
/** A private copy of the build (bench/run.ts makes one), so a rebuild during the run cannot break it. */
const EXPORTER_MAIN = distAt >= 0 ? (process.argv[distAt + 1] ?? '') : fileURLToPath(new URL('../dist/main.js', import.meta.url));
const NODE_EXPORTER = 'prometheus-node-exporter';
/** A do-nothing Node.js process: the floor of any Node process, measured beside ours. */
export const NODE_5HZ_TIMER = [process.execPath, '-e', 'setInterval(() => {}, 200)'] as const;

export interface Exporter {
  readonly proc: ManagedProcess;
  readonly pid: number;
  readonly base: string;
  readonly readyMs: number;
  readonly agent: http.Agent;
}

export interface CpuShares {
  /** Share of one core, 0..1. */
  readonly ours: number;
  readonly theirs: number;
  readonly wallS: number;
}

export class Lab {
  private nextPort = 19_100;
  readonly pop: Population;
  /** Lines for the results file's details section. */
  readonly details: string[] = [];

  constructor(
    readonly P: Plan,
    readonly procs: Processes,
    readonly table: Table<RowId>,
  ) {
    this.pop = new Population(P, procs);
  }

  /** A port on HTTP_ADDR no other process of this run has used. */
  port(): number {
    return this.nextPort++;
  }

  /** Runs one part of the benchmark; if it throws, its rows are marked ERROR and the run goes on. */
  async section(ids: readonly RowId[], name: string, run: () => Promise<void>): Promise<void> {
    log(`== ${name}`);
    try {
      await run();
    } catch (err) {
      log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.table.fail(ids, err);
    }
  }

  /** Refuses to go on when sock_diag does not serve: every row would then measure the ss fallback. */
  async startExporter(extra: readonly string[] = []): Promise<Exporter> {
    const port = this.port();
    const e = await this.startHttp([process.execPath, EXPORTER_MAIN, `--web.listen-address=${HTTP_ADDR}:${port}`, ...extra], port, '/readyz');
    if (!extra.includes('--no-source.sock-diag') && valueOf(await this.metrics(e), 'listenq_source_up', { source: 'sock_diag' }) !== 1) {
      throw new Error(`the exporter does not read its listeners through sock_diag (is the native addon beside ${EXPORTER_MAIN}?)`);
    }
    return e;
  }

  startNodeExporter(): Promise<Exporter> {
    const port = this.port();
    return this.startHttp(
      [NODE_EXPORTER, `--web.listen-address=${HTTP_ADDR}:${port}`, '--collector.disable-defaults', '--collector.netstat', '--collector.tcpstat'],
      port,
      '/',
    );
  }

  private async startHttp(argv: readonly string[], port: number, readyPath: string): Promise<Exporter> {
    const t0 = performance.now();
    const proc = this.procs.start(argv);
    const base = `http://${HTTP_ADDR}:${port}`;
    const readyMs = await waitFor200(`${base}${readyPath}`, t0, 30_000, () => proc.child.exitCode === null).catch((err: unknown) => {
      throw new Error(`${String(err)}; stderr: ${proc.stderr().slice(0, 300)}`);
    });
    const pid = proc.child.pid;
    if (pid === undefined) throw new Error(`${argv[0] ?? '?'} has no pid`);
    return { proc, pid, base, readyMs, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
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

  /** Runs an exporter for a while, scraping it once a second like an eager Prometheus. */
  async settle(e: Exporter, seconds: number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      await this.metrics(e);
      await sleep(1000);
    }
  }

  /**
   * The share of a core `pid` used while `during` ran (its reaped children included), and
   * that of a do-nothing Node.js process with a 5 Hz timer started `warmupMs` before it.
   */
  async cpuBeside(pid: number, warmupMs: number, during: () => Promise<void>, afterWarmup?: () => void): Promise<CpuShares> {
    const ref = this.procs.start(NODE_5HZ_TIMER);
    const refPid = ref.child.pid;
    try {
      if (refPid === undefined) throw new Error('the reference process has no pid');
      await sleep(warmupMs);
      afterWarmup?.();
      const t0 = performance.now();
      const c0 = cpuSeconds(pid);
      const r0 = cpuSeconds(refPid);
      await during();
      const wallS = (performance.now() - t0) / 1000;
      return { ours: (cpuSeconds(pid) - c0) / wallS, theirs: (cpuSeconds(refPid) - r0) / wallS, wallS };
    } finally {
      await this.procs.stop(ref);
    }
  }
}
