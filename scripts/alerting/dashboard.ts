/**
 * The Grafana dashboard (deploy/grafana/listenq-exporter-dashboard.json). Ratios and rates
 * inline the shared definitions so the panels show exactly what the alerts judge, even
 * where the recording rules are not loaded.
 */
import { METRICS as M, type MetricKey } from '../../src/metrics/catalog.js';
import { RUNBOOK_BASE, THRESHOLDS } from './alerts.js';
import { DEF, type Definition, RATE_WINDOW } from './definitions.js';
import { labelVariable, layoutPanels, type PanelSpec, type RowSpec } from './grafana-model.js';
import { listenerMetric, type Scope, series, targetMetric } from './promql.js';

export const DASHBOARD_UID = 'listenq-exporter';

const TARGET = 'job=~"$job",instance=~"$instance"';
const SCOPE: Scope = { target: TARGET, listener: `${TARGET},port=~"$port"` };

const def = (d: Definition): string => d.expr(SCOPE);
const lm = (k: MetricKey): string => listenerMetric(k, SCOPE);
const tm = (k: MetricKey): string => targetMetric(k, SCOPE);
const rate = (k: MetricKey): string => `rate(${tm(k)}[${RATE_WINDOW}])`;
const UP = series('up', TARGET);

const LISTENER = '{{instance}} {{address}}:{{port}} slot {{slot}}';
const byInstance = (what: string): string => `{{instance}} ${what}`;

/**
 * Merges instant table queries into one row per series. Each query's frame carries its own
 * `__name__` value, which would keep rows from merging, so it is dropped first.
 */
function tableTransforms(rename: Record<string, string>): Record<string, unknown>[] {
  return [
    { id: 'organize', options: { excludeByName: { Time: true, __name__: true } } },
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName: { job: true }, renameByName: rename } },
  ];
}

const overview: RowSpec = {
  title: 'Overview',
  panels: [
    { type: 'stat', title: 'Listening sockets', w: 4, h: 4, description: 'Listening TCP sockets in the selected network namespaces.',
      targets: [{ expr: `sum(${tm('listeners')})`, legend: 'listeners' }] },
    { type: 'stat', title: 'Worst peak fill', w: 4, h: 4, unit: 'percentunit', steps: [[0.7, 'orange'], [THRESHOLDS.saturatedFill, 'red']],
      description: `Largest ${DEF.peakFill.meaning}, over all selected listeners. ListenQueueSaturated fires at ${THRESHOLDS.saturatedFill * 100}% sustained.`,
      targets: [{ expr: `max(${def(DEF.peakFill)})`, legend: 'peak fill' }] },
    { type: 'stat', title: 'Overflows /s', w: 4, h: 4, steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `Sum of ${DEF.overflows.meaning}.`,
      targets: [{ expr: `sum(${def(DEF.overflows)})`, legend: 'overflows/s' }] },
    { type: 'stat', title: 'SYN-queue drops /s', w: 4, h: 4, steps: [[THRESHOLDS.synDropsPerSecond, 'red']],
      description: `Sum of ${DEF.synDrops.meaning}.`,
      targets: [{ expr: `sum(${def(DEF.synDrops)})`, legend: 'SYN drops/s' }] },
    { type: 'stat', title: 'Worst time full', w: 4, h: 4, unit: 'percentunit', steps: [[0.001, 'orange'], [0.01, 'red']],
      description: `Largest ${DEF.fullRatio.meaning}, over all selected listeners (5m).`,
      targets: [{ expr: `max(${def(DEF.fullRatio)})`, legend: 'time full' }] },
    { type: 'stat', title: 'Exporter targets', w: 4, h: 4,
      description: 'Scrape targets of the selected jobs that are up, and down (Prometheus `up`).',
      options: { colorMode: 'none', graphMode: 'none' },
      targets: [
        { expr: `sum(${UP})`, legend: 'up' },
        { expr: `count(${UP}) - sum(${UP})`, legend: 'down' },
      ] },
    { type: 'bargauge', title: 'Top 10 listeners by peak fill', w: 12, h: 9, unit: 'percentunit', min: 0, max: 1,
      steps: [[0.7, 'orange'], [THRESHOLDS.saturatedFill, 'red']],
      description: `The 10 listeners with the largest ${DEF.peakFill.meaning}. Listeners with limit 0 or an unknown limit have no ratio; see the table.`,
      targets: [{ expr: `topk(10, ${def(DEF.peakFill)})`, legend: LISTENER, instant: true }] },
    { type: 'table', title: 'Listeners, fullest first', w: 12, h: 9,
      description: 'One row per listening socket at the last sample: peak fill ratio, depth, peak, limit and half-open connections.',
      options: { sortBy: [{ displayName: 'peak fill', desc: true }] },
      targets: [
        { expr: def(DEF.peakFill), instant: true, format: 'table' },
        { expr: lm('acceptQueueLength'), instant: true, format: 'table' },
        { expr: lm('acceptQueuePeakLength'), instant: true, format: 'table' },
        { expr: lm('acceptQueueLimit'), instant: true, format: 'table' },
        { expr: lm('synQueueLength'), instant: true, format: 'table' },
      ],
      transformations: tableTransforms({
        'Value #A': 'peak fill', 'Value #B': 'depth', 'Value #C': 'peak', 'Value #D': 'limit', 'Value #E': 'SYN_RECV',
      }) },
  ],
};

