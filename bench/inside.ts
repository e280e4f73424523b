/**
 * The benchmark proper. bench/run.ts creates a fresh network namespace and starts this file
 * inside it (nsenter --net only, so mounts stay as in production); every process started
 * here (holders, exporters, node_exporter, autocannon, the sample-cost worker) inherits the
 * namespace, and all traffic stays on its loopback.
 *
 * The parts, in the order they run (each in bench/parts/): the sample's cost at 10, 50,
 * 1,000 listeners; at 1,000 listeners and 20,000 connections one exporter for the daemon's
 * CPU idle, trickling and busy, scrapes under load, node_exporter beside it and peak
 * capture; start-up; 10,000 listeners; RSS idle and under listener churn.
 *
 * Prints one markdown table on stdout (progress on stderr); exits 1 if any section broke.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Lab } from './lab.js';
import { log, Processes } from './lib.js';
import { busyCpu, idleCpu, trickleCpu } from './parts/daemon-cpu.js';
import { churn, bigRss } from './parts/memory.js';
import { besideNodeExporter, startUp } from './parts/node-exporter.js';
import { peakCapture } from './parts/peak-capture.js';
import { SampleCost } from './parts/sample-cost.js';
import { scrapesUnderLoad } from './parts/scrapes.js';
import { FULL, QUICK } from './plan.js';
import { machine, resultsFile } from './results.js';
import { fmtInt, ROW_IDS, Table } from './table.js';

async function run(lab: Lab): Promise<void> {
  const { P, pop } = lab;
  const cost = new SampleCost(lab);
  await cost.tiny();
  await cost.small();
  await cost.mid();
  // Make sure the namespace is at nMid/m1 even if the section above failed half way.
  await pop.setListeners(P.nMid);
  await pop.setConnections(1);
  const exp = (await idleCpu(lab)) ?? (await lab.startExporter());
  await trickleCpu(lab, exp);
  await busyCpu(lab, exp);
  await scrapesUnderLoad(lab, exp);
  await besideNodeExporter(lab, exp);
  await peakCapture(lab, exp);
  await lab.procs.stop(exp.proc);
  await startUp(lab);
  await cost.big();
  await bigRss(lab);
  await churn(lab);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const P = argv.includes('--quick') ? QUICK : FULL;
  const resultsAt = argv.indexOf('--results');
  const resultsPath = resultsAt >= 0 ? argv[resultsAt + 1] : undefined;
  const started = new Date();
  const loadAtStart = os.loadavg()[0] ?? NaN;
  const t0 = performance.now();
  const procs = new Processes();
  const table = new Table(ROW_IDS);
  const lab = new Lab(P, procs, table);

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
    await run(lab);
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
    `load average (1 min) at start / end: ${loadAtStart.toFixed(1)} / ${(os.loadavg()[0] ?? NaN).toFixed(1)} ` +
      `on ${os.cpus().length} CPUs (other work on this machine; compare ratios, not absolute times)`,
    `reached: listeners up to ${fmtInt(Math.max(P.nBig, lab.pop.reached.listeners))}, ` +
      `connections up to ${fmtInt(lab.pop.reached.maxConnections)} (of ${fmtInt(P.m2)} tried)`,
  ];
  process.stdout.write(`${header.join('\n')}\n\n${table.render()}\n`);
  if (resultsPath) {
    writeFileSync(resultsPath, `${resultsFile(P.quick, header, table.render(), lab.details)}\n`);
    log(`wrote ${resultsPath}`);
  }
  const errors = table.errors();
  if (errors.length > 0) {
    log(`${errors.length} rows broke: ${errors.map((r) => r.id).join(', ')}`);
    process.exit(1);
  }
  process.exit(0);
}

void main();
