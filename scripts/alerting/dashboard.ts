/**
 * The Grafana dashboard (deploy/grafana/listenq-exporter-dashboard.json). Ratios and rates
 * inline the shared definitions so the panels show exactly what the alerts judge, even
 * where the recording rules are not loaded.
 */
import { METRICS as M, type MetricKey } from '../../src/metrics/catalog.js';
import { THRESHOLDS } from './alerts.js';
import { type AlertingConfig, DEFAULT_CONFIG } from './config.js';
import { DEF, type Definition, KUBE_POD_INFO, PODS_BY_POD_UID } from './definitions.js';
import { labelVariable, layoutPanels, type PanelSpec, type RowSpec } from './grafana-model.js';
import { listenerMetric, narrow, on, type Scope, series, targetMetric } from './promql.js';

export const DASHBOARD_UID = 'listenq-exporter';

/** How many listeners a per-listener panel shows: a fleet has thousands. */
const TOP_N = 20;

/** Exporter-health series: one per target, no namespace labels. */
const HEALTH = 'job=~"$job",instance=~"$instance"';
/** Per-namespace and per-listener series: `netns=~".*"` (All) also matches series without it. */
const TARGET = `${HEALTH},netns=~"$netns"`;
const SCOPE: Scope = { target: TARGET, listener: `${TARGET},port=~"$port"`, rateWindow: '$__rate_interval' };
const HEALTH_SCOPE: Scope = { target: HEALTH, listener: HEALTH, rateWindow: '$__rate_interval' };

/** Target labels naming the scraped pod (sidecar mode): the namespace and pod variables filter them directly. */
const POD_TARGET_LABELS = 'namespace=~"$namespace",pod=~"$pod"';
const SELECTED_PODS = `label_replace(${KUBE_POD_INFO.replace('(kube_pod_info)', `(kube_pod_info{${POD_TARGET_LABELS}})`)}, "pod_uid", "$1", "uid", "(.+)")`;

/**
 * A per-listener or per-namespace expression narrowed by the namespace and pod variables.
 * Series kube-state-metrics places (node-wide mode) take the sampled pod's namespace and pod
 * from kube_pod_info and are kept when that pod is selected; the others (sidecar mode, whose
 * target labels already name the pod; the host's namespace; no kube-state-metrics) are
 * filtered on their own namespace and pod labels, which All (`.*`) also matches when absent.
 */
function byPod(f: (s: Scope) => string): string {
  return (
    `(${f(SCOPE)}) * ${on('pod_uid')} group_left(namespace, pod) ${SELECTED_PODS}` +
    ` or ((${f(narrow(SCOPE, POD_TARGET_LABELS))}) unless ${on('pod_uid')} ${PODS_BY_POD_UID})`
  );
}

const def = (d: Definition): string => byPod((s) => d.expr(s));
const lm = (k: MetricKey): string => byPod((s) => listenerMetric(k, s));
const nrate = (k: MetricKey): string => byPod((s) => `rate(${targetMetric(k, s)}[${s.rateWindow}])`);
const hm = (k: MetricKey): string => targetMetric(k, HEALTH_SCOPE);
const hrate = (k: MetricKey): string => `rate(${hm(k)}[$__rate_interval])`;
const top = (expr: string): string => `topk(${TOP_N}, ${expr})`;

/**
 * Prometheus `up` of this exporter's targets only: `$job` can be All, and `up` exists for
 * every target Prometheus scrapes. A target that went down keeps its build_info for a day
 * through last_over_time, so it is counted as down rather than vanishing.
 */
const UP = `${series('up', HEALTH)} and ${on('job', 'instance')} last_over_time(${hm('buildInfo')}[1d])`;

/** Legends name the pod (node-wide mode with kube-state-metrics, or sidecar mode) and the netns. */
const WHERE = '{{instance}} {{namespace}} {{pod}} {{netns}}';
const LISTENER = `${WHERE} {{address}}:{{port}} slot {{slot}}`;
const byNamespace = (what: string): string => `${WHERE} ${what}`;

/** Grafana's unit for a rate of events (connections, SYNs, samples) per second. */
const PER_SECOND = 'cps';

