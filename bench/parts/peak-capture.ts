/** Item 3: 100 ms, 250 ms and 1 s bursts caught at default settings (3a-3c), and the CPU they cost (2b). */
import { burstNote, captureBursts } from '../bursts.js';
import type { CpuShares, Exporter, Lab } from '../lab.js';
import { fmtPct, fmtX, type RowId, type Verdict, verdict } from '../table.js';

const IDS: Readonly<Record<number, RowId>> = { 100: '3a', 250: '3b', 1000: '3c' };

export async function peakCapture(lab: Lab, e: Exporter): Promise<void> {
  const { P, table } = lab;
  await lab.section(['3a', '3b', '3c', '2b'], 'peak capture', async () => {
    let cpu: CpuShares | undefined;
    const captured = await captureBursts(
      { start: (argv) => lab.procs.start(argv), stop: (p) => lab.procs.stop(p), scrape: () => lab.metrics(e), labels: {} },
      { perDuration: P.burstsPerDuration, gapMs: P.burstGapMs, durations: [100, 250, 1000] },
      async (run) => {
        cpu = await lab.cpuBeside(e.pid, 300, run);
      },
    );
    if (cpu) {
      table.set('2b', {
        what: `daemon CPU while the bursts of item 3 ran (${cpu.wallS.toFixed(0)} s)`,
        ours: fmtPct(cpu.ours), ref: `node 5 Hz timer ${fmtPct(cpu.theirs)}`, ratio: fmtX(cpu.ours / cpu.theirs), target: 'info',
        verdict: 'info',
      });
    }
    for (const c of captured) {
      const id = IDS[c.holdMs];
      if (!id) continue;
      const rate = c.both / c.valid;
      const v: Verdict = c.holdMs === 250 ? verdict(rate >= 0.95) : 'info';
      table.set(id, {
        what: `peak capture, ${c.holdMs} ms bursts (held ${c.heldMs.toFixed(0)} ms), default settings: seen in peak_length AND full_seconds_total`,
        ours: `${c.both}/${c.valid}`, ref: `peak ${c.byPeak}, full_seconds ${c.byFull}`, ratio: fmtPct(rate),
        target: c.holdMs === 250 ? '>= 95%' : 'info', verdict: v, note: burstNote(c),
      });
    }
  });
}
