/** Where the packaging files live, relative to this file so scripts and tests agree. */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = fileURLToPath(new URL('../../helm/listenq-exporter/', import.meta.url));
export const DEPLOY_K8S_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
export const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
/** Sources owned by the alerting work; the chart carries copies made by sync-chart. */
export const RULES_SOURCE = fileURLToPath(new URL('../../deploy/prometheus/listenq-exporter.rules.yml', import.meta.url));
export const DASHBOARD_SOURCE = fileURLToPath(
  new URL('../../deploy/grafana/listenq-exporter-dashboard.json', import.meta.url),
);
export const GRAFANA_ALERTS_SOURCE = fileURLToPath(new URL('../../deploy/grafana/listenq-exporter-alerts.yml', import.meta.url));
export const CHART_RULES_FILE = 'files/listenq-exporter.rules.yml';
export const CHART_GRAFANA_ALERTS_FILE = 'files/listenq-exporter-alerts.yml';
export const CHART_DASHBOARD_FILE = 'files/listenq-exporter-dashboard.json';
