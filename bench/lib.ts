/**
 * Helpers for the benchmark's processes: process bookkeeping, HTTP timing, /proc readers.
 * The exposition parser is the tests' own (test/support/exporter.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { type ManagedProcess, startProcess } from '../lab/netns.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Everything the benchmark starts, so it can all be stopped (by pid) at the end. */
export class Processes {
  private readonly all = new Set<ManagedProcess>();

  start(argv: readonly string[]): ManagedProcess {
    const p = startProcess(argv);
    this.all.add(p);
    return p;
  }

  async stop(p: ManagedProcess): Promise<void> {
    await p.stop();
    this.all.delete(p);
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.all]) await this.stop(p);
  }
}

interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

export function httpGet(url: string, agent: http.Agent | false, timeoutMs = 10_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** One GET on a fresh connection, body as received (not decompressed). */
export function httpGetRaw(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU seconds of a process, its reaped children included (none with sock_diag; ss or
 * nsenter runs where the exporter falls back to them).
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0);
  return ticks / CLK_TCK;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

/** `TCP: inuse N orphan N tw N alloc N mem N` of this namespace. */
export function sockstat(): Record<string, number> {
  const line = readFileSync('/proc/net/sockstat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('TCP:'));
  const out: Record<string, number> = {};
  const f = (line ?? '').split(/\s+/).slice(1);
  for (let i = 0; i + 1 < f.length; i += 2) out[f[i] ?? ''] = Number(f[i + 1]);
  return out;
}

/** Polls until GET url answers 200; returns ms since `since` (performance.now()). */
export async function waitFor200(url: string, since: number, timeoutMs: number, isAlive: () => boolean): Promise<number> {
  const deadline = since + timeoutMs;
  for (;;) {
    try {
      const r = await httpGet(url, false, 2000);
      if (r.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (!isAlive()) throw new Error(`process behind ${url} exited before answering 200`);
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(5);
  }
}

export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const [a, b] = [xs[i], xs[j]];
    if (a === undefined || b === undefined) continue;
    [xs[i], xs[j]] = [b, a];
  }
  return xs;
}

/** Splits total into near-equal parts of at most max each. */
export function chunks(total: number, max: number): number[] {
  if (total <= 0) return [];
  const n = Math.ceil(total / max);
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total - base * n ? 1 : 0));
}

/** This namespace's TCP PassiveOpens (connections accepted by the kernel on a listener). */
export function passiveOpens(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const [names, values] = [lines[0]?.split(/\s+/) ?? [], lines[1]?.split(/\s+/) ?? []];
  const i = names.indexOf('PassiveOpens');
  if (i < 0 || values[i] === undefined) throw new Error('no Tcp PassiveOpens in /proc/net/snmp');
  return Number(values[i]);
}