const acceptQueue: RowSpec = {
  title: 'Accept queue per listener',
  panels: [
    { type: 'timeseries', title: 'Depth, peak and limit', w: 24, h: 9,
      description: 'Accept-queue depth at each sample, the largest depth in the peak window, and the limit. The kernel lets depth reach limit+1; beyond that it drops.',
      targets: [
        { expr: lm('acceptQueueLength'), legend: `${LISTENER} depth` },
        { expr: lm('acceptQueuePeakLength'), legend: `${LISTENER} peak` },
        { expr: lm('acceptQueueLimit'), legend: `${LISTENER} limit` },
      ] },
    { type: 'timeseries', title: 'Peak fill ratio', w: 12, h: 8, unit: 'percentunit', min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.saturatedFill, 'red']],
      description: `${DEF.peakFill.meaning} (recorded as ${DEF.peakFill.record}). The red line is the ListenQueueSaturated threshold.`,
      targets: [{ expr: def(DEF.peakFill), legend: LISTENER }] },
    { type: 'timeseries', title: 'Time observed full', w: 12, h: 8, unit: 'percentunit', min: 0,
      description: `${DEF.fullRatio.meaning}, from ${M.acceptQueueFullSeconds.name} (recorded as ${DEF.fullRatio.record}).`,
      targets: [{ expr: def(DEF.fullRatio), legend: LISTENER }] },
  ],
};

const drops: RowSpec = {
  title: 'Overflows and drops (per network namespace)',
  panels: [
    { type: 'timeseries', title: 'Listen overflows and drops /s', w: 12, h: 8, min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.overflowWarningPerSecond, 'orange'], [THRESHOLDS.overflowCriticalPerSecond, 'red']],
      description: `${DEF.overflows.meaning}; ${DEF.drops.meaning}. Lines: ListenQueueOverflowing (warning) and ListenQueueOverflowingCritical thresholds.`,
      targets: [
        { expr: def(DEF.overflows), legend: byInstance('overflows') },
        { expr: def(DEF.drops), legend: byInstance('drops') },
      ] },
    { type: 'timeseries', title: 'Resets of half-open connections /s', w: 12, h: 8, min: 0,
      description: `${M.embryonicResets.help} With tcp_abort_on_overflow=1 a full accept queue answers with these resets instead of dropping.`,
      targets: [{ expr: rate('embryonicResets'), legend: byInstance('embryonic resets') }] },
  ],
};

const synQueue: RowSpec = {
  title: 'SYN queue and syncookies',
  panels: [
    { type: 'timeseries', title: 'Half-open connections (SYN_RECV) per listener', w: 12, h: 8, min: 0,
      description: M.synQueueLength.help,
      targets: [{ expr: lm('synQueueLength'), legend: LISTENER }] },
    { type: 'timeseries', title: 'SYN-queue drops and syncookies /s', w: 12, h: 8, min: 0,
      description: `${DEF.synDrops.meaning}; ${DEF.synCookies.meaning}; and all syncookies sent, received back valid, and failed.`,
      targets: [
        { expr: def(DEF.synDrops), legend: byInstance('SYN-queue drops') },
        { expr: def(DEF.synCookies), legend: byInstance('SYN-queue full, cookie sent') },
        { expr: rate('syncookiesSent'), legend: byInstance('cookies sent') },
        { expr: rate('syncookiesReceived'), legend: byInstance('cookies received') },
        { expr: rate('syncookiesFailed'), legend: byInstance('cookies failed') },
      ] },
  ],
};

