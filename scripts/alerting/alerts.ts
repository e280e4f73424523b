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
import type { AlertingConfig } from './config.js';
import { DEF, KUBE_POD_INFO, type Use, withSampledPod } from './definitions.js';
import { on } from './promql.js';

export type Severity = 'critical' | 'warning' | 'info';
export type Comparison = '>' | '>=' | '<';

export interface AlertSpec {
  /**
   * The alert name. A warning and a critical level of one condition share it and differ
   * only in `severity` (the mixins' convention), so an Alertmanager inhibit rule with
   * `equal: [alertname, ...]` mutes the warning while the critical fires.
   */
  readonly name: string;
  /** Prometheus rule group; Grafana uses the same grouping. */
  readonly group: AlertGroupName;
  readonly severity: Severity;
  readonly for: string;
  /** The measured quantity; alertValue() gives it the sampled pod's labels where it has a pod. */
  value(use: Use, cfg: AlertingConfig): string;
  readonly op: Comparison;
  readonly threshold: number;
  /** Go templates over $labels and $value; they must render in Prometheus and Grafana alike. */
  readonly summary: string;
  readonly description: string;
  /** Appended in Prometheus only: Grafana's templates cannot run a query. */
  readonly prometheusDescriptionSuffix?: string;
  /** Title of the dashboard panel that shows what the alert judges (Grafana links the rule to it). */
  readonly panel: string;
}

export type AlertGroupName =
  | 'listenq-exporter.listeners'
  | 'listenq-exporter.namespace'
  | 'listenq-exporter.exporter';

/** Thresholds in one place so the runbook test can check the document quotes them. */
export const THRESHOLDS = {
  saturatedFill: 0.9,
  /**
   * A queue this deep or deeper counts as saturated on its peak alone; a shallower one
   * (limit 1 or 2 holding the one connection the application accepts at once has a peak fill
   * of 100 % all day) only once it was observed over its limit.
   */
  saturatedMinDepth: 5,
  overflowWarningPerSecond: 1,
  overflowCriticalPerSecond: 20,
  synDropsPerSecond: 1,
  synCookiesPerSecond: 10,
  tinyLimit: 128,
  tinyLimitFilledFraction: 0.5,
  staleSampleSeconds: 60,
  listenersDroppedFor: '15m',
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

/** One listening socket: an SO_REUSEPORT member is told apart by its slot. */
const SOCKET = `${listenerName('$labels')} (slot {{ $labels.slot }}) on {{ $labels.instance }}${WHERE}`;

/** A listener's address and port, all its SO_REUSEPORT slots together. */
const LISTENER = `${listenerName('$labels')} on {{ $labels.instance }}${WHERE}`;

/**
 * The pod's Kubernetes namespace and name from kube-state-metrics (Prometheus only: Grafana's
 * templates cannot run a query); nothing when the series has no pod UID or kube-state-metrics
 * does not know it.
 */
const POD_NAME =
  `{{ with $labels.pod_uid }}{{ with query (printf "${KUBE_POD_INFO.replace('(kube_pod_info)', '(kube_pod_info{cluster=%q,uid=%q})')}" $labels.cluster .) }}` +
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
    ` {{ range $i, $s := query (printf "sort_desc(topk(3, ${metric}{cluster=%q,instance=%q,job=%q,netns=%q} > 0))" $labels.cluster $labels.instance $labels.job $labels.netns) }}` +
    `{{ if $i }}, {{ end }}${listenerName('$s.Labels')} at {{ $s.Value${valueFormat} }}` +
    '{{ else }}none at the last sample{{ end }}.'
  );
}

const FULLEST_LISTENERS = topListeners('Fullest accept queues there', DEF.peakFill.record, ' | humanizePercentage') + POD_NAME;
const BUSIEST_SYN_QUEUES = topListeners('Most half-open connections there', M.synQueueLength.name, '') + POD_NAME;

/**
 * The SO_REUSEPORT slots of the alerting listener with their peak fill (Prometheus only).
 * `device=""` and `cluster=""` select series without the label, as the alert's own lack it.
 */
const SLOTS =
  ' Slots:' +
  ` {{ range $i, $s := query (printf "sort_desc(${DEF.peakFill.record}{cluster=%q,instance=%q,job=%q,netns=%q,family=%q,address=%q,port=%q,device=%q})"` +
  ' $labels.cluster $labels.instance $labels.job $labels.netns $labels.family $labels.address $labels.port $labels.device) }}' +
  '{{ if $i }}, {{ end }}{{ $s.Labels.slot }} at {{ $s.Value | humanizePercentage }}{{ end }}.';

