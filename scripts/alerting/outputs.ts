/**
 * Every generated file and the function that renders it. The generator writes these and
 * the drift test compares them, so the list exists once.
 */
import { CHART_DEFAULTS_FILE, renderChartDefaults } from './chart-defaults.js';
import type { AlertingConfig } from './config.js';
import { renderDashboard } from './dashboard.js';
import { renderGrafanaAlerts } from './grafana-alerts.js';
import { renderPrometheusRules } from './prometheus-rules.js';

export const RULES_FILE = 'deploy/prometheus/listenq-exporter.rules.yml';
export const GRAFANA_ALERTS_FILE = 'deploy/grafana/listenq-exporter-alerts.yml';
export const DASHBOARD_FILE = 'deploy/grafana/listenq-exporter-dashboard.json';

export interface GeneratedFile {
  readonly path: string;
  /** Renders with the given configuration (the committed file: the defaults). */
  render(cfg?: AlertingConfig): string;
  /** Only the three alerting files are for users to regenerate with their own configuration. */
  readonly configurable: boolean;
}

export const GENERATED: readonly GeneratedFile[] = [
  { path: RULES_FILE, render: renderPrometheusRules, configurable: true },
  { path: GRAFANA_ALERTS_FILE, render: renderGrafanaAlerts, configurable: true },
  { path: DASHBOARD_FILE, render: renderDashboard, configurable: true },
  { path: CHART_DEFAULTS_FILE, render: renderChartDefaults, configurable: false },
];
