/**
 * The shared definitions: fill ratios and rates. Prometheus gets them as recording rules;
 * Grafana alerts and the dashboard inline the very same text (they must work for users who
 * have not loaded the recording rules into their Prometheus), so all three agree by
 * construction.
 */
import { LISTENER_LABELS, type MetricKey, NAMESPACE_LABELS } from '../../src/metrics/catalog.js';
import { listenerMetric, narrow, on, type Scope, targetMetric } from './promql.js';

export interface Definition {
  /** Recording-rule name, `level:metric:operations` per the Prometheus naming convention. */
  readonly record: string;
  /** What the series means, for the dashboard's panel descriptions and the runbook. */
  readonly meaning: string;
  expr(scope: Scope): string;
}

function rate(key: MetricKey, scope: Scope, perListener: boolean): string {
  const sel = perListener ? listenerMetric(key, scope) : targetMetric(key, scope);
  return `rate(${sel}[${scope.rateWindow}])`;
}

const peakFill = {
  record: 'listener:listenq_accept_queue_peak_fill:ratio',
  meaning: 'largest depth in the peak window over the limit (can reach (limit+1)/limit)',
  expr: (s: Scope) =>
    `${listenerMetric('acceptQueuePeakLength', s)} / (${listenerMetric('acceptQueueLimit', s)} > 0)`,
} as const satisfies Definition;

const overflows = {
  record: 'instance:listenq_listen_overflows:rate5m',
  meaning: 'connections dropped per second because an accept queue was full (ListenOverflows)',
  expr: (s: Scope) => rate('listenOverflows', s, false),
} as const satisfies Definition;

/**
 * kube-state-metrics' pod identity, one series per pod UID (and cluster, for a global
 * ruler). `max by` keeps exactly the labels the join needs: two kube-state-metrics replicas (or two jobs scraping it) would
 * otherwise give the `group_left` side duplicates and fail the whole rule.
 */
export const KUBE_POD_INFO = 'max by (cluster, uid, namespace, pod) (kube_pod_info)';

/** kube_pod_info keyed by our label name, `pod_uid` (kube-state-metrics calls it `uid`). */
export const PODS_BY_POD_UID = `label_replace(${KUBE_POD_INFO}, "pod_uid", "$1", "uid", "(.+)")`;

/**
 * Node-wide mode: gives a series of a pod's network namespace that pod's Kubernetes
 * `namespace` and `pod` labels from kube_pod_info, replacing the exporter target's own
 * (those name the exporter's DaemonSet pod), so alerts route by the namespace they are
 * about. Series kube-state-metrics cannot place (no pod_uid: the default mode and the
 * host's namespace; a pod it does not list; no kube-state-metrics at all) pass unchanged.
 * The two branches are disjoint, so nothing is reported twice.
 */
export function withSampledPod(expr: string): string {
  return (
    `(${expr}) * ${on('pod_uid')} group_left(namespace, pod) ${PODS_BY_POD_UID}` +
    ` or ((${expr}) unless ${on('pod_uid')} ${PODS_BY_POD_UID})`
  );
}

/**
 * Labels a pod-level series must not take from the exporter's side of the join: the
 * listener's own labels (the series is the pod's worst or total), the container that
 * happened to represent the namespace, and the exporter target's service-discovery labels
 * `namespace`, `pod` and `container`, which name the exporter's own pod (the DaemonSet's),
 * not the pod whose namespace was sampled. `namespace` and `pod` then come from
 * kube_pod_info. Every other label of the exporter's series (job, instance, netns, pod_uid,
 * and any target label such as cluster or node) is kept.
 */
const NOT_FROM_EXPORTER = ['namespace', 'pod', 'container'];
export const POD_DROPPED_LABELS: readonly string[] = [
  ...LISTENER_LABELS.filter((l) => l !== 'netns' && l !== 'pod_uid'),
  ...NOT_FROM_EXPORTER,
];
const POD_DROPPED_NAMESPACE_LABELS: readonly string[] = [
  ...NAMESPACE_LABELS.filter((l) => l !== 'netns' && l !== 'pod_uid'),
  ...NOT_FROM_EXPORTER,
];

/**
 * Names the pod of a node-wide (--namespaces=all) series without Kubernetes API access:
 * kube_pod_info's pod UID label is `uid`, ours is `pod_uid`, so label_replace copies it to
 * `uid` (kept on the output, so it also joins other kube_pod_* series), then
 * `* on(cluster, uid) group_left(namespace, pod)` takes the pod and Kubernetes namespace names
 * (kube_pod_info is always 1, so the value is unchanged). Series without a pod UID (the
 * host's namespace, a namespace of no pod) and pods kube-state-metrics does not (yet or any
 * longer) list yield nothing.
 */
function podJoin(aggregate: string, dropped: readonly string[], inner: string): string {
  return (
    `label_replace(${aggregate} without (${dropped.join(', ')}) (${inner}), "uid", "$1", "pod_uid", "(.+)")` +
    ` * ${on('uid')} group_left(namespace, pod) ${KUBE_POD_INFO}`
  );
}

/** Only series that name a pod can be joined. */
const POD_SCOPE = 'pod_uid!=""';

export const DEF = {
  fill: {
    record: 'listener:listenq_accept_queue_fill:ratio',
    meaning: 'accept-queue depth at the last sample over the limit (can reach (limit+1)/limit)',
    // `> 0` drops listeners with limit 0 (listen(0)) or an unknown limit: no division by zero,
    // and no series at all rather than +Inf.
    expr: (s) =>
      `${listenerMetric('acceptQueueLength', s)} / (${listenerMetric('acceptQueueLimit', s)} > 0)`,
  },
  peakFill,
  fullRatio: {
    record: 'listener:listenq_accept_queue_full:ratio_rate5m',
    meaning: 'fraction of time the accept queue was observed full (depth > limit)',
    expr: (s) => rate('acceptQueueFullSeconds', s, true),
  },
  overflows,
  listenerDrops: {
    record: 'listener:listenq_listener_drops:rate5m',
    meaning: 'connection requests dropped per second at this listening socket (its own sk_drops: accept-queue overflows and SYN-queue drops)',
    expr: (s) => rate('listenerDrops', s, true),
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
  // Node-wide mode (--namespaces=all) with kube-state-metrics: the same numbers per pod.
  podPeakFill: {
    record: 'pod:listenq_accept_queue_peak_fill:ratio',
    meaning: `${peakFill.meaning}, of the pod's fullest listener, with the pod's namespace and name from kube_pod_info`,
    expr: (s) => podJoin('max', POD_DROPPED_LABELS, peakFill.expr(narrow(s, POD_SCOPE))),
  },
  podOverflows: {
    record: 'pod:listenq_listen_overflows:rate5m',
    meaning: `${overflows.meaning}, in the pod's network namespace, with the pod's namespace and name from kube_pod_info`,
    // `sum`: should the representative process (container_id) change, the old and new
    // series both hold part of the rate window.
    expr: (s) => podJoin('sum', POD_DROPPED_NAMESPACE_LABELS, overflows.expr(narrow(s, POD_SCOPE))),
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
