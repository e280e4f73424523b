/**
 * The alerts: the single source for the Prometheus rules file, the Helm chart's
 * PrometheusRule (which copies the generated file) and the Grafana-managed alert rules.
 * Thresholds are justified in docs/alerts-runbook.md; change both together.
 *
 * Each alert is `value op threshold`: `value` is the measured quantity (only for the
 * candidates it applies to), so Grafana can evaluate the same comparison as a math
 * expression on the query result, and a value of 0 (e.g. `up`) still compares correctly.
 */
import { METRICS as M } from '../../src/metrics/catalog.js';
import { DEF, KUBE_POD_INFO, type Use } from './definitions.js';

export type Severity = 'critical' | 'warning' | 'info';
export type Comparison = '>' | '>=' | '<';

export interface AlertSpec {
  readonly name: string;
  /** Prometheus rule group; Grafana uses the same grouping. */
  readonly group: AlertGroupName;
  readonly severity: Severity;
  readonly for: string;
  value(use: Use): string;
  readonly op: Comparison;
  readonly threshold: number;
  /** Go templates over $labels and $value; they must render in Prometheus and Grafana alike. */
  readonly summary: string;
  readonly description: string;
  /** Appended in Prometheus only: Grafana's templates cannot run a query. */
  readonly prometheusDescriptionSuffix?: string;
}

export type AlertGroupName =
  | 'listenq-exporter.listeners'
  | 'listenq-exporter.namespace'
  | 'listenq-exporter.exporter';

export const RUNBOOK_BASE = 'https://github.com/listenq/listenq-exporter/blob/main/README.md';

/** GitHub's anchor for a `### Name` heading whose text is a plain identifier. */
export function runbookUrl(alert: Pick<AlertSpec, 'name'>): string {
  return `${RUNBOOK_BASE}#${alert.name.toLowerCase()}`;
}

/** Job regex for the target-down alert: `up` carries no listenq_ metric to join on. */
export const EXPORTER_JOB_REGEX = '.*listenq.*';

/** Thresholds in one place so the runbook test can check the document quotes them. */
export const THRESHOLDS = {
  saturatedFill: 0.9,
  overflowWarningPerSecond: 1,
  overflowCriticalPerSecond: 20,
  synDropsPerSecond: 1,
  synCookiesPerSecond: 10,
  tinyLimit: 128,
  tinyLimitFilledFraction: 0.5,
  staleSampleSeconds: 60,
} as const;

/** `addr%dev:port` as ss prints it, with brackets for IPv6. `l` is `$labels` or `.Labels`. */
export function listenerName(l: string): string {
  return (
    `{{ if eq ${l}.family "ipv6" }}[{{ ${l}.address }}]{{ else }}{{ ${l}.address }}{{ end }}` +
    `{{ with ${l}.device }}%{{ . }}{{ end }}:{{ ${l}.port }}`
  );
}

/**
 * With --namespaces=all one exporter watches many network namespaces: ` in netns N (pod
 * UID U)` says which one (empty in the default mode, where the instance is the namespace).
 */
const WHERE = '{{ with $labels.netns }} in netns {{ . }}{{ end }}{{ with $labels.pod_uid }} (pod UID {{ . }}){{ end }}';

/** The namespace a per-namespace alert is about, in either mode. */
const NAMESPACE =
  '{{ if $labels.netns }}network namespace {{ $labels.netns }}{{ with $labels.pod_uid }} (pod UID {{ . }}){{ end }}' +
  ' on {{ $labels.instance }}{{ else }}the network namespace of {{ $labels.instance }}{{ end }}';

const LISTENER = `${listenerName('$labels')} (slot {{ $labels.slot }}) on {{ $labels.instance }}${WHERE}`;

/**
 * The pod's Kubernetes namespace and name from kube-state-metrics (Prometheus only: Grafana's
 * templates cannot run a query); nothing when the series has no pod UID or kube-state-metrics
 * does not know it.
 */
const POD_NAME =
  `{{ with $labels.pod_uid }}{{ with query (printf "${KUBE_POD_INFO.replace('(kube_pod_info)', '(kube_pod_info{uid=%q})')}" .) }}` +
  '{{ with first . }} Kubernetes pod: {{ .Labels.namespace }}/{{ .Labels.pod }}.{{ end }}{{ end }}{{ end }}';

