/**
 * Item 2: the daemon's CPU at nMid listeners and m1 idle connections, beside the 5 Hz
 * Node.js timer reference: idle (2a, with RSS after it: 6b), with one listener that keeps
 * accepting (2c), and busy during an incident (2d).
 */
import { PYTHON } from '../../lab/netns.js';
import { pick, valueOf } from '../../lab/exposition.js';
import type { Exporter, Lab } from '../lab.js';
import { cpuSeconds, passiveOpens, rssMiB, sleep } from '../lib.js';
import { BUSY_ADDR, BUSY_RATE, FULL_ADDR, FULL_BACKLOG, FULL_PENDING, TRICKLE_RATE } from '../plan.js';
import { HOLDER } from '../population.js';
import { fmtInt, fmtMiB, fmtPct, fmtX, verdict } from '../table.js';

/** Traffic helpers run this much longer than the window, then stop by themselves. */
const HELPER_MARGIN_S = 30;

/** 2a and 6b. Starts the exporter the later parts reuse; returns it. */
export async function idleCpu(lab: Lab): Promise<Exporter | undefined> {
  const { P, pop, table } = lab;
  const L = pop.reached.listeners;
  const M = pop.reached.connections;
  let e: Exporter | undefined;
  await lab.section(['2a', '6b'], 'daemon CPU', async () => {
    const exporter = await lab.startExporter();
    e = exporter;
    // The readiness wait is part of the warm-up; the early window starts at cpuEarlyFromS.
    const started = performance.now() - exporter.readyMs;
    await sleep(Math.max(0, started + P.cpuEarlyFromS * 1000 - performance.now()));
    const early = { cpu: cpuSeconds(exporter.pid), at: performance.now() };
    let earlyShare = NaN;
    const warmupMs = Math.max(0, started + P.cpuWarmupS * 1000 - performance.now());
    const { ours, theirs } = await lab.cpuBeside(exporter.pid, warmupMs, () => sleep(P.cpuSeconds * 1000), () => {
      earlyShare = (cpuSeconds(exporter.pid) - early.cpu) / ((performance.now() - early.at) / 1000);
    });
    table.set('2a', {
      what:
        `daemon CPU, default settings (a sock_diag dump every sample), ${P.cpuSeconds} s from ${P.cpuWarmupS} s after start, ` +
        `${fmtInt(L)} listeners, ${fmtInt(M)} idle conns (children included: none expected)`,
      ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: '<= 1% of a core',
      verdict: verdict(ours <= 0.01),
      note: `${P.cpuEarlyFromS}-${P.cpuWarmupS} s after start: ${fmtPct(earlyShare)}`,
    });
    const rss = rssMiB(exporter.pid);
    table.set('6b', {
      what: `RSS at ${fmtInt(L)} listeners, ${fmtInt(M)} conns (after the CPU run)`,
      ours: fmtMiB(rss), ref: '-', ratio: '-', target: '<= 100 MiB', verdict: verdict(rss <= 100),
    });
  });
  return e;
}

/** 2c: as 2a while one listener accepts TRICKLE_RATE connections a second. */
export async function trickleCpu(lab: Lab, exp: Exporter): Promise<void> {
  const { P, table } = lab;
  await lab.section(['2c'], 'daemon CPU while connections keep arriving', async () => {
    const seconds = P.trafficWarmupS + P.cpuSeconds + HELPER_MARGIN_S;
    const t = lab.procs.start([PYTHON, HOLDER, 'trickle', '--rate', String(TRICKLE_RATE), '--seconds', String(seconds)]);
    await t.nextLine(30_000);
    const { ours, theirs } = await lab.cpuBeside(exp.pid, P.trafficWarmupS * 1000, () => sleep(P.cpuSeconds * 1000));
    await lab.procs.stop(t);
    table.set('2c', {
      what:
        `daemon CPU as 2a while one listener accepts ${TRICKLE_RATE} connections/s ` +
        '(PassiveOpens moves before every fast probe, so every probe dumps the lengths)',
      ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: 'info', verdict: 'info',
    });
  });
}

/**
 * 2d, a busy host during an incident: as 2a, plus BUSY_RATE new connections a second on
 * one port, each accepted and closed by a real accepting listener, plus one listener that
 * never accepts, its queue held full and more clients retrying against it.
 */
export async function busyCpu(lab: Lab, exp: Exporter): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['2d'], 'daemon CPU, busy host with one queue held full', async () => {
    const seconds = P.trafficWarmupS + P.cpuSeconds + HELPER_MARGIN_S;
    const full = lab.procs.start([
      PYTHON, HOLDER, 'full', '--addr', FULL_ADDR, '--backlog', String(FULL_BACKLOG), '--pending', String(FULL_PENDING),
      '--seconds', String(seconds),
    ]);
    const held = JSON.parse(await full.nextLine(30_000)) as { port: number; length: number | null };
    if (held.length !== FULL_BACKLOG + 1) throw new Error(`the full listener holds ${String(held.length)} connections, expected ${FULL_BACKLOG + 1}`);
    const busy = lab.procs.start([
      PYTHON, HOLDER, 'trickle', '--addr', BUSY_ADDR, '--rate', String(BUSY_RATE), '--seconds', String(seconds),
    ]);
    await busy.nextLine(30_000);
    let opens = 0;
    const { ours, theirs, wallS } = await lab.cpuBeside(exp.pid, P.trafficWarmupS * 1000, async () => {
      const o0 = passiveOpens();
      await sleep(P.cpuSeconds * 1000);
      opens = passiveOpens() - o0;
    });
    // The case is what it says only if the exporter saw the incident.
    const ms = await lab.metrics(exp);
    const at = { address: FULL_ADDR, port: String(held.port) };
    const length = valueOf(ms, 'listenq_accept_queue_length', at);
    const limit = valueOf(ms, 'listenq_accept_queue_limit', at);
    const fullS = valueOf(ms, 'listenq_accept_queue_full_seconds_total', at);
    const busySeries = pick(ms, 'listenq_accept_queue_length', { address: BUSY_ADDR }).length;
    await lab.procs.stop(busy);
    await lab.procs.stop(full);
    if (length === undefined || limit === undefined || !(length > limit)) {
      throw new Error(`the exporter did not show the held queue full (length ${String(length)}, limit ${String(limit)})`);
    }
    if (busySeries !== 1) throw new Error(`the busy listener shows as ${busySeries} series, expected 1`);
    const rate = opens / wallS;
    table.set('2d', {
      what:
        `daemon CPU as 2a (${fmtInt(pop.reached.listeners)} listeners, ${fmtInt(pop.reached.connections)} idle conns) plus ` +
        `${BUSY_RATE} new connections/s on one port (accepted and closed) and one queue held full ` +
        `(backlog ${FULL_BACKLOG}, never accepted, ${FULL_PENDING} more clients retrying)`,
      ours: fmtPct(ours), ref: `node 5 Hz timer ${fmtPct(theirs)}`, ratio: fmtX(ours / theirs), target: '<= 1.5% of a core',
      verdict: verdict(ours <= 0.015),
      note: `${rate.toFixed(0)} new conns/s measured (PassiveOpens); full queue shown as ${length} of ${limit}, full for ${(fullS ?? 0).toFixed(0)} s`,
    });
  });
}