const T = THRESHOLDS;

/** Per-socket drops: the kernel's own count for the socket that dropped. */
function overflowing(severity: 'warning' | 'critical'): AlertSpec {
  const critical = severity === 'critical';
  return {
    name: 'ListenQueueOverflowing',
    group: 'listenq-exporter.listeners',
    severity,
    for: critical ? '5m' : '10m',
    value: (use) => use(DEF.listenerDrops),
    op: '>',
    threshold: critical ? T.overflowCriticalPerSecond : T.overflowWarningPerSecond,
    summary: `${SOCKET} drops {{ $value | humanize }} connection requests/s`,
    description:
      `{{ $value | humanize }} connection requests per second (5m average, for ${critical ? '5' : '10'} minutes) were dropped ` +
      `at the listening socket ${SOCKET}, by its own drop counter (sk_drops: accept-queue overflows and SYN-queue drops)` +
      (critical
        ? ': dozens of clients are stuck retransmitting and some will time out.'
        : '. Each drop delays a client by at least 1 s (SYN or ACK retransmission).'),
    prometheusDescriptionSuffix: POD_NAME,
    panel: 'Drops per listener /s',
  };
}

/**
 * The namespace-wide counter, for exporters and sources that give no per-socket counter
 * (older exporters, the /proc fallback without ss): it fires only for a namespace without a
 * single listenq_listener_drops_total series, so one incident never pages twice.
 */
function namespaceOverflowing(severity: 'warning' | 'critical'): AlertSpec {
  const critical = severity === 'critical';
  return {
    name: 'ListenNamespaceOverflowing',
    group: 'listenq-exporter.namespace',
    severity,
    for: critical ? '5m' : '10m',
    value: (use) => `${use(DEF.overflows)} unless ${on('instance', 'job', 'netns')} ${M.listenerDrops.name}`,
    op: '>',
    threshold: critical ? T.overflowCriticalPerSecond : T.overflowWarningPerSecond,
    summary: `Full accept queues drop {{ $value | humanize }} connections/s on {{ $labels.instance }}${WHERE}`,
    description:
      `{{ $value | humanize }} connection attempts per second (5m average, for ${critical ? '5' : '10'} minutes) were dropped ` +
      `in ${NAMESPACE} because an accept queue was full ` +
      '(TcpExt ListenOverflows; this exporter gives no per-socket drop counter there)' +
      (critical
        ? ': dozens of clients are stuck retransmitting and some will time out.'
        : '. Each drop delays a client by at least 1 s (SYN or ACK retransmission).'),
    prometheusDescriptionSuffix: FULLEST_LISTENERS,
    panel: 'Listen overflows and drops /s',
  };
}