/**
 * Merges instant table queries into one row per series. Each query's frame carries its own
 * `__name__` value, which would keep rows from merging, so it is dropped first.
 */
function tableTransforms(rename: Record<string, string>): Record<string, unknown>[] {
  return [
    { id: 'organize', options: { excludeByName: { Time: true, __name__: true } } },
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName: { job: true, uid: true }, renameByName: rename } },
  ];
}

/** The TOP_N fullest listeners by peak fill; every column of the table is cut to the same set. */
const FULLEST = top(def(DEF.peakFill));
const ofFullest = (expr: string): string => `(${expr}) and (${FULLEST})`;

const overview: RowSpec = {
  title: 'Overview',
  panels: [
    { type: 'stat', title: 'Listening sockets', w: 4, h: 4, description: 'Listening TCP sockets in the selected network namespaces.',
      targets: [{ expr: `sum(${byPod((s) => targetMetric('listeners', s))})`, legend: 'listeners' }] },
    { type: 'stat', title: 'Worst peak fill', w: 4, h: 4, unit: 'percentunit', steps: [[0.7, 'orange'], [THRESHOLDS.saturatedFill, 'red']],
      description: `Largest ${DEF.peakFill.meaning}, over all selected listeners. ListenQueueSaturated fires at ${THRESHOLDS.saturatedFill * 100}% sustained.`,
      targets: [{ expr: `max(${def(DEF.peakFill)})`, legend: 'peak fill' }] },
    { type: 'stat', title: 'Socket drops /s', w: 4, h: 4, unit: PER_SECOND, steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `Sum of ${DEF.listenerDrops.meaning}, over all selected listeners.`,
      targets: [{ expr: `sum(${def(DEF.listenerDrops)})`, legend: 'drops/s' }] },
    { type: 'stat', title: 'Overflows /s', w: 4, h: 4, unit: PER_SECOND, steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `Sum of ${DEF.overflows.meaning}.`,
      targets: [{ expr: `sum(${def(DEF.overflows)})`, legend: 'overflows/s' }] },
    { type: 'stat', title: 'Worst time full', w: 4, h: 4, unit: 'percentunit', steps: [[0.001, 'orange'], [0.01, 'red']],
      description: `Largest ${DEF.fullRatio.meaning}, over all selected listeners.`,
      targets: [{ expr: `max(${def(DEF.fullRatio)})`, legend: 'time full' }] },
    { type: 'stat', title: 'Exporter targets', w: 4, h: 4,
      description: 'Targets of this exporter (those that served listenq_build_info in the last day) that are up, and down (Prometheus `up`).',
      options: { colorMode: 'none', graphMode: 'none' },
      targets: [
        { expr: `sum(${UP})`, legend: 'up' },
        { expr: `count(${UP}) - sum(${UP})`, legend: 'down' },
      ] },
    // The kernel lets a queue reach limit + 1, so a ratio tops out at (limit+1)/limit: 2 for limit 1.
    { type: 'bargauge', title: `Top 10 listeners by peak fill`, w: 12, h: 9, unit: 'percentunit', min: 0, max: 2,
      steps: [[0.7, 'orange'], [THRESHOLDS.saturatedFill, 'red']],
      description: `The 10 listeners with the largest ${DEF.peakFill.meaning}. Listeners with limit 0 or an unknown limit have no ratio; see the table.`,
      targets: [{ expr: `topk(10, ${def(DEF.peakFill)})`, legend: LISTENER, instant: true }] },
    { type: 'table', title: 'Listeners, fullest first', w: 12, h: 9,
      description: `The ${TOP_N} fullest listening sockets by peak fill at the last sample: peak fill ratio, depth, peak, limit, half-open connections, drops per second at the socket and the fraction of time observed full. In node-wide mode with kube-state-metrics, namespace and pod are the sampled pod's.`,
      options: { sortBy: [{ displayName: 'peak fill', desc: true }] },
      targets: [
        { expr: FULLEST, instant: true, format: 'table' },
        { expr: ofFullest(lm('acceptQueueLength')), instant: true, format: 'table' },
        { expr: ofFullest(lm('acceptQueuePeakLength')), instant: true, format: 'table' },
        { expr: ofFullest(lm('acceptQueueLimit')), instant: true, format: 'table' },
        { expr: ofFullest(lm('synQueueLength')), instant: true, format: 'table' },
        { expr: ofFullest(def(DEF.listenerDrops)), instant: true, format: 'table' },
        { expr: ofFullest(def(DEF.fullRatio)), instant: true, format: 'table' },
      ],
      transformations: tableTransforms({
        'Value #A': 'peak fill', 'Value #B': 'length', 'Value #C': 'peak', 'Value #D': 'limit', 'Value #E': 'SYN_RECV',
        'Value #F': 'drops/s', 'Value #G': 'time full',
      }) },
  ],
};

