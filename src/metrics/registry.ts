/**
 * Builds a prom-client registry whose exporter metrics read the latest snapshot. One
 * registry per exposition format, because prom-client renames counters in place when it
 * renders OpenMetrics, so one metric object cannot serve both formats.
 */
import { collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';
import type { NamespaceSnapshot, Snapshot } from '../sampler/snapshot.js';
import type { HostInfo } from '../sources/host-info.js';
import { type ExpositionFormat, LISTENER_FAMILIES, METRICS, type MetricKey, SYSCTL_METRICS, TCPEXT_METRICS } from './catalog.js';
import { type Point, snapshotMetric } from './snapshot-metrics.js';

export interface StaticInfo {
  readonly version: string;
  /** Resolved after start; undefined until then or if it failed. */
  readonly host: () => HostInfo | undefined;
  /** --namespaces=all: export how many namespaces were sampled. */
  readonly allNamespaces?: boolean;
  /** With --web.config.file: the outcome of its last load, kept in memory (no file I/O here). */
  readonly webConfig?: () => { readonly successful: boolean; readonly lastSuccessSeconds: number };
}

function namespacePoints(points: Record<MetricKey, Point[]>, ns: NamespaceSnapshot): void {
  // Only report a family whose socket list was read: a zero must mean "no listeners".
  for (const family of ['ipv4', 'ipv6'] as const) {
    if (ns.familiesKnown[family]) points.listeners.push({ labels: { family, ...ns.labels }, value: ns.listenerCounts[family] });
  }
  for (const key of TCPEXT_METRICS) {
    const v = ns.tcpExt?.[METRICS[key].tcpExt];
    if (v !== undefined) points[key].push({ labels: { ...ns.labels }, value: v });
  }
  for (const key of SYSCTL_METRICS) {
    const v = ns.sysctls[METRICS[key].sysctl];
    if (v !== undefined) points[key].push({ labels: { ...ns.labels }, value: v });
  }
}

/** The points of every exporter metric for one snapshot. */
export function snapshotPoints(snap: Snapshot | undefined, info: StaticInfo): Record<MetricKey, readonly Point[]> {
  const points = {} as Record<MetricKey, Point[]>;
  for (const key of Object.keys(METRICS) as MetricKey[]) points[key] = [];
  points.buildInfo.push({ labels: { version: info.version, nodejs: process.version }, value: 1 });
  const host = info.host();
  if (host) points.hostInfo.push({ labels: { hostname: host.hostname, kernel: host.kernel, os: host.os }, value: 1 });
  const web = info.webConfig?.();
  if (web) {
    points.webConfigLastReloadSuccessful.push({ labels: {}, value: web.successful ? 1 : 0 });
    points.webConfigLastReloadSuccessTimestamp.push({ labels: {}, value: web.lastSuccessSeconds });
  }
  if (!snap) return points;

  for (const ns of snap.namespaces) namespacePoints(points, ns);
  points.listenersDropped.push({ labels: {}, value: snap.listenersDropped });
  if (snap.listenersUnattributed !== undefined) points.listenersUnattributed.push({ labels: {}, value: snap.listenersUnattributed });
  if (info.allNamespaces) points.namespaces.push({ labels: {}, value: snap.namespaces.length });

  for (const [source, s] of Object.entries(snap.sources)) {
    const labels = { source };
    points.sourceUp.push({ labels, value: s.up ? 1 : 0 });
    points.sourceDuration.push({ labels, value: s.durationSeconds });
    points.sourceErrors.push({ labels, value: s.errorsTotal });
    points.sourceRejectedLines.push({ labels, value: s.rejectedLinesTotal });
  }
  points.lastSampleTimestamp.push({ labels: {}, value: snap.timestampSeconds });
  points.samples.push({ labels: {}, value: snap.samplesTotal });
  return points;
}

/** Every exporter metric but the per-socket families, which ListenerBlock renders. */
const REGISTRY_METRICS = (Object.keys(METRICS) as MetricKey[]).filter((k) => !(LISTENER_FAMILIES as readonly MetricKey[]).includes(k));

export function buildRegistry(
  format: ExpositionFormat,
  latest: () => Record<MetricKey, readonly Point[]>,
): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
  for (const key of REGISTRY_METRICS) registry.registerMetric(snapshotMetric(METRICS[key], () => latest()[key]));
  // The event-loop-lag monitor wakes the process every `precision` ms, once per registry;
  // 10 ms (the default) measured as a third of an idle exporter's CPU, and every wake-up
  // costs here. A stall long enough to matter still shows at 1 s.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

/**
 * prom-client's gauges named like counters, which `promtool check metrics` rejects
 * ("non-counter metrics should not have _total suffix"). Each is the sum of the per-type
 * gauge beside it (nodejs_active_handles{type} and so on), so dropping them loses nothing:
 * sum(nodejs_active_handles) is the same number.
 */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
