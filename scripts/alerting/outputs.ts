/**
 * Every generated file and the function that renders it. The generator writes these and
 * the drift test compares them, so the list exists once.
 */
import { renderDashboard } from './dashboard.js';
import { renderGrafanaAlerts } from './grafana-alerts.js';
import { renderPrometheusRules } from './prometheus-rules.js';

export const RULES_FILE = 'deploy/prometheus/listenq-exporter.rules.yml';
export const GRAFANA_ALERTS_FILE = 'deploy/grafana/listenq-exporter-alerts.yml';
export const DASHBOARD_FILE = 'deploy/grafana/listenq-exporter-dashboard.json';

export const GENERATED: ReadonlyArray<{ readonly path: string; render(): string }> = [
  { path: RULES_FILE, render: renderPrometheusRules },
  { path: GRAFANA_ALERTS_FILE, render: renderGrafanaAlerts },
  { path: DASHBOARD_FILE, render: renderDashboard },
];
