/**
 * Renders the same alerts as Grafana-managed alert rules in Grafana's file-provisioning
 * format (drop the file into provisioning/alerting/).
 *
 * Each rule is two nodes: A, an instant PromQL query of the alert's value (the shared
 * definitions inlined, since a Grafana user may not load our recording rules), and B, a
 * math expression `$A <op> <threshold>` that is the condition. Splitting it this way keeps
 * a value of 0 (e.g. `up`) comparable; a PromQL-side filter would hand Grafana a 0 and
 * Grafana treats 0 as "not firing".
 */
import { stringify } from 'yaml';
import { ALERTS, type AlertSpec, alertValue } from './alerts.js';
import { type AlertingConfig, DEFAULT_CONFIG, runbookUrl } from './config.js';
import { DASHBOARD_UID, panelIds } from './dashboard.js';
import { useInlined } from './definitions.js';
import { GENERATED_HEADER } from './prometheus-rules.js';
import { NO_SCOPE } from './promql.js';

/**
 * Grafana expands environment variables in provisioning files (datasourceUid is expanded,
 * query models and annotations are not), so this placeholder becomes the UID of the
 * user's Prometheus datasource: set LISTENQ_PROMETHEUS_UID in Grafana's environment,
 * or replace the text before dropping the file in.
 */
export const DATASOURCE_PLACEHOLDER = '${LISTENQ_PROMETHEUS_UID}';
export const GRAFANA_FOLDER = 'listenq-exporter';
export const GRAFANA_INTERVAL = '1m';
export const QUERY_REF = 'A';
export const CONDITION_REF = 'B';

/** Grafana's limit for a rule UID: at most 40 characters of [A-Za-z0-9_-]. */
const GRAFANA_UID_MAX = 40;

/**
 * `lq-<alert name in kebab case>-<severity>`: unique per rule (a warning/critical pair shares
 * the name) and readable. Never cut to fit: two cut UIDs could collide, so a name too long
 * for the limit is an error here.
 */
export function grafanaUid(a: Pick<AlertSpec, 'name' | 'severity'>): string {
  const kebab = a.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const uid = `lq-${kebab}-${a.severity}`;
  if (uid.length > GRAFANA_UID_MAX || !/^[A-Za-z0-9_-]+$/.test(uid)) {
    throw new Error(`Grafana rule UID ${uid} is not ${GRAFANA_UID_MAX} characters of [A-Za-z0-9_-]: shorten the alert name ${a.name}`);
  }
  return uid;
}

/** Prometheus' `$value` becomes Grafana's value of the query node. */
export function toGrafanaTemplate(text: string): string {
  return text.replace(/\$value\b/g, `$values.${QUERY_REF}.Value`);
}

export function grafanaRule(a: AlertSpec, cfg: AlertingConfig = DEFAULT_CONFIG): Record<string, unknown> {
  const panelId = panelIds().get(a.panel);
  if (panelId === undefined) throw new Error(`${a.name}: no dashboard panel titled ${a.panel}`);
  return {
    uid: grafanaUid(a),
    // The title is Grafana's alertname: the same for both severities, as in Prometheus
    // (Grafana allows equal titles in one folder since 12.0).
    title: a.name,
    condition: CONDITION_REF,
    data: [
      {
        refId: QUERY_REF,
        // Range vectors inside the query need no more than this; rates use 5m windows.
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: DATASOURCE_PLACEHOLDER,
        model: {
          refId: QUERY_REF,
          expr: alertValue(a, useInlined(NO_SCOPE), cfg),
          instant: true,
          range: false,
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      {
        refId: CONDITION_REF,
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: {
          refId: CONDITION_REF,
          type: 'math',
          expression: `$${QUERY_REF} ${a.op} ${a.threshold}`,
          datasource: { type: '__expr__', uid: '__expr__' },
        },
      },
    ],
    // No series means nothing to judge (e.g. no listener has a known limit): not an alert.
    // Exporter health has its own rules, so missing data must not page twice.
    noDataState: 'OK',
    execErrState: 'Error',
    for: a.for,
    // Grafana shows the rule on this panel and links the alert to it.
    dashboardUid: DASHBOARD_UID,
    panelId,
    annotations: {
      summary: toGrafanaTemplate(a.summary),
      description: toGrafanaTemplate(a.description),
      runbook_url: runbookUrl(cfg, a.name),
    },
    labels: { severity: a.severity },
    isPaused: false,
  };
}

export function grafanaAlertProvisioning(cfg: AlertingConfig = DEFAULT_CONFIG): Record<string, unknown> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const a of ALERTS) {
    const rules = groups.get(a.group) ?? [];
    rules.push(grafanaRule(a, cfg));
    groups.set(a.group, rules);
  }
  return {
    apiVersion: 1,
    groups: [...groups].map(([name, rules]) => ({
      orgId: 1,
      name,
      folder: GRAFANA_FOLDER,
      interval: GRAFANA_INTERVAL,
      rules,
    })),
  };
}

export function renderGrafanaAlerts(cfg: AlertingConfig = DEFAULT_CONFIG): string {
  return (
    GENERATED_HEADER +
    '# Grafana-managed alert rules (file provisioning): copy into provisioning/alerting/.\n' +
    `# ${DATASOURCE_PLACEHOLDER} is expanded by Grafana from its environment: set\n` +
    '# LISTENQ_PROMETHEUS_UID to the UID of your Prometheus datasource (or replace the text).\n' +
    stringify(grafanaAlertProvisioning(cfg), { lineWidth: 0 })
  );
}