const acceptQueue: RowSpec = {
  title: 'Accept queue per listener',
  panels: [
    { type: 'timeseries', title: 'Depth, peak and limit', w: 24, h: 9,
      description: `Accept-queue depth at each sample, the largest depth in the peak window, and the limit, for the ${TOP_N} deepest, highest-peaking and largest of each. The kernel lets depth reach limit+1; beyond that it drops.`,
      targets: [
        { expr: top(lm('acceptQueueLength')), legend: `${LISTENER} depth` },
        { expr: top(lm('acceptQueuePeakLength')), legend: `${LISTENER} peak` },
        { expr: top(lm('acceptQueueLimit')), legend: `${LISTENER} limit` },
      ] },
    { type: 'timeseries', title: 'Peak fill ratio', w: 12, h: 8, unit: 'percentunit', min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.saturatedFill, 'red']],
      description: `${DEF.peakFill.meaning} (recorded as ${DEF.peakFill.record}), the ${TOP_N} fullest. The red line is the ListenQueueSaturated threshold.`,
      targets: [{ expr: top(def(DEF.peakFill)), legend: LISTENER }] },
    { type: 'timeseries', title: 'Time observed full', w: 12, h: 8, unit: 'percentunit', min: 0,
      description: `${DEF.fullRatio.meaning}, from ${M.acceptQueueFullSeconds.name} (recorded as ${DEF.fullRatio.record}), the ${TOP_N} most.`,
      targets: [{ expr: top(def(DEF.fullRatio)), legend: LISTENER }] },
    { type: 'timeseries', title: 'Drops per listener /s', w: 24, h: 8, unit: PER_SECOND, min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `${DEF.listenerDrops.meaning}, from ${M.listenerDrops.name}, the ${TOP_N} sockets dropping most. Lines: ListenQueueOverflowing warning and critical thresholds. A socket replaced in its slot restarts the counter, which rate() reads as a reset, not as drops.`,
      targets: [{ expr: top(def(DEF.listenerDrops)), legend: LISTENER }] },
  ],
};

const drops: RowSpec = {
  title: 'Overflows and drops (per network namespace)',
  panels: [
    { type: 'timeseries', title: 'Listen overflows and drops /s', w: 12, h: 8, unit: PER_SECOND, min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `${DEF.overflows.meaning}; ${DEF.drops.meaning}. Lines: ListenNamespaceOverflowing warning and critical thresholds (that alert judges only namespaces without per-socket drop counters).`,
      targets: [
        { expr: top(def(DEF.overflows)), legend: byNamespace('overflows') },
        { expr: top(def(DEF.drops)), legend: byNamespace('drops') },
      ] },
    { type: 'timeseries', title: 'Resets of half-open connections /s', w: 12, h: 8, unit: PER_SECOND, min: 0,
      description: `${M.embryonicResets.help} With tcp_abort_on_overflow=1 a full accept queue answers with these resets instead of dropping.`,
      targets: [{ expr: top(nrate('embryonicResets')), legend: byNamespace('embryonic resets') }] },
  ],
};

