/** Prometheus-style durations: `1s`, `250ms`, `1m30s`, `2h`. Returns milliseconds. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, count, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    const unitMs = unit === undefined ? undefined : UNIT_MS[unit];
    if (unitMs === undefined) return undefined;
    total += Number(count) * unitMs;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}
