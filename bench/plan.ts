/**
 * The default-mode benchmark's sizes and durations (full and quick), and the addresses its
 * helpers use inside the benchmark namespace.
 */
import type { Config } from '../src/config/config.js';
import { parseArgs } from '../src/config/parse-args.js';

export interface Plan {
  readonly quick: boolean;
  readonly nTiny: number;
  readonly nSmall: number;
  readonly nMid: number;
  readonly nBig: number;
  readonly m1: number;
  readonly m2: number;
  readonly costRounds: number;
  readonly costWarmup: number;
  readonly costCycles: number;
  readonly cpuWarmupS: number;
  /** Start of the window reported beside 2a: from here to the end of the warm-up. */
  readonly cpuEarlyFromS: number;
  /** Warm-up of 2c and 2d, on the exporter 2a already warmed. */
  readonly trafficWarmupS: number;
  readonly cpuSeconds: number;
  readonly burstsPerDuration: number;
  readonly burstGapMs: readonly [number, number];
  readonly loadSeconds: number;
  readonly loadRepeats: number;
  readonly profRounds: number;
  readonly neRounds: number;
  readonly rssSettleS: number;
  readonly churnSeconds: number;
  readonly churnEarlyS: number;
  readonly churnWindowS: number;
  readonly churnPool: number;
  readonly churnRate: number;
  readonly churnRssEveryS: number;
  readonly startupReps: number;
}

export const FULL: Plan = {
  quick: false,
  nTiny: 10,
  nSmall: 50,
  nMid: 1000,
  nBig: 10_000,
  m1: 20_000,
  m2: 100_000,
  costRounds: 40,
  costWarmup: 5,
  costCycles: 3,
  // Steady state: module loading and the first memory-reducing GCs are over after about
  // 20 s, and by 90 s the SYN-queue dump (every 30 s by default) has run three times, so
  // its code is as warm as it gets. Start-up itself is row 7a; the 30-90 s window is
  // reported beside 2a, so a slower warm-up shows.
  cpuWarmupS: 90,
  cpuEarlyFromS: 30,
  trafficWarmupS: 30,
  cpuSeconds: 60,
  burstsPerDuration: 40,
  burstGapMs: [300, 1300],
  loadSeconds: 10,
  loadRepeats: 2,
  profRounds: 15,
  neRounds: 30,
  rssSettleS: 20,
  churnSeconds: 600,
  churnEarlyS: 120,
  churnWindowS: 30,
  churnPool: 1000,
  churnRate: 100,
  churnRssEveryS: 5,
  startupReps: 5,
};

export const QUICK: Plan = {
  quick: true,
  nTiny: 10,
  nSmall: 50,
  nMid: 1000,
  nBig: 2000,
  m1: 2000,
  m2: 5000,
  costRounds: 5,
  costWarmup: 1,
  costCycles: 1,
  cpuWarmupS: 2,
  cpuEarlyFromS: 1,
  trafficWarmupS: 1,
  cpuSeconds: 3,
  burstsPerDuration: 2,
  burstGapMs: [200, 600],
  loadSeconds: 2,
  loadRepeats: 1,
  profRounds: 2,
  neRounds: 4,
  rssSettleS: 2,
  churnSeconds: 8,
  churnEarlyS: 3,
  churnWindowS: 3,
  churnPool: 200,
  churnRate: 50,
  churnRssEveryS: 1,
  startupReps: 1,
};

export const MAX_FDS_PER_HOLDER = 9000; // connections per pairs holder: 2 fds each, limit ~20,000
export const MAX_LISTENERS_PER_HOLDER = 5000;
export const LISTENER_BASE_PORT = 10_000; // 10,000 listeners take 127.0.0.1:10000-19999
/** Exporters, node_exporter and the reference server listen here: no clash with the listeners above. */
export const HTTP_ADDR = '127.0.0.9';
export const BURST_ADDR = '127.0.0.4';
export const BURST_BACKLOG = 4;
/** 2c: one listener that keeps accepting, a steady host. */
export const TRICKLE_RATE = 20;
/** 2d, the busy host: new connections per second on one port. */
export const BUSY_RATE = 200;
export const BUSY_ADDR = '127.0.0.5';
/** 2d, the incident: one listener that never accepts. */
export const FULL_ADDR = '127.0.0.6';
export const FULL_BACKLOG = 16;
export const FULL_PENDING = 8;

/** The exporter's defaults, for the rows that describe or count by them. */
export const DEFAULTS: Config = (() => {
  const o = parseArgs([], {});
  if (o.kind !== 'run') throw new Error('no default configuration');
  return o.config;
})();

export const fmtEvery = (ms: number) => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);
