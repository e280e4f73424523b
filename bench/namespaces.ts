/**
 * `npm run bench:namespaces [-- --quick] [--no-build]`: the cost of node-wide mode (--namespaces=all)
 * at default settings. Makes network namespaces with 10 listeners each (a holder process
 * living in each, which also makes the bounded connection traffic of some cases), then
 * measures side by side over the same windows the CPU of one exporter in --namespaces=all
 * watching all of them, one default-mode exporter inside the first namespace (the budget
 * unit) and a do-nothing Node.js 5 Hz timer (the floor of any Node process):
 *
 *   1a  100 namespaces x 10 listeners, idle
 *   1b  the same, every namespace with 2 new connections/s (accepted and closed)
 *   1c  250 namespaces x 10 listeners, 2 new connections/s each
 *   1d  the same: every namespace in every snapshot, samples at the interval
 *   2a  250 ms bursts caught in one namespace of 100 (the others with traffic as 1b)
 *
 * Prints one markdown table of medians and ratios; exits 1 if a row broke. --quick: 10 and
 * 25 namespaces, 2 x 5 s windows, 4 bursts (a smoke run: the figures mean little). Needs
 * root. Runs in the host namespace (its exporter sees every namespace on the machine; only
 * ours are checked); all traffic stays on the loopback of the namespaces it makes.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BurstCapture, burstNote, captureBursts } from './bursts.js';
import { sleep } from './lib.js';
import { sweepStale } from './stale-namespaces.js';
import { type Coverage, coverage } from './node-wide/coverage.js';
import { type Measured, NodeWideLab } from './node-wide/lab.js';
import { BURST_MS, FULL, type NodeWidePlan, NS_ROW_IDS as ROWS, type NsRow, QUICK } from './node-wide/plan.js';
import { median } from './stats.js';
import { fmtInt, fmtPct, fmtX, Table, verdict } from './table.js';


const P: NodeWidePlan = process.argv.includes('--quick') ? QUICK : FULL;
const log = (m: string) => process.stderr.write(`[bench:namespaces ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
/** Traffic runs end by themselves this long after the part they were started for should have. */
const TRAFFIC_MARGIN_S = 60;