const sysctls: RowSpec = {
  title: 'Kernel settings (per network namespace)',
  panels: [
    { type: 'table', title: 'Sysctls', w: 24, h: 6,
      description: 'net.core.somaxconn caps every listen() backlog when listen() is called; tcp_max_syn_backlog bounds half-open connections; tcp_syncookies 0 off, 1 on overflow, 2 always; tcp_abort_on_overflow 1 sends RST instead of dropping.',
      targets: [
        { expr: tm('somaxconn'), instant: true, format: 'table' },
        { expr: tm('maxSynBacklog'), instant: true, format: 'table' },
        { expr: tm('syncookiesMode'), instant: true, format: 'table' },
        { expr: tm('abortOnOverflow'), instant: true, format: 'table' },
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
      description: 'Prometheus `up` for the selected targets: ListenqExporterDown fires after 5 minutes at 0.',
      targets: [{ expr: UP, legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Age of the served sample', w: 8, h: 7, unit: 's', min: 0, thresholdLines: true,
      steps: [[THRESHOLDS.staleSampleSeconds, 'red']],
      description: `Seconds since the snapshot being served was taken; ListenqSamplesStale fires above ${THRESHOLDS.staleSampleSeconds} s.`,
      targets: [{ expr: `time() - ${tm('lastSampleTimestamp')}`, legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Sources up', w: 8, h: 7, min: 0, max: 1,
      description: M.sourceUp.help,
      targets: [{ expr: tm('sourceUp'), legend: '{{instance}} {{source}}' }] },
    { type: 'timeseries', title: 'Source run time', w: 8, h: 7, unit: 's', min: 0,
      description: M.sourceDuration.help,
      targets: [{ expr: tm('sourceDuration'), legend: '{{instance}} {{source}}' }] },
    { type: 'timeseries', title: 'Source errors and rejected lines /s', w: 8, h: 7, min: 0,
      description: `${M.sourceErrors.help} ${M.sourceRejectedLines.help}`,
      targets: [
        { expr: rate('sourceErrors'), legend: '{{instance}} {{source}} errors' },
        { expr: rate('sourceRejectedLines'), legend: '{{instance}} {{source}} rejected lines' },
      ] },
    { type: 'timeseries', title: 'Samples /s', w: 8, h: 7, min: 0,
      description: M.samples.help,
      targets: [{ expr: rate('samples'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Listeners left out (--max-listeners)', w: 8, h: 7, min: 0,
      description: `${M.listenersDropped.help} Above 0, the least loaded sockets have no per-socket series.`,
      targets: [{ expr: tm('listenersDropped'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Network namespaces sampled (--namespaces=all)', w: 8, h: 7, min: 0,
      description: M.namespaces.help,
      targets: [{ expr: tm('namespaces'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Sockets without a known owner (--collector.process-names)', w: 8, h: 7, min: 0,
      description: M.listenersUnattributed.help,
      targets: [{ expr: tm('listenersUnattributed'), legend: '{{instance}}' }] },
    { type: 'table', title: 'Exporter versions', w: 24, h: 7,
      description: M.buildInfo.help,
      targets: [{ expr: tm('buildInfo'), instant: true, format: 'table' }],
      transformations: tableTransforms({}) },
  ],
};

/** Only with --web.config.file: whether an edit of it (a revoked user, a new key) took effect. */
const webConfig: RowSpec = {
  title: 'Web config (--web.config.file)',
  panels: [
    { type: 'timeseries', title: 'Last load successful', w: 12, h: 6, min: 0, max: 1,
      description: `${M.webConfigLastReloadSuccessful.help} ListenqWebConfigReloadFailed fires after 5 minutes at 0.`,
      targets: [{ expr: tm('webConfigLastReloadSuccessful'), legend: '{{instance}}' }] },
    { type: 'timeseries', title: 'Successful loads', w: 12, h: 6, min: 0,
      description: `Changes of ${M.webConfigLastReloadSuccessTimestamp.name}: ${M.webConfigLastReloadSuccessTimestamp.help}`,
      targets: [{ expr: `changes(${tm('webConfigLastReloadSuccessTimestamp')}[$__range])`, legend: '{{instance}}' }] },
  ],
};

export const ROWS: readonly RowSpec[] = [overview, acceptQueue, drops, synQueue, sysctls, health, webConfig];

export function panelSpecs(): PanelSpec[] {
  return ROWS.flatMap((r) => r.panels);
}

export function dashboard(): Record<string, unknown> {
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
      { type: 'link', title: 'Alerts and runbook', url: `${RUNBOOK_BASE}#alerts-and-runbook`, targetBlank: true, icon: 'doc', tags: [], asDropdown: false, includeVars: false, keepTime: false, tooltip: '' },
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
        labelVariable('port', 'Port', `label_values(${M.acceptQueueLength.name}{${TARGET}}, port)`),
      ],
    },
    panels: layoutPanels(ROWS),
  };
}

export function renderDashboard(): string {
  return `${JSON.stringify(dashboard(), null, 2)}\n`;
}