const synQueue: RowSpec = {
  title: 'SYN queue and syncookies',
  panels: [
    { type: 'timeseries', title: 'Half-open connections (SYN_RECV) per listener', w: 12, h: 8, min: 0,
      description: `${M.synQueueLength.help} The ${TOP_N} most.`,
      targets: [{ expr: top(lm('synQueueLength')), legend: LISTENER }] },
    { type: 'timeseries', title: 'SYN-queue drops and syncookies /s', w: 12, h: 8, unit: PER_SECOND, min: 0,
      description: `${DEF.synDrops.meaning}; ${DEF.synCookies.meaning}; and all syncookies sent, received back valid, and failed.`,
      targets: [
        { expr: top(def(DEF.synDrops)), legend: byNamespace('SYN-queue drops') },
        { expr: top(def(DEF.synCookies)), legend: byNamespace('SYN-queue full, cookie sent') },
        { expr: top(nrate('syncookiesSent')), legend: byNamespace('cookies sent') },
        { expr: top(nrate('syncookiesReceived')), legend: byNamespace('cookies received') },
        { expr: top(nrate('syncookiesFailed')), legend: byNamespace('cookies failed') },
      ] },
  ],
};

const sysctls: RowSpec = {
  title: 'Kernel settings (per network namespace)',
  panels: [
    { type: 'table', title: 'Sysctls', w: 24, h: 6,
      description: 'net.core.somaxconn caps every listen() backlog when listen() is called; tcp_max_syn_backlog bounds half-open connections; tcp_syncookies 0 off, 1 on overflow, 2 always; tcp_abort_on_overflow 1 sends RST instead of dropping.',
      targets: [
        { expr: byPod((s) => targetMetric('somaxconn', s)), instant: true, format: 'table' },
        { expr: byPod((s) => targetMetric('maxSynBacklog', s)), instant: true, format: 'table' },
        { expr: byPod((s) => targetMetric('syncookiesMode', s)), instant: true, format: 'table' },
        { expr: byPod((s) => targetMetric('abortOnOverflow', s)), instant: true, format: 'table' },
      ],
      transformations: tableTransforms({
        'Value #A': 'somaxconn', 'Value #B': 'tcp_max_syn_backlog', 'Value #C': 'tcp_syncookies', 'Value #D': 'tcp_abort_on_overflow',
      }) },
  ],
};

