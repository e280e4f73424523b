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
import { ALERTS, type AlertSpec, runbookUrl } from './alerts.js';
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

/** Grafana rule UIDs: at most 40 characters of [A-Za-z0-9_-]. */
export function grafanaUid(alertName: string): string {
  const kebab = alertName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return `listenq-${kebab}`.slice(0, 40);
}

/** Prometheus' `$value` becomes Grafana's value of the query node. */
export function toGrafanaTemplate(text: string): string {
  return text.replace(/\$value\b/g, `$values.${QUERY_REF}.Value`);
}

export function grafanaRule(a: AlertSpec): Record<string, unknown> {
  return {
    uid: grafanaUid(a.name),
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
          expr: a.value(useInlined(NO_SCOPE)),
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
    annotations: {
      summary: toGrafanaTemplate(a.summary),
      description: toGrafanaTemplate(a.description),
      runbook_url: runbookUrl(a),
    },
    labels: { severity: a.severity },
    isPaused: false,
  };
}

export function grafanaAlertProvisioning(): Record<string, unknown> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const a of ALERTS) {
    const rules = groups.get(a.group) ?? [];
    rules.push(grafanaRule(a));
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

export function renderGrafanaAlerts(): string {
  return (
    GENERATED_HEADER +
    '# Grafana-managed alert rules (file provisioning): copy into provisioning/alerting/.\n' +
    `# ${DATASOURCE_PLACEHOLDER} is expanded by Grafana from its environment: set\n` +
    '# LISTENQ_PROMETHEUS_UID to the UID of your Prometheus datasource (or replace the text).\n' +
    stringify(grafanaAlertProvisioning(), { lineWidth: 0 })
  );
}
