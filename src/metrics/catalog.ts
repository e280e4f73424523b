/**
 * The metric contract. Names, types, label names and HELP texts live here and only here:
 * the collectors, the README metric table and the alert-rule drift tests all read this.
 */

import type { ListenerValueField } from '../listener/fields.js';
import type { TcpExtField } from '../sampler/snapshot.js';
import type { SysctlName } from '../sources/sysctls.js';

type MetricType = 'gauge' | 'counter';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

/** A per-socket family: one series per listening socket, valued by one listener field. */
interface ListenerMetricSpec<F extends ListenerValueField> extends MetricSpec {
  readonly field: F;
}

/**
 * Labels that name a network namespace; only with --namespaces=all (`pod_uid` and
 * `container_id` only where the representative process's cgroup path has them).
 */
export const NAMESPACE_LABELS = ['netns', 'pod_uid', 'container_id'] as const;

/**
 * Labels that identify one listening socket. `device` is omitted when the socket has none,
 * `process` unless --collector.process-names is on and the owner was found.
 */
export const LISTENER_LABELS = ['family', 'address', 'port', 'device', 'slot', 'process', ...NAMESPACE_LABELS] as const;

function spec(name: string, type: MetricType, labels: readonly string[], help: string): MetricSpec {
  return { name, type, help, labels };
}

/** A namespace's TcpExt counter, valued by the field the sampler reads (sampler/snapshot.ts). */
function tcpExtCounter<F extends TcpExtField>(tcpExt: F, name: string, help: string): MetricSpec & { readonly tcpExt: F } {
  return { name, type: 'counter', help, labels: NAMESPACE_LABELS, tcpExt };
}

/** A namespace's sysctl, valued by the sysctl the sampler reads (sources/sysctls.ts). */
function sysctlGauge<S extends SysctlName>(sysctl: S, name: string, help: string): MetricSpec & { readonly sysctl: S } {
  return { name, type: 'gauge', help, labels: NAMESPACE_LABELS, sysctl };
}

function perListener<F extends ListenerValueField>(field: F, name: string, type: MetricType, help: string): ListenerMetricSpec<F> {
  return { name, type, help, labels: LISTENER_LABELS, field };
}

