/**
 * Runs inside the benchmark namespace (the harness starts it with nsenter --net): measures
 * one full sample of the in-process sampler against the floor, the bare
 * `ss -tnH state listening` process spawned and read to EOF in the same loop, A/B
 * interleaved (the order flips every round). The SYN_RECV dump, whose cost follows
 * connections, is timed separately, and so is every source on its own (profiling only):
 * sock_diag, which the sample uses, and the fallbacks ss and /proc/net/tcp{,6}.
 *
 * Protocol: one JSON command per stdin line, one JSON answer per stdout line.
 *   {"cmd":"measure","rounds":40,"warmup":5,"gapMs":10,"profRounds":15}
 *   -> {"sample":[ms...],"floor":[ms...],"syn":[ms...],"listeners":N,"maxListeners":N,"sources":{name:median}}
 */
import { createInterface } from 'node:readline';
import { runCommand } from '../src/sources/run-command.js';
import { kernelSources } from '../src/sources/kernel-sources.js';
import { TCPEXT_SELECTION } from '../src/sampler/namespace-sampler.js';
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
  /** Median ms of each source or step alone. */
  readonly sources: Record<Profiled, number>;
}

const PROFILED = ['sockDiag', 'ss', 'procTcp', 'procTcp6', 'netstat', 'sysctls', 'probeIdle', 'probeRead', 'render', 'renderCached'] as const;
type Profiled = (typeof PROFILED)[number];

const FLOOR_ARGS = ['-tnH', 'state', 'listening'] as const;
const SOURCE_TIMEOUT_MS = 10_000;

// Default settings, except that SYN_RECV is left out of the sample and timed on its own.
const { sampler, cfg, exposition } = wire(['--no-collector.syn-queue']);
const sources = kernelSources(wire([]).cfg);
const sockDiag = (() => {
  if (!sources.sockDiag) throw new Error('sock_diag is off in the default configuration');
  return sources.sockDiag;
})();

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
    sockDiag.synRecv();
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
    syn.push(await time(async () => sockDiag.synRecv()));
    await sleep(c.gapMs);
  }
  // Profiling: every source alone, the fast probe and the /metrics render, a few rounds each.
  const per = Object.fromEntries(PROFILED.map((k) => [k, [] as number[]])) as Record<Profiled, number[]>;
  for (let r = 0; r < c.profRounds; r++) {
    per.sockDiag.push(await time(async () => sockDiag.listeners()));
    per.ss.push(await time(() => sources.ssListeners()));
    per.procTcp.push(await time(() => sources.procTcp()));
    per.procTcp6.push(await time(() => sources.procTcp6()));
    per.netstat.push(await time(() => sources.netstat(TCPEXT_SELECTION)));
    per.sysctls.push(await time(() => sources.sysctls()));
    // A fresh snapshot: the first probe dumps the lengths, later ones see PassiveOpens unchanged
    // (nothing connects in the namespace while this runs) and stop after one small read.
    await sampler.sampleOnce();
    per.render.push(await time(() => exposition.render('prometheus')));
    per.renderCached.push(await time(() => exposition.render('prometheus')));
    sampler.probe();
    per.probeIdle.push(await time(async () => sampler.probe()));
    // What a probe costs when a connection arrived: the counter plus the lengths (a dump at
    // this many listeners; a batch of lookups in a namespace of at most 32).
    per.probeRead.push(
      await time(async () => {
        sources.tcpCounters();
        sockDiag.lengths();
      }),
    );
  }
  const med = Object.fromEntries(PROFILED.map((k) => [k, median(per[k])])) as Record<Profiled, number>;
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
