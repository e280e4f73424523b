/** Sizes, durations and row ids of `npm run bench:namespaces` (full and --quick). */

/** Row ids in print order; the smoke test asserts each is present. */
export const NS_ROW_IDS = ['1a', '1b', '1c', '1d', '2a'] as const;
export type NsRow = (typeof NS_ROW_IDS)[number];

export interface NodeWidePlan {
  readonly quick: boolean;
  /** Namespaces of the 100-namespace cases and of peak capture. */
  readonly namespaces: number;
  /** Namespaces of the large case. */
  readonly manyNamespaces: number;
  readonly listenersPerNamespace: number;
  /** New connections per second in every namespace, in the cases with traffic. */
  readonly rate: number;
  /** Before the first round of a case: the exporter sees the new load. */
  readonly warmupS: number;
  readonly rounds: number;
  readonly windowS: number;
  /** How long every snapshot is checked for every namespace (large case). */
  readonly coverageS: number;
  readonly bursts: number;
  readonly burstGapMs: readonly [number, number];
}

export const FULL: NodeWidePlan = {
  quick: false,
  namespaces: 100,
  manyNamespaces: 250,
  listenersPerNamespace: 10,
  rate: 2,
  warmupS: 10,
  rounds: 3,
  windowS: 20,
  coverageS: 30,
  bursts: 40,
  burstGapMs: [300, 1300],
};

export const QUICK: NodeWidePlan = {
  quick: true,
  namespaces: 10,
  manyNamespaces: 25,
  listenersPerNamespace: 10,
  rate: 2,
  warmupS: 2,
  rounds: 2,
  windowS: 5,
  coverageS: 5,
  bursts: 4,
  burstGapMs: [200, 600],
};

/** The 250 ms bursts of the peak-capture row. */
export const BURST_MS = 250;