export const METRICS = {
  acceptQueueLength: perListener(
    'queueLength',
    'listenq_accept_queue_length',
    'gauge',
    'Connections completed by the kernel and waiting for accept() on this listening socket, at the last sample (Recv-Q of a listener).',
  ),
  acceptQueueLimit: perListener(
    'limit',
    'listenq_accept_queue_limit',
    'gauge',
    'Effective accept-queue limit of this listening socket: min(listen() backlog, net.core.somaxconn) at listen() time (Send-Q of a listener). Absent when ss is unavailable. The kernel lets the queue reach limit+1.',
  ),
  acceptQueuePeakLength: perListener(
    'peak',
    'listenq_accept_queue_peak_length',
    'gauge',
    'Largest accept-queue length seen by the sampler in the last --peak.window.',
  ),
  acceptQueueFullSeconds: perListener(
    'fullSeconds',
    'listenq_accept_queue_full_seconds_total',
    'counter',
    'Seconds this listening socket was observed full (length > limit, the kernel\'s own test), estimated from samples.',
  ),
  listenerDrops: perListener(
    'drops',
    'listenq_listener_drops_total',
    'counter',
    'Connection requests dropped at this listening socket since it was created (the kernel\'s per-socket sk_drops): accept-queue overflows and SYN-queue drops. SO_REUSEPORT members count apart; when a new socket takes the slot the series restarts from its value (a counter reset).',
  ),
  synQueueLength: perListener(
    'synRecv',
    'listenq_syn_queue_length',
    'gauge',
    'Half-open connections (SYN_RECV) for this listener\'s address and port; for an SO_REUSEPORT group the total is reported on its lowest slot.',
  ),
  listeners: spec(
    'listenq_listeners',
    'gauge',
    ['family', ...NAMESPACE_LABELS],
    'Listening TCP sockets in this network namespace, by address family.',
  ),
  listenersDropped: spec(
    'listenq_listeners_dropped',
    'gauge',
    [],
    'Listening sockets left out of the per-socket metrics at the last sample because there were more than --max-listeners (the least loaded are left out).',
  ),
  listenersUnattributed: spec(
    'listenq_listeners_unattributed',
    'gauge',
    [],
    'With --collector.process-names: listening sockets whose owning process could not be found (another user\'s process without CAP_SYS_PTRACE, or it exited).',
  ),
  namespaces: spec(
    'listenq_namespaces',
    'gauge',
    [],
    'With --namespaces=all: network namespaces sampled at the last sample.',
  ),
  listenOverflows: tcpExtCounter(
    'ListenOverflows',
    'listenq_listen_overflows_total',
    'Times a connection was dropped because a listener\'s accept queue was full (TcpExt ListenOverflows), for the whole network namespace.',
  ),
  listenDrops: tcpExtCounter(
    'ListenDrops',
    'listenq_listen_drops_total',
    'Connection requests dropped at a listener for any reason, overflows included (TcpExt ListenDrops), for the whole network namespace.',
  ),
  synQueueDrops: tcpExtCounter(
    'TCPReqQFullDrop',
    'listenq_syn_queue_drops_total',
    'SYNs dropped because a SYN queue was full and syncookies were off (TcpExt TCPReqQFullDrop).',
  ),
  synQueueCookies: tcpExtCounter(
    'TCPReqQFullDoCookies',
    'listenq_syn_queue_cookies_total',
    'SYNs answered with a syncookie because a SYN queue was full (TcpExt TCPReqQFullDoCookies).',
  ),
  syncookiesSent: tcpExtCounter(
    'SyncookiesSent',
    'listenq_syncookies_sent_total',
    'Syncookies sent (TcpExt SyncookiesSent).',
  ),
  syncookiesReceived: tcpExtCounter(
    'SyncookiesRecv',
    'listenq_syncookies_received_total',
    'Valid syncookies received back (TcpExt SyncookiesRecv).',
  ),
  syncookiesFailed: tcpExtCounter(
    'SyncookiesFailed',
    'listenq_syncookies_failed_total',
    'Syncookies received that failed validation (TcpExt SyncookiesFailed).',
  ),
  embryonicResets: tcpExtCounter(
    'EmbryonicRsts',
    'listenq_embryonic_resets_total',
    'Resets sent for half-open connections, e.g. with tcp_abort_on_overflow=1 (TcpExt EmbryonicRsts).',
  ),
  somaxconn: sysctlGauge(
    'somaxconn',
    'listenq_somaxconn',
    'net.core.somaxconn: the upper bound for any listen() backlog, applied when listen() is called.',
  ),
  maxSynBacklog: sysctlGauge(
    'maxSynBacklog',
    'listenq_max_syn_backlog',
    'net.ipv4.tcp_max_syn_backlog: bound on half-open connections per listener.',
  ),
  syncookiesMode: sysctlGauge(
    'syncookies',
    'listenq_syncookies_mode',
    'net.ipv4.tcp_syncookies: 0 off, 1 when a SYN queue overflows, 2 always.',
  ),
  abortOnOverflow: sysctlGauge(
    'abortOnOverflow',
    'listenq_abort_on_overflow',
    'net.ipv4.tcp_abort_on_overflow: 1 when a full accept queue answers with RST instead of dropping.',
  ),
  sourceUp: spec(
    'listenq_source_up',
    'gauge',
    ['source'],
    'Whether this data source succeeded at its last run (1) or failed (0).',
  ),
  sourceDuration: spec(
    'listenq_source_duration_seconds',
    'gauge',
    ['source'],
    'Time the last run of this data source took.',
  ),
  sourceErrors: spec(
    'listenq_source_errors_total',
    'counter',
    ['source'],
    'Failed runs of this data source since the exporter started.',
  ),
  sourceRejectedLines: spec(
    'listenq_source_rejected_lines_total',
    'counter',
    ['source'],
    'Lines of this data source\'s output that could not be parsed and were skipped.',
  ),
  lastSampleTimestamp: spec(
    'listenq_last_sample_timestamp_seconds',
    'gauge',
    [],
    'Unix time at which the snapshot served now was taken.',
  ),
  samples: spec(
    'listenq_samples_total',
    'counter',
    [],
    'Samples of the kernel taken since the exporter started.',
  ),
  buildInfo: spec(
    'listenq_build_info',
    'gauge',
    ['version', 'nodejs'],
    'Always 1; labels carry the exporter version and the Node.js version running it.',
  ),
  webConfigLastReloadSuccessful: spec(
    'listenq_web_config_last_reload_successful',
    'gauge',
    [],
    'Whether the last load of --web.config.file succeeded (1), or failed so that the previous configuration is still in force (0). Absent without --web.config.file.',
  ),
  webConfigLastReloadSuccessTimestamp: spec(
    'listenq_web_config_last_reload_success_timestamp_seconds',
    'gauge',
    [],
    'Unix time of the last successful load of --web.config.file (start-up included). Absent without --web.config.file.',
  ),
  hostInfo: spec(
    'listenq_host_info',
    'gauge',
    ['hostname', 'kernel', 'os'],
    'Always 1; labels identify the host the exporter runs on. Absent if host identity could not be read at start.',
  ),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

type Catalog = typeof METRICS;
type ListenerMetricKey = { [K in MetricKey]: Catalog[K] extends { field: ListenerValueField } ? K : never }[MetricKey];
type ExposedField = Catalog[ListenerMetricKey]['field'];
/** Compiles only when every value field of a listener has a family (see listener/fields.ts). */
type EveryValueExposed<T> = [Exclude<ListenerValueField, ExposedField>] extends [never] ? T : never;

/** The per-socket families, in catalog order (the order they are printed). */
export const LISTENER_FAMILIES: EveryValueExposed<readonly ListenerMetricKey[]> = (Object.keys(METRICS) as MetricKey[]).filter(
  (k): k is ListenerMetricKey => 'field' in METRICS[k],
);

/** The keys of the metrics whose spec names a value of type V in property P. */
type KeysNaming<P extends string, V> = { [K in MetricKey]: Catalog[K] extends { readonly [Q in P]: V } ? K : never }[MetricKey];
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;
/** The values of V that no metric names in P, or more than one does. */
type NotNamedOnce<P extends string, V extends string> = {
  [F in V]: [KeysNaming<P, F>] extends [never] ? F : true extends IsUnion<KeysNaming<P, F>> ? F : never;
}[V];
/** Compiles only when each value of V is named in P by exactly one metric; else names the culprits. */
type EachNamedOnce<P extends string, V extends string, T> = [NotNamedOnce<P, V>] extends [never] ? T : { missingOrRepeated: NotNamedOnce<P, V> };

/** The namespace TcpExt counters, one per field the sampler reads. */
export const TCPEXT_METRICS: EachNamedOnce<'tcpExt', TcpExtField, readonly KeysNaming<'tcpExt', TcpExtField>[]> = (
  Object.keys(METRICS) as MetricKey[]
).filter((k): k is KeysNaming<'tcpExt', TcpExtField> => 'tcpExt' in METRICS[k]);

/** The namespace sysctl gauges, one per sysctl the sampler reads. */
export const SYSCTL_METRICS: EachNamedOnce<'sysctl', SysctlName, readonly KeysNaming<'sysctl', SysctlName>[]> = (
  Object.keys(METRICS) as MetricKey[]
).filter((k): k is KeysNaming<'sysctl', SysctlName> => 'sysctl' in METRICS[k]);

/** The value a per-socket family shows for one socket; undefined where its source gave none. */
export function listenerValue(key: ListenerMetricKey, l: { readonly [F in ListenerValueField]?: number }): number | undefined {
  return l[METRICS[key].field];
}

/**
 * Exposition formats served on /metrics. OpenMetrics names a counter family without its
 * _total suffix.
 */
export type ExpositionFormat = 'prometheus' | 'openmetrics';
