/** Item 6's RSS rows away from nMid: idle (6a), under listener churn (6d), at nBig listeners (6c). */
import { PYTHON } from '../../lab/netns.js';
import type { Lab } from '../lab.js';
import { rssMiB, sleep } from '../lib.js';
import { HOLDER } from '../population.js';
import { median } from '../stats.js';
import { fmtInt, fmtMiB, fmtS, verdict } from '../table.js';

/** 6c at nBig listeners. */
export async function bigRss(lab: Lab): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['6c'], `RSS at ${P.nBig} listeners`, async () => {
    await pop.setListeners(P.nBig);
    await pop.setConnections(0);
    const e = await lab.startExporter();
    await lab.settle(e, P.rssSettleS);
    const rss = rssMiB(e.pid);
    const exported = (await lab.metrics(e)).filter((x) => x.name === 'listenq_accept_queue_length').length;
    await lab.procs.stop(e.proc);
    table.set('6c', {
      what:
        `RSS at ${fmtInt(pop.reached.listeners)} listeners, 0 conns (after ${P.rssSettleS} s with 1 scrape/s; ` +
        `${fmtInt(exported)} exported at default --max-listeners)`,
      ours: fmtMiB(rss), ref: '-', ratio: '-', target: 'info', verdict: 'info',
    });
  });
}

/** 6a idle RSS, then 6d: listeners created and closed continuously. */
export async function churn(lab: Lab): Promise<void> {
  const { P, pop, table } = lab;
  await lab.section(['6a', '6d'], 'RSS idle, then listener churn', async () => {
    await pop.setConnections(0);
    await pop.setListeners(P.nTiny);
    const e = await lab.startExporter();
    await lab.settle(e, P.rssSettleS);
    table.set('6a', {
      what: `RSS idle (${pop.reached.listeners} listeners, 0 conns, after ${P.rssSettleS} s with 1 scrape/s)`,
      ours: fmtMiB(rssMiB(e.pid)), ref: '-', ratio: '-', target: 'info', verdict: 'info',
    });
    const h = lab.procs.start([PYTHON, HOLDER, 'churn', '--pool', String(P.churnPool), '--rate', String(P.churnRate), '--seconds', String(P.churnSeconds + 60)]);
    await h.nextLine(30_000);
    const t0 = performance.now();
    const rss: Array<{ t: number; mib: number }> = [];
    let lastRss = -Infinity;
    let scrapes = 0;
    let seriesMax = 0;
    while ((performance.now() - t0) / 1000 < P.churnSeconds) {
      const ms = await lab.metrics(e);
      scrapes++;
      seriesMax = Math.max(seriesMax, ms.length);
      const t = (performance.now() - t0) / 1000;
      if (t - lastRss >= P.churnRssEveryS) {
        rss.push({ t, mib: rssMiB(e.pid) });
        lastRss = t;
      }
      await sleep(1000);
    }
    await lab.procs.stop(h);
    await lab.procs.stop(e.proc);
    const w = P.churnWindowS / 2;
    const early = median(rss.filter((r) => Math.abs(r.t - P.churnEarlyS) <= w).map((r) => r.mib));
    const late = median(rss.filter((r) => r.t >= P.churnSeconds - P.churnWindowS).map((r) => r.mib));
    const growth = late / early - 1;
    lab.details.push(`churn RSS (s: MiB): ${rss.map((r) => `${r.t.toFixed(0)}: ${r.mib.toFixed(1)}`).join(', ')}`);
    table.set('6d', {
      what:
        `listener churn ${P.churnSeconds} s (pool ${P.churnPool}, ${P.churnRate} replaced/s, 1 scrape/s): ` +
        `RSS growth ${fmtS(P.churnEarlyS)} -> ${fmtS(P.churnSeconds)}`,
      ours: `${fmtMiB(early)} -> ${fmtMiB(late)}`, ref: `${scrapes} scrapes, <= ${fmtInt(seriesMax)} series`,
      ratio: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%`, target: '<= 5%', verdict: verdict(growth <= 0.05),
    });
  });
}