const health: RowSpec = {
  title: 'Exporter health',
  panels: [
    { type: 'timeseries', title: 'Target up', w: 8, h: 7, min: 0, max: 1,
      description: 'Prometheus `up` for this exporter\'s targets: ListenqExporterDown fires after 5 minutes at 0.',
      targets: [{ expr: UP, legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Age of the served sample', w: 8, h: 7, unit: 's', min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.staleSampleSeconds, 'red']],
      description: `Seconds since the snapshot being served was taken; ListenqSamplesStale fires above ${THRESHOLDS.staleSampleSeconds} s.`,
      targets: [{ expr: `time() - ${hm('lastSampleTimestamp')}`, legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Sources up', w: 8, h: 7, min: 0, max: 1,
      description: M.sourceUp.help,
      targets: [{ expr: hm('sourceUp'), legend: '{{instance}} {{source}}' }] },
    { type: 'timeseries', title: 'Source run time', w: 8, h: 7, unit: 's', min: 0,
      description: M.sourceDuration.help,
      targets: [{ expr: hm('sourceDuration'), legend: '{{instance}} {{source}}' }] },
    { type: 'timeseries', title: 'Source errors and rejected lines /s', w: 8, h: 7, unit: PER_SECOND, min: 0,
      description: `${M.sourceErrors.help} ${M.sourceRejectedLines.help}`,
      targets: [
        { expr: hrate('sourceErrors'), legend: '{{instance}} {{source}} errors' },
        { expr: hrate('sourceRejectedLines'), legend: '{{instance}} {{source}} rejected lines' },
      ] },
    { type: 'timeseries', title: 'Samples /s', w: 8, h: 7, unit: PER_SECOND, min: 0,
      description: M.samples.help,
      targets: [{ expr: hrate('samples'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Listeners left out (--max-listeners)', w: 8, h: 7, min: 0,
      description: `${M.listenersDropped.help} Above 0, the least loaded sockets have no per-socket series; ListenqListenersDropped fires after ${THRESHOLDS.listenersDroppedFor}.`,
      targets: [{ expr: hm('listenersDropped'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Network namespaces sampled (--namespaces=all)', w: 8, h: 7, min: 0,
      description: `${M.namespaces.help} In the default mode the exporter samples its own namespace only: 1.`,
      // The gauge exists only with --namespaces=all; build_info (always 1) stands in for the
      // default mode's one namespace, so the panel is never empty.
      targets: [{ expr: `${hm('namespaces')} or ${on('job', 'instance')} max by (cluster, job, instance) (${hm('buildInfo')})`, legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Sockets without a known owner (--collector.process-names)', w: 8, h: 7, min: 0,
      description: M.listenersUnattributed.help,
      targets: [{ expr: hm('listenersUnattributed'), legend: '{{instance}}' }] },
    { type: 'table', title: 'Exporter versions', w: 24, h: 7,
      description: M.buildInfo.help,
      targets: [{ expr: hm('buildInfo'), instant: true, format: 'table' }],
      transformations: tableTransforms({}) },
  ],
};

/** Only with --web.config.file: whether an edit of it (a revoked user, a new key) took effect. */
const webConfig: RowSpec = {
  title: 'Web config (--web.config.file)',
  panels: [
    { type: 'timeseries', title: 'Last load successful', w: 12, h: 6, min: 0, max: 1,
      description: `${M.webConfigLastReloadSuccessful.help} ListenqConfigReloadFailed fires after 5 minutes at 0.`,
      targets: [{ expr: hm('webConfigLastReloadSuccessful'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Successful loads', w: 12, h: 6, min: 0,
      description: `Changes of ${M.webConfigLastReloadSuccessTimestamp.name}: ${M.webConfigLastReloadSuccessTimestamp.help}`,
      targets: [{ expr: `changes(${hm('webConfigLastReloadSuccessTimestamp')}[$__range])`, legend: '{{instance}}' }] },
  ],
};

export const ROWS: readonly RowSpec[] = [overview, acceptQueue, drops, synQueue, sysctls, health, webConfig];

export function panelSpecs(): PanelSpec[] {
  return ROWS.flatMap((r) => r.panels);
}

/** Panel ids by title, as the layout numbers them (Grafana alert rules link to them). */
export function panelIds(): Map<string, number> {
  const ids = new Map<string, number>();
  for (const p of layoutPanels(ROWS)) {
    const title = String(p['title']);
    if (p['type'] !== 'row') {
      if (ids.has(title)) throw new Error(`two dashboard panels are titled ${title}`);
      ids.set(title, Number(p['id']));
    }
  }
  return ids;
}

export function dashboard(cfg: AlertingConfig = DEFAULT_CONFIG): Record<string, unknown> {
  return {
    uid: DASHBOARD_UID,
    title: 'listenq-exporter: TCP listen queues',
    description: 'Accept-queue depth, limit and peaks per listening socket; overflows, SYN-queue drops and syncookies per network namespace; exporter health.',
    tags: ['listenq', 'tcp', 'prometheus'],
    id: null,
    version: 1,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: '',
    refresh: '30s',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [
      { type: 'link', title: 'Alerts and runbook', url: cfg.runbookBase, targetBlank: true, icon: 'doc', tags: [], asDropdown: false, includeVars: false, keepTime: false, tooltip: '' },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          options: [],
          refresh: 1,
          regex: '',
          hide: 0,
          includeAll: false,
          multi: false,
        },
        labelVariable('job', 'Job', `label_values(${M.buildInfo.name}, job)`),
        labelVariable('instance', 'Instance', `label_values(${M.buildInfo.name}{job=~"$job"}, instance)`),
        // kube-state-metrics' view of the pods: node-wide series are joined to it by pod UID.
        labelVariable('namespace', 'Namespace', 'label_values(kube_pod_info, namespace)'),
        labelVariable('pod', 'Pod', 'label_values(kube_pod_info{namespace=~"$namespace"}, pod)'),
        // Without kube-state-metrics a node-wide namespace is known by its inode only.
        labelVariable('netns', 'Network namespace', `label_values(${M.listeners.name}{${HEALTH}}, netns)`),
        labelVariable('port', 'Listener port', `label_values(${M.acceptQueueLength.name}{${TARGET}}, port)`),
      ],
    },
    panels: layoutPanels(ROWS),
  };
}

export function renderDashboard(cfg: AlertingConfig = DEFAULT_CONFIG): string {
  return `${JSON.stringify(dashboard(cfg), null, 2)}\n`;
}