export const ALERTS: readonly AlertSpec[] = [
  {
    name: 'ListenQueueSaturated',
    group: 'listenq-exporter.listeners',
    severity: 'warning',
    // The peak gauge holds a burst for --peak.window (2m), so 5m of `for` needs bursts
    // at least every 2 minutes over 5+ minutes: a sustained pattern, not one spike.
    for: '5m',
    // One alert per listener: the fullest of its SO_REUSEPORT slots. A slot counts only with
    // a real depth, or once it was observed over its limit (a tiny queue that holds one
    // connection at a time is not saturated).
    value: (use) =>
      `max without (slot) (${use(DEF.peakFill)} and (${M.acceptQueuePeakLength.name} >= ${T.saturatedMinDepth} or ${use(DEF.fullRatio)} > 0))`,
    op: '>=',
    threshold: T.saturatedFill,
    summary: `Accept queue of ${LISTENER} is {{ $value | humanizePercentage }} full`,
    description:
      `The accept queue of ${LISTENER} peaked at {{ $value | humanizePercentage }} of its limit ` +
      '(the fullest of its SO_REUSEPORT slots) at every evaluation for 5 minutes. Connections that arrive while it is over the limit are ' +
      'dropped (ListenOverflows): the application does not accept() fast enough.',
    prometheusDescriptionSuffix: SLOTS + POD_NAME,
    panel: 'Peak fill ratio',
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
        ` and (${limit} < ${T.tinyLimit} or ${limit} >= ${on('instance', 'job', 'netns')} group_left ${M.somaxconn.name})`
      );
    },
    // The value is the limit itself (possibly 0), so the comparison selects every candidate.
    op: '>=',
    threshold: 0,
    summary: `Accept-queue limit of ${SOCKET} is only {{ $value }}`,
    description:
      `${SOCKET} has an accept-queue limit of {{ $value }}: below ${T.tinyLimit}, or equal to ` +
      'net.core.somaxconn so a larger listen() backlog was cut down. Its queue has been filled to ' +
      'at least half of that for 15 minutes. Tuning finding: raise the backlog passed to listen() ' +
      '(and net.core.somaxconn when clamped); the limit changes only when the application calls listen() again.',
    prometheusDescriptionSuffix: POD_NAME,
    panel: 'Listeners, fullest first',
  },
  overflowing('warning'),
  overflowing('critical'),
  namespaceOverflowing('warning'),
  namespaceOverflowing('critical'),
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
    panel: 'SYN-queue drops and syncookies /s',
  },
  {
    name: 'SynCookieStorm',
    group: 'listenq-exporter.namespace',
    severity: 'warning',
    for: '10m',
    // tcp_syncookies=2 answers every SYN with a cookie and counts each one here: by design.
    // Per network namespace: one namespace's tcp_syncookies=2 must not silence another's storm.
    value: (use) => `${use(DEF.synCookies)} unless ${on('instance', 'job', 'netns')} ${M.syncookiesMode.name} == 2`,
    op: '>',
    threshold: T.synCookiesPerSecond,
    summary: `Full SYN queues answered {{ $value | humanize }} SYNs/s with syncookies on {{ $labels.instance }}${WHERE}`,
    description:
      '{{ $value | humanize }} SYNs per second (5m average, for 10 minutes) were answered with a syncookie ' +
      `in ${NAMESPACE} because a SYN queue was full ` +
      '(TcpExt TCPReqQFullDoCookies): a SYN flood, or a listen() backlog too small for the handshake rate.',
    prometheusDescriptionSuffix: BUSIEST_SYN_QUEUES,
    panel: 'SYN-queue drops and syncookies /s',
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
    panel: 'Sources up',
  },
  {
    // A reload that failed keeps the previous web config: a revoked user or key still works.
    name: 'ListenqConfigReloadFailed',
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
    panel: 'Last load successful',
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
    panel: 'Age of the served sample',
  },
  {
    name: 'ListenqListenersDropped',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: T.listenersDroppedFor,
    value: () => M.listenersDropped.name,
    op: '>',
    threshold: 0,
    summary: 'listenq-exporter on {{ $labels.instance }} leaves {{ $value }} listening sockets out (--max-listeners)',
    description:
      'The listenq-exporter at {{ $labels.instance }} has had more listening sockets than --max-listeners for ' +
      `${T.listenersDroppedFor.replace('m', ' minutes')} and leaves the {{ $value }} least loaded ones out of the per-socket metrics: ` +
      'their saturation and drop alerts cannot fire. Raise --max-listeners (mind the series budget) or narrow what is sampled.',
    panel: 'Listeners left out (--max-listeners)',
  },
  {
    name: 'ListenqExporterDown',
    group: 'listenq-exporter.exporter',
    severity: 'warning',
    for: '5m',
    value: (_use, cfg) => `up{${cfg.exporterSelector}}`,
    op: '<',
    threshold: 1,
    summary: 'listenq-exporter target {{ $labels.instance }} is down',
    description:
      'Prometheus has failed to scrape the listenq-exporter target {{ $labels.instance }} (job {{ $labels.job }}) ' +
      'for 5 minutes: no listen-queue alert can fire for that network namespace.',
    panel: 'Target up',
  },
];

/** Alerts about a listener or a network namespace, which in node-wide mode belongs to a pod. */
export function aboutPod(a: Pick<AlertSpec, 'group'>): boolean {
  return a.group !== 'listenq-exporter.exporter';
}

/**
 * The value as the rules evaluate it: about a pod, with that pod's namespace and pod labels
 * from kube_pod_info in node-wide mode (see withSampledPod).
 */
export function alertValue(a: AlertSpec, use: Use, cfg: AlertingConfig): string {
  const v = a.value(use, cfg);
  return aboutPod(a) ? withSampledPod(v) : v;
}

/** Unique per rule: the name alone is shared by a warning/critical pair. */
export function alertKey(a: Pick<AlertSpec, 'name' | 'severity'>): string {
  return `${a.name}/${a.severity}`;
}

/** The alert names, each once. */
export function alertNames(): string[] {
  return [...new Set(ALERTS.map((a) => a.name))];
}
