/**
 * Items 5 and 7: side by side with node_exporter (netstat and tcpstat collectors), the
 * tool a user would otherwise reach for: sequential scrape time and RSS (5a, 5b), and
 * start-up to the first good answer (7a).
 */
import type { Exporter, Lab } from '../lab.js';
import { httpGet, rssMiB, sleep } from '../lib.js';
import { alternately, median, quantile } from '../stats.js';
import { fmtInt, fmtMiB, fmtMs, fmtX, verdict } from '../table.js';

function okMs(r: { status: number; ms: number }): number {
  if (r.status !== 200) throw new Error(`scrape answered ${r.status}`);
  return r.ms;
}

export async function besideNodeExporter(lab: Lab, exp: Exporter): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['5a', '5b'], 'side by side with node_exporter', async () => {
    const ne = await lab.startNodeExporter();
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await httpGet(`${exp.base}/metrics`, exp.agent);
      await httpGet(`${ne.base}/metrics`, ne.agent);
    }
    for (let i = 0; i < P.neRounds; i++) {
      await alternately(
        i,
        async () => ours.push(okMs(await httpGet(`${exp.base}/metrics`, exp.agent))),
        async () => theirs.push(okMs(await httpGet(`${ne.base}/metrics`, ne.agent, 60_000))),
      );
      await sleep(50);
    }
    const rssOurs = rssMiB(exp.pid);
    const rssTheirs = rssMiB(ne.pid);
    await lab.procs.stop(ne.proc);
    const ratio = median(ours) / median(theirs);
    table.set('5a', {
      what: `sequential /metrics scrape vs node_exporter (netstat+tcpstat), ${fmtInt(pop.reached.connections)} conns, ${P.neRounds} interleaved`,
      ours: `p50 ${fmtMs(median(ours))}, p99 ${fmtMs(quantile(ours, 0.99))}`,
      ref: `p50 ${fmtMs(median(theirs))}, p99 ${fmtMs(quantile(theirs, 0.99))}`, ratio: fmtX(ratio),
      target: 'p50 <= node_exporter', verdict: verdict(ratio <= 1),
    });
    table.set('5b', {
      what: 'RSS vs node_exporter after those scrapes',
      ours: fmtMiB(rssOurs), ref: fmtMiB(rssTheirs), ratio: fmtX(rssOurs / rssTheirs), target: 'info', verdict: 'info',
    });
  });
}

export async function startUp(lab: Lab): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['7a'], 'start-up', async () => {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < P.startupReps; i++) {
      const a = await lab.startExporter();
      ours.push(a.readyMs);
      await lab.procs.stop(a.proc);
      const b = await lab.startNodeExporter();
      theirs.push(b.readyMs);
      await lab.procs.stop(b.proc);
    }
    const m = median(ours);
    table.set('7a', {
      what: `process start to /readyz 200 (${fmtInt(pop.reached.listeners)} listeners, ${fmtInt(pop.reached.connections)} conns; node_exporter: start to first 200 on /)`,
      ours: fmtMs(m), ref: fmtMs(median(theirs)), ratio: fmtX(m / median(theirs)), target: '<= 1 s', verdict: verdict(m <= 1000),
    });
  });
}
