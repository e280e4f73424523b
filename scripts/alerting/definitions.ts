/**
 * The shared definitions: fill ratios and rates. Prometheus gets them as recording rules;
 * Grafana alerts and the dashboard inline the very same text (they must work for users who
 * have not loaded the recording rules into their Prometheus), so all three agree by
 * construction.
 */
import type { MetricKey } from '../../src/metrics/catalog.js';
import { listenerMetric, type Scope, targetMetric } from './promql.js';

export interface Definition {
  /** Recording-rule name, `level:metric:operations` per the Prometheus naming convention. */
  readonly record: string;
  /** What the series means, for the dashboard's panel descriptions and the runbook. */
  readonly meaning: string;
  expr(scope: Scope): string;
}

/** Window of every recorded rate: 5 scrapes even at a 1m scrape interval. */
export const RATE_WINDOW = '5m';

function rate(key: MetricKey, scope: Scope, perListener: boolean): string {
  const sel = perListener ? listenerMetric(key, scope) : targetMetric(key, scope);
  return `rate(${sel}[${RATE_WINDOW}])`;
}

export const DEF = {
  fill: {
    record: 'listener:listenq_accept_queue_fill:ratio',
    meaning: 'accept-queue depth at the last sample over the limit (can reach (limit+1)/limit)',
    // `> 0` drops listeners with limit 0 (listen(0)) or an unknown limit: no division by zero,
    // and no series at all rather than +Inf.
    expr: (s) =>
      `${listenerMetric('acceptQueueLength', s)} / (${listenerMetric('acceptQueueLimit', s)} > 0)`,
  },
  peakFill: {
    record: 'listener:listenq_accept_queue_peak_fill:ratio',
    meaning: 'largest depth in the peak window over the limit (can reach (limit+1)/limit)',
    expr: (s) =>
      `${listenerMetric('acceptQueuePeakLength', s)} / (${listenerMetric('acceptQueueLimit', s)} > 0)`,
  },
  fullRatio: {
    record: 'listener:listenq_accept_queue_full:ratio_rate5m',
    meaning: 'fraction of time the accept queue was observed full (depth > limit)',
    expr: (s) => rate('acceptQueueFullSeconds', s, true),
  },
  overflows: {
    record: 'instance:listenq_listen_overflows:rate5m',
    meaning: 'connections dropped per second because an accept queue was full (ListenOverflows)',
    expr: (s) => rate('listenOverflows', s, false),
  },
  drops: {
    record: 'instance:listenq_listen_drops:rate5m',
    meaning: 'connection requests dropped per second at listeners, any reason (ListenDrops)',
    expr: (s) => rate('listenDrops', s, false),
  },
  synDrops: {
    record: 'instance:listenq_syn_queue_drops:rate5m',
    meaning: 'SYNs dropped per second because a SYN queue was full, syncookies off (TCPReqQFullDrop)',
    expr: (s) => rate('synQueueDrops', s, false),
  },
  synCookies: {
    record: 'instance:listenq_syn_queue_cookies:rate5m',
    meaning: 'SYNs answered with a syncookie per second because a SYN queue was full (TCPReqQFullDoCookies)',
    expr: (s) => rate('synQueueCookies', s, false),
  },
} as const satisfies Record<string, Definition>;

export type DefinitionKey = keyof typeof DEF;

export const DEFINITIONS: readonly Definition[] = Object.values(DEF);

/** How an alert refers to a definition: by recorded name, or inlined. */
export type Use = (d: Definition) => string;

export const useRecorded: Use = (d) => d.record;

export function useInlined(scope: Scope): Use {
  return (d) => `(${d.expr(scope)})`;
}