/**
 * Names the top listeners of the alerting namespace by `metric` (Prometheus only): the
 * kernel counters behind namespace alerts cannot say which listener dropped. `netns` is
 * matched too: with --namespaces=all one instance holds many namespaces, and in the default
 * mode both sides lack it (`netns=""` selects series without the label).
 */
function topListeners(title: string, metric: string, valueFormat: string): string {
  return (
    ` ${title}:` +
    ` {{ range $i, $s := query (printf "sort_desc(topk(3, ${metric}{instance=%q,job=%q,netns=%q} > 0))" $labels.instance $labels.job $labels.netns) }}` +
    `{{ if $i }}, {{ end }}${listenerName('$s.Labels')} at {{ $s.Value${valueFormat} }}` +
    '{{ else }}none at the last sample{{ end }}.'
  );
}

const FULLEST_LISTENERS = topListeners('Fullest accept queues there', DEF.peakFill.record, ' | humanizePercentage') + POD_NAME;
const BUSIEST_SYN_QUEUES = topListeners('Most half-open connections there', M.synQueueLength.name, '') + POD_NAME;

const T = THRESHOLDS;

export const ALERTS: readonly AlertSpec[] = [
  {
    name: 'ListenQueueSaturated',
    group: 'listenq-exporter.listeners',
    severity: 'warning',
    // The peak gauge holds a burst for --peak.window (2m), so 5m of `for` needs bursts
    // at least every 2 minutes over 5+ minutes: a sustained pattern, not one spike.
    for: '5m',
    value: (use) => use(DEF.peakFill),
    op: '>=',
    threshold: T.saturatedFill,
    summary: `Accept queue of ${LISTENER} is {{ $value | humanizePercentage }} full`,
    description:
      `The accept queue of ${LISTENER} peaked at {{ $value | humanizePercentage }} of its limit ` +
      'at every evaluation for 5 minutes. Connections that arrive while it is over the limit are ' +
      'dropped (ListenOverflows): the application does not accept() fast enough.',
    prometheusDescriptionSuffix: POD_NAME,
  },
  {
    name: 'ListenQueueLimitTooSmall',
    group: 'listenq-exporter.listeners',
    severity: 'info',
    for: '15m',
    value: () => {
      const limit = M.acceptQueueLimit.name;
      const peak = M.acceptQueuePeakLength.name;
      // No division anywhere, so limit 0 (listen(0)) is judged like any other tiny limit.
      return (
        `${limit} and (${peak} > 0) and (${peak} >= ${T.tinyLimitFilledFraction} * ${limit})` +
        // somaxconn is per network namespace: with --namespaces=all, compare within one.
        ` and (${limit} < ${T.tinyLimit} or ${limit} >= on(instance, job, netns) group_left ${M.somaxconn.name})`
      );
    },
    // The value is the limit itself (possibly 0), so the comparison selects every candidate.
    op: '>=',
    threshold: 0,
    summary: `Accept-queue limit of ${LISTENER} is only {{ $value }}`,
    description:
      `${LISTENER} has an accept-queue limit of {{ $value }}: below ${T.tinyLimit}, or equal to ` +
      'net.core.somaxconn so a larger listen() backlog was cut down. Its queue has been filled to ' +
      'at least half of that for 15 minutes. Tuning finding: raise the backlog passed to listen() ' +
      '(and net.core.somaxconn when clamped); the limit changes only when the application calls listen() again.',
    prometheusDescriptionSuffix: POD_NAME,
  },
  {
    name: 'ListenQueueOverflowing',
    group: 'listenq-exporter.namespace',
    severity: 'warning',
    for: '10m',
    value: (use) => use(DEF.overflows),
    op: '>',
    threshold: T.overflowWarningPerSecond,
    summary: `Full accept queues drop {{ $value | humanize }} connections/s on {{ $labels.instance }}${WHERE}`,
    description:
      '{{ $value | humanize }} connection attempts per second (5m average, for 10 minutes) were dropped ' +
      `in ${NAMESPACE} because an accept queue was full ` +
      '(TcpExt ListenOverflows). Each drop delays a client by at least 1 s (SYN or ACK retransmission).',
    prometheusDescriptionSuffix: FULLEST_LISTENERS,
  },
  {
    name: 'ListenQueueOverflowingCritical',
    group: 'listenq-exporter.namespace',
    severity: 'critical',
    for: '5m',
    value: (use) => use(DEF.overflows),
    op: '>',
    threshold: T.overflowCriticalPerSecond,
    summary: `Full accept queues drop {{ $value | humanize }} connections/s on {{ $labels.instance }}${WHERE}`,
    description:
      '{{ $value | humanize }} connection attempts per second (5m average, for 5 minutes) were dropped ' +
      `in ${NAMESPACE} because an accept queue was full ` +
      '(TcpExt ListenOverflows): dozens of clients are stuck retransmitting and some will time out.',
    prometheusDescriptionSuffix: FULLEST_LISTENERS,
  },
  {
    name: 'SynQueueDropping',
    group: 'listenq-exporter.namespace',
    severity: 'warning',
    for: '10m',
    value: (use) => use(DEF.synDrops),
    op: '>',
    threshold: T.synDropsPerSecond,
    summary: `Full SYN queues drop {{ $value | humanize }} SYNs/s on {{ $labels.instance }}${WHERE}`,
    description:
      '{{ $value | humanize }} SYNs per second (5m average, for 10 minutes) were dropped ' +
      `in ${NAMESPACE} because a SYN queue was full and syncookies are off ` +
      '(TcpExt TCPReqQFullDrop): a SYN flood, or a listen() backlog too small for the handshake rate.',
    prometheusDescriptionSuffix: BUSIEST_SYN_QUEUES,
  },
  {
    name: 'SynCookieStorm',
    group: 'listenq-exporter.namespace',
    severity: 'warning',
    for: '10m',
    // tcp_syncookies=2 answers every SYN with a cookie and counts each one here: by design.
    // Per network namespace: one namespace's tcp_syncookies=2 must not silence another's storm.
    value: (use) => `${use(DEF.synCookies)} unless on(instance, job, netns) ${M.syncookiesMode.name} == 2`,
    op: '>',
    threshold: T.synCookiesPerSecond,
    summary: `Full SYN queues answered {{ $value | humanize }} SYNs/s with syncookies on {{ $labels.instance }}${WHERE}`,
    description:
      '{{ $value | humanize }} SYNs per second (5m average, for 10 minutes) were answered with a syncookie ' +
      `in ${NAMESPACE} because a SYN queue was full ` +
      '(TcpExt TCPReqQFullDoCookies): a SYN flood, or a listen() backlog too small for the handshake rate.',
    prometheusDescriptionSuffix: BUSIEST_SYN_QUEUES,
  },
  {
    name: 'ListenqSourceDown',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: '5m',
    value: () => M.sourceUp.name,
    op: '<',
    threshold: 1,
    summary: 'listenq-exporter source {{ $labels.source }} failing on {{ $labels.instance }}',
    description:
      'The {{ $labels.source }} source of the listenq-exporter at {{ $labels.instance }} has failed at every ' +
      'sample for 5 minutes. The metrics it supplies are missing (without ss the accept-queue limit is ' +
      'unknown, so saturation alerts cannot fire).',
  },
  {
    // A reload that failed keeps the previous web config: a revoked user or key still works.
    name: 'ListenqWebConfigReloadFailed',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: '5m',
    value: () => M.webConfigLastReloadSuccessful.name,
    op: '<',
    threshold: 1,
    summary: 'listenq-exporter on {{ $labels.instance }} could not load its changed --web.config.file',
    description:
      'The listenq-exporter at {{ $labels.instance }} has failed for 5 minutes to load its edited --web.config.file ' +
      '(or a certificate, key or CA file it names) and still serves with the previous configuration: users, ' +
      'passwords or certificates removed by the edit are still accepted. Its log says why.',
  },
  {
    name: 'ListenqSamplesStale',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: '2m',
    value: () => `time() - ${M.lastSampleTimestamp.name}`,
    op: '>',
    threshold: T.staleSampleSeconds,
    summary: 'listenq-exporter on {{ $labels.instance }} serves a {{ $value | humanizeDuration }} old sample',
    description:
      'The snapshot served by the listenq-exporter at {{ $labels.instance }} was taken ' +
      '{{ $value | humanizeDuration }} ago: its sampler is stuck or far slower than --sample.interval, ' +
      'so every listenq_ value from it is old.',
  },
  {
    name: 'ListenqExporterDown',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: '5m',
    value: () => `up{job=~"${EXPORTER_JOB_REGEX}"}`,
    op: '<',
    threshold: 1,
    summary: 'listenq-exporter target {{ $labels.instance }} is down',
    description:
      'Prometheus has failed to scrape the listenq-exporter target {{ $labels.instance }} (job {{ $labels.job }}) ' +
      'for 5 minutes: no listen-queue alert can fire for that network namespace.',
  },
];