async function section(table: Table<NsRow>, ids: readonly NsRow[], name: string, run: () => Promise<void>): Promise<void> {
  log(`== ${name}`);
  try {
    await run();
  } catch (err) {
    log(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    table.fail(ids, err);
  }
}

/** P.rounds windows after the warm-up; medians per process. */
async function cpuCase(lab: NodeWideLab): Promise<Record<Measured, number>> {
  await sleep(P.warmupS * 1000);
  const rows: Array<Record<Measured, number>> = [];
  for (let r = 0; r < P.rounds; r++) {
    rows.push(await lab.cpu(P.windowS));
    log(`round ${r + 1}: ${JSON.stringify(rows.at(-1))}`);
  }
  return { all: median(rows.map((x) => x.all)), single: median(rows.map((x) => x.single)), reference: median(rows.map((x) => x.reference)) };
}

function cpuRow(table: Table<NsRow>, id: NsRow, what: string, n: number, c: Record<Measured, number>, target: number, note = ''): void {
  const perNs = (c.all - c.reference) / n;
  table.set(id, {
    what: `${what} (${P.rounds} x ${P.windowS} s)`,
    ours: fmtPct(c.all),
    ref: `node 5 Hz timer ${fmtPct(c.reference)}; one default-mode exporter of ${P.listenersPerNamespace} listeners ${fmtPct(c.single)}`,
    ratio: fmtX(c.all / c.reference),
    target: `<= ${target * 100}% of a core`,
    verdict: verdict(c.all <= target),
    note:
      `per namespace above the timer ${fmtPct(perNs)}, ${fmtX(perNs / Math.max(c.single - c.reference, 1e-9))} of one ` +
      `default-mode exporter above the timer${note ? `; ${note}` : ''}`,
  });
}

async function trafficFor(lab: NodeWideLab, seconds: number, run: () => Promise<void>): Promise<string> {
  lab.startTraffic(seconds + TRAFFIC_MARGIN_S);
  try {
    await run();
  } finally {
    const t = await lab.stopTraffic();
    if (t.errors > 0) log(`traffic: ${t.errors} connections failed`);
    log(`traffic: ${t.made} connections in ${lab.spaces.length} namespaces`);
  }
  return `${P.rate} new conns/s in each of ${lab.spaces.length} namespaces`;
}

async function run(lab: NodeWideLab, table: Table<NsRow>): Promise<void> {
  const L = P.listenersPerNamespace;
  const caseS = P.warmupS + P.rounds * P.windowS;
  log(`making ${P.namespaces} namespaces with ${L} listeners each`);
  await lab.grow(P.namespaces);
  await lab.startMeasured();
  await sleep(5000);
  await section(table, ['1a'], `${P.namespaces} namespaces, idle`, async () => {
    const c = await cpuCase(lab);
    cpuRow(table, '1a', `\`--namespaces=all\`: ${P.namespaces} namespaces x ${L} listeners, idle`, P.namespaces, c, 0.03);
  });
  await section(table, ['1b'], `${P.namespaces} namespaces, ${P.rate} new connections/s each`, async () => {
    let c: Record<Measured, number> | undefined;
    await trafficFor(lab, caseS, async () => {
      c = await cpuCase(lab);
    });
    if (c) cpuRow(table, '1b', `same, each namespace with ${P.rate} new connections/s (accepted and closed, FIN)`, P.namespaces, c, 0.05);
  });
  await section(table, ['2a'], `peak capture in one namespace of ${P.namespaces}`, async () => {
    const target = lab.spaces[Math.floor(lab.spaces.length / 2)];
    if (!target) throw new Error('no namespace');
    const burstS = (P.bursts * (BURST_MS + P.burstGapMs[1])) / 1000 + 40;
    let captured: BurstCapture[] = [];
    const traffic = await trafficFor(lab, burstS, async () => {
      captured = await captureBursts(
        { start: (argv) => target.ns.start(argv), stop: (p) => p.stop(), scrape: () => lab.scrape(), labels: { netns: target.inode } },
        { perDuration: P.bursts, gapMs: P.burstGapMs, durations: [BURST_MS] },
      );
    });
    const c = captured[0];
    if (!c) throw new Error('no bursts');
    const rate = c.both / c.valid;
    table.set('2a', {
      what:
        `\`--namespaces=all\`, peak capture in one namespace of ${P.namespaces}: ${BURST_MS} ms bursts (held ${c.heldMs.toFixed(0)} ms) ` +
        `seen in peak_length AND full_seconds_total, ${traffic}`,
      ours: `${c.both}/${c.valid}`, ref: `peak ${c.byPeak}, full_seconds ${c.byFull}`, ratio: fmtPct(rate), target: '>= 95%',
      verdict: verdict(rate >= 0.95), note: burstNote(c),
    });
  });
  await section(table, ['1c', '1d'], `${P.manyNamespaces} namespaces, ${P.rate} new connections/s each`, async () => {
    log(`growing to ${P.manyNamespaces} namespaces`);
    await lab.grow(P.manyNamespaces);
    let c: Record<Measured, number> | undefined;
    let cov: Coverage | undefined;
    await trafficFor(lab, caseS + P.coverageS, async () => {
      c = await cpuCase(lab);
      cov = await coverage(lab, P.coverageS);
    });
    if (c) cpuRow(table, '1c', `\`--namespaces=all\`: ${P.manyNamespaces} namespaces x ${L} listeners, ${P.rate} new connections/s each`, P.manyNamespaces, c, 0.1);
    if (!cov) throw new Error('no coverage measured');
    const ok = cov.complete === cov.scrapes && cov.rate >= 0.95 && cov.longestGapS <= 1.5;
    table.set('1d', {
      what:
        `same: every namespace sampled within the interval (1 s): ${P.coverageS} s of 1 scrape/s, each must show all ` +
        `${fmtInt(P.manyNamespaces)} namespaces with (at least) their ${L} listeners; samples by the exporter's own timestamps`,
      ours: `${cov.complete}/${cov.scrapes} scrapes complete`,
      ref: `${cov.rate.toFixed(2)} samples/s, longest gap ${cov.longestGapS.toFixed(2)} s`,
      ratio: fmtPct(cov.complete / cov.scrapes),
      target: 'all scrapes; >= 0.95 samples/s; gap <= 1.5 s',
      verdict: verdict(ok),
      note:
        `listenq_namespaces ${cov.sampled} (ours, the host's and others on this machine)` +
        (cov.worst ? `; namespace ${cov.worst.inode} incomplete in ${cov.worst.misses} scrapes` : ''),
    });
  });
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (it creates network namespaces)');
  if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
  sweepStale('lqb-ns', log);
  const table = new Table<NsRow>(ROWS);
  const lab = new NodeWideLab(P);
  const started = new Date();
  const load = os.loadavg()[0] ?? NaN;
  const t0 = performance.now();
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: removing the namespaces`);
      void lab.destroy().then(() => process.exit(1));
    });
  }
  try {
    await run(lab, table);
  } catch (err) {
    log(`benchmark aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    table.fail(ROWS, err);
  } finally {
    await lab.destroy();
    log(`${lab.spaces.length} namespaces removed`);
  }
  process.stdout.write(
    [
      `listenq-exporter node-wide benchmark (${P.quick ? 'quick' : 'full'}), ${started.toISOString()}, ` +
        `${((performance.now() - t0) / 60_000).toFixed(1)} min; nproc ${os.cpus().length}, Linux ${os.release()}, node ${process.version}; ` +
        `load average (1 min) at start / end ${load.toFixed(1)} / ${(os.loadavg()[0] ?? NaN).toFixed(1)}`,
      '',
      table.render(),
      '',
    ].join('\n'),
  );
  return table.errors().length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(String(err));
    process.exit(1);
  },
);
