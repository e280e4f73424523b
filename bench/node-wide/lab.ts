/**
 * The node-wide benchmark's namespaces and processes: N network namespaces, each with one
 * holder process of 10 listeners that can also make bounded connection traffic, and the
 * three processes measured side by side: one exporter with --namespaces=all in the host
 * namespace, one default-mode exporter inside the first namespace (the budget unit) and a
 * do-nothing Node.js 5 Hz timer.
 */
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { parseExposition, type Sample } from '../../lab/exposition.js';
import { createNetns, hostNamespace, type ManagedProcess, type Netns, netnsInode, PYTHON } from '../../lab/netns.js';
import { NODE_5HZ_TIMER } from '../lab.js';
import { cpuSeconds, httpGet, waitFor200 } from '../lib.js';
import { HOLDER } from '../population.js';
import type { NodeWidePlan } from './plan.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const FIRST_PORT = 10_000;
/** Holders started at once while namespaces are made. */
const START_BATCH = 10;

interface Space {
  readonly ns: Netns;
  /** The exporter's netns label for it. */
  readonly inode: string;
  readonly holder: ManagedProcess;
}

export type Measured = 'all' | 'single' | 'reference';

export class NodeWideLab {
  readonly spaces: Space[] = [];
  readonly host = hostNamespace();
  private readonly procs: Partial<Record<Measured, ManagedProcess>> = {};
  private readonly port = 19_700 + (process.pid % 100) * 2;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(readonly P: NodeWidePlan) {}

  /** Adds namespaces (each with its holder of listeners) until there are `n`. */
  async grow(n: number): Promise<void> {
    while (this.spaces.length < n) {
      const batch = Math.min(START_BATCH, n - this.spaces.length);
      const made = await Promise.all(
        Array.from({ length: batch }, async () => {
          const ns = await createNetns('lqb-ns');
          const holder = ns.start([
            PYTHON, HOLDER, 'listeners', '--addr', '127.0.0.1', '--first-port', String(FIRST_PORT),
            '--count', String(this.P.listenersPerNamespace),
          ]);
          const space = { ns, inode: netnsInode(ns), holder };
          this.spaces.push(space);
          const line = JSON.parse(await holder.nextLine(30_000)) as { listeners?: number };
          if (line.listeners !== this.P.listenersPerNamespace) throw new Error(`a holder in ${ns.name} opened ${String(line.listeners)} listeners`);
          return space;
        }),
      );
      if (made.length !== batch) throw new Error('namespaces missing');
    }
  }

  /** Every namespace's holder starts P.rate new connections a second, for at most `seconds`. */
  startTraffic(seconds: number): void {
    for (const s of this.spaces) s.holder.child.stdin?.write(`traffic ${this.P.rate} ${seconds} fin\n`);
  }

  /** Ends every namespace's traffic run; returns connections made and failed. */
  async stopTraffic(): Promise<{ made: number; errors: number }> {
    let made = 0;
    let errors = 0;
    for (const s of this.spaces) s.holder.child.stdin?.write('stop\n');
    for (const s of this.spaces) {
      const r = JSON.parse(await s.holder.nextLine(30_000)) as { traffic?: number; errors?: number };
      made += r.traffic ?? 0;
      errors += r.errors ?? 0;
    }
    return { made, errors };
  }

  /** Starts the three measured processes. */
  async startMeasured(): Promise<void> {
    const first = this.spaces[0];
    if (!first) throw new Error('no namespace yet');
    this.procs.single = first.ns.start([process.execPath, MAIN, `--web.listen-address=127.0.0.1:${this.port + 1}`]);
    this.procs.all = this.host.start([process.execPath, MAIN, '--namespaces=all', `--web.listen-address=127.0.0.1:${this.port}`]);
    this.procs.reference = this.host.start(NODE_5HZ_TIMER);
    const all = this.procs.all;
    await waitFor200(`http://127.0.0.1:${this.port}/readyz`, performance.now(), 60_000, () => all.child.exitCode === null).catch(
      (err: unknown) => {
        throw new Error(`${String(err)}; stderr: ${all.stderr().slice(0, 300)}`);
      },
    );
  }

  private pid(k: Measured): number {
    const pid = this.procs[k]?.child.pid;
    if (pid === undefined) throw new Error(`${k} is not running`);
    return pid;
  }

  /** Shares of one core (0..1) of the three over the same window: the same machine load lands on each. */
  async cpu(windowS: number): Promise<Record<Measured, number>> {
    const keys: Measured[] = ['all', 'single', 'reference'];
    const before = Object.fromEntries(keys.map((k) => [k, cpuSeconds(this.pid(k))])) as Record<Measured, number>;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const secs = (performance.now() - t0) / 1000;
    return Object.fromEntries(keys.map((k) => [k, (cpuSeconds(this.pid(k)) - before[k]) / secs])) as Record<Measured, number>;
  }

  /** The all-mode exporter's /metrics, read from the host namespace. */
  async scrape(): Promise<Sample[]> {
    const r = await httpGet(`http://127.0.0.1:${this.port}/metrics`, this.agent, 30_000);
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
    return parseExposition(r.body);
  }

  async destroy(): Promise<void> {
    await this.host.destroy();
    for (const s of this.spaces) await s.ns.destroy();
  }
}
