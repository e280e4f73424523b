/**
 * What the benchmark namespace holds at each step: listener groups and established
 * loopback connection groups, grown and shrunk to the plan's sizes by holder processes.
 */
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, PYTHON } from '../lab/netns.js';
import { chunks, log, type Processes, sleep, sockstat } from './lib.js';
import { LISTENER_BASE_PORT, MAX_FDS_PER_HOLDER, MAX_LISTENERS_PER_HOLDER, type Plan } from './plan.js';

export const HOLDER = fileURLToPath(new URL('./holder.py', import.meta.url));

interface Group {
  readonly target: number;
  readonly procs: ManagedProcess[];
  readonly reached: number;
}

export class Population {
  private readonly listenerGroups: Group[] = [];
  private readonly connGroups: Group[] = [];
  private nextHolder = 0;
  readonly reached = { listeners: 0, connections: 0, maxConnections: 0 };

  constructor(
    private readonly P: Plan,
    private readonly procs: Processes,
  ) {}

  /** Grows or shrinks the listener count to one of the plan's sizes. */
  async setListeners(n: number): Promise<void> {
    for (let g = this.listenerGroups.at(-1); g && g.target > n; g = this.listenerGroups.at(-1)) {
      this.listenerGroups.pop();
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
    const targets = [0, this.P.m1, this.P.m2] as const;
    for (let g = this.connGroups.at(-1); g && this.connGroups.length > level; g = this.connGroups.at(-1)) {
      this.connGroups.pop();
      for (const p of g.procs) await this.procs.stop(p);
    }
    while (this.connGroups.length < level) {
      const have = this.connGroups.at(-1)?.reached ?? 0;
      const target = targets[(this.connGroups.length + 1) as 1 | 2];
      const parts = chunks(target - have, MAX_FDS_PER_HOLDER);
      const procs: ManagedProcess[] = [];
      const opened = await Promise.all(parts.map((count) => this.openPairs(count, procs)));
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

  private async openPairs(count: number, procs: ManagedProcess[]): Promise<number> {
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
  }
}
