/**
 * Runs inside the benchmark namespace (the harness starts it with nsenter --net): measures
 * one full sample of the in-process sampler against the floor, the bare
 * `ss -tnH state listening` process spawned and read to EOF in the same loop, A/B
 * interleaved (the order flips every round). The SYN_RECV source, whose cost follows
 * connections, is timed separately, and so is every source on its own (profiling only).
 *
 * Protocol: one JSON command per stdin line, one JSON answer per stdout line.
 *   {"cmd":"measure","rounds":40,"warmup":5,"gapMs":10,"profRounds":15}
 *   -> {"sample":[ms...],"floor":[ms...],"syn":[ms...],"listeners":N,"sources":{name:median}}
 */
import { createInterface } from 'node:readline';
import { runCommand } from '../src/sources/run-command.js';
import { kernelSources } from '../src/sources/kernel-sources.js';
import { wire } from '../test/support/in-process.js';
import { alternately, median } from './stats.js';

interface MeasureCommand {
  readonly cmd: 'measure';
  readonly rounds: number;
  readonly warmup: number;
  readonly gapMs: number;
  readonly profRounds: number;
}

export interface MeasureResult {
  readonly sample: number[];
  readonly floor: number[];
  readonly syn: number[];
  /** Listeners in the snapshot: all of them up to --max-listeners (default 2000). */
  readonly listeners: number;
  readonly maxListeners: number;
  readonly sources: Record<string, number>;
}

const FLOOR_ARGS = ['-tnH', 'state', 'listening'] as const;
const SOURCE_TIMEOUT_MS = 10_000;

// Default settings, except that SYN_RECV is left out of the sample and timed on its own.
const { sampler, cfg, exposition } = wire(['--no-collector.syn-queue']);
const sources = kernelSources(wire([]).cfg);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function time(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

const floor = () => runCommand(cfg.ssPath, FLOOR_ARGS, { timeoutMs: SOURCE_TIMEOUT_MS });

async function measure(c: MeasureCommand): Promise<MeasureResult> {
  for (let i = 0; i < c.warmup; i++) {
    await sampler.sampleOnce();
    await floor();
    await sources.ssWithSynRecv();
  }
  const sample: number[] = [];
  const floorMs: number[] = [];
  const syn: number[] = [];
  for (let r = 0; r < c.rounds; r++) {
    await alternately(
      r,
      async () => {
        sample.push(await time(() => sampler.sampleOnce()));
      },
      async () => {
        floorMs.push(await time(floor));
      },
    );
    syn.push(await time(() => sources.ssWithSynRecv()));
    await sleep(c.gapMs);
  }
  // Profiling: every source alone, the fast probe and the /metrics render, a few rounds each.
  const per: Record<string, number[]> = {
    ss: [], procTcp: [], procTcp6: [], netstat: [], sysctls: [], probeIdle: [], probeRead: [], render: [], renderCached: [],
  };
  for (let r = 0; r < c.profRounds; r++) {
    per.ss!.push(await time(() => sources.ssListeners()));
    per.procTcp!.push(await time(() => sources.procTcp()));
    per.procTcp6!.push(await time(() => sources.procTcp6()));
    per.netstat!.push(await time(() => sources.netstat()));
    per.sysctls!.push(await time(() => sources.sysctls()));
    // A fresh snapshot: the first probe reads the tables, later ones see PassiveOpens unchanged
    // (nothing connects in the namespace while this runs) and stop after one small read.
    await sampler.sampleOnce();
    per.render!.push(await time(() => exposition.render('prometheus')));
    per.renderCached!.push(await time(() => exposition.render('prometheus')));
    sampler.probe();
    per.probeIdle!.push(await time(async () => sampler.probe()));
    // What a probe costs when a connection arrived: the counter plus the IPv4 listener table.
    per.probeRead!.push(
      await time(async () => {
        sources.passiveOpens();
        sources.listenersNow('ipv4');
      }),
    );
  }
  const med: Record<string, number> = {};
  for (const [k, v] of Object.entries(per)) med[k] = median(v);
  // Counted from the exposition (not the snapshot's shape): one length series per exported socket.
  const body = (await exposition.render('prometheus')).body;
  const listeners = body.split('\n').filter((l) => l.startsWith('listenq_accept_queue_length{')).length;
  return { sample, floor: floorMs, syn, listeners, maxListeners: cfg.maxListeners, sources: med };
}

const rl = createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    try {
      const c = JSON.parse(line) as MeasureCommand;
      if (c.cmd !== 'measure') throw new Error(`unknown command ${String((c as { cmd: unknown }).cmd)}`);
      process.stdout.write(`${JSON.stringify(await measure(c))}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`);
    }
  });
});
rl.on('close', () => {
  void queue.then(() => process.exit(0));
});
