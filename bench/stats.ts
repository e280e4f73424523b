/** Small helpers for the benchmark's A/B measurements: their order, medians and percentiles. */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const [a, b] = [s[lo] ?? Number.NaN, s[hi] ?? Number.NaN];
  return a + (b - a) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median of per-round ratios a[i]/b[i]: robust to drift in the machine's speed over a run. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = [a[i] ?? Number.NaN, b[i] ?? Number.NaN];
    if (y > 0) r.push(x / y);
  }
  return median(r);
}

/**
 * Runs a then b in even rounds and b then a in odd ones, so that neither side of an A/B
 * comparison always pays for going first (cold caches, a process just woken).
 */
export async function alternately(round: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<void> {
  const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
  await first();
  await second();
}
