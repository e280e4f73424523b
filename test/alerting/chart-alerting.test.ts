/**
 * The chart's rules, Grafana alerts and dashboard, rendered by real helm: they carry the
 * generated files with the chart's runbook base URL, exporter selector and Grafana datasource
 * in place of the generator's defaults, and nothing else changed.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS } from '../../scripts/alerting/alerts.js';
import { DEFAULT_CONFIG } from '../../scripts/alerting/config.js';
import { DATASOURCE_PLACEHOLDER } from '../../scripts/alerting/grafana-alerts.js';
import { DASHBOARD_FILE, GRAFANA_ALERTS_FILE, RULES_FILE } from '../../scripts/alerting/outputs.js';
import { type Helm, type K8sObject, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR, CHART_GRAFANA_ALERTS_FILE } from '../../scripts/packaging/paths.js';
import { only, render, renderError, withImage } from '../packaging/chart-support.js';
import { arr, obj, readRepoFile, readYaml, str } from '../support/alerting.js';

let helm: Helm;
beforeAll(async () => {
  helm = await openHelm();
});
afterAll(async () => {
  await helm?.dispose();
});

const ALL = { prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true }, grafanaAlerts: { enabled: true } };

interface Rule {
  alert?: string;
  expr: string;
  annotations?: Record<string, string>;
}

function promRules(objects: readonly K8sObject[]): Rule[] {
  const spec = obj(only(objects, 'PrometheusRule')['spec'], 'spec');
  return arr(spec['groups'], 'groups').flatMap((g) => arr(obj(g, 'group')['rules'], 'rules') as Rule[]);
}

function configMap(objects: readonly K8sObject[], key: string): { labels: Record<string, string>; text: string } {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && key in obj(o['data'], 'data'));
  if (!cm) throw new Error(`no ConfigMap with ${key}`);
  return { labels: obj(obj(cm['metadata'], 'metadata')['labels'], 'labels') as Record<string, string>, text: str(obj(cm['data'], 'data')[key], key) };
}

function grafanaRules(text: string): Record<string, unknown>[] {
  return arr(obj(parse(text), 'alerts')['groups'], 'groups').flatMap((g) => arr(obj(g, 'group')['rules'], 'rules').map((r) => obj(r, 'rule')));
}

describe('chart alerting values', () => {
  it('ships the generated files unchanged with the defaults', async () => {
    const objects = await render(helm, withImage(ALL));
    expect(only(objects, 'PrometheusRule')['spec']).toEqual(readYaml(RULES_FILE));
    expect(JSON.parse(configMap(objects, 'listenq-exporter-dashboard.json').text)).toEqual(JSON.parse(readRepoFile(DASHBOARD_FILE)));
    const alerts = configMap(objects, 'listenq-exporter-alerts.yaml');
    expect(alerts.labels['grafana_alert']).toBe('1');
    // Only the datasource differs from the generated file: kube-prometheus-stack's UID by default.
    const want = readYaml(GRAFANA_ALERTS_FILE);
    const got: unknown = parse(alerts.text.replaceAll('datasourceUid: "prometheus"', `datasourceUid: ${DATASOURCE_PLACEHOLDER}`));
    expect(got).toEqual(want);
    const down = promRules(objects).find((r) => r.alert === 'ListenqExporterDown')!;
    expect(down.expr).toBe(`up{${DEFAULT_CONFIG.exporterSelector}} < 1`);
  });

  it('finds the exporter by the job its monitors set, also under nameOverride (no job-name regex)', async () => {
    const objects = await render(helm, withImage({ ...ALL, nameOverride: 'edge' }));
    expect(promRules(objects).find((r) => r.alert === 'ListenqExporterDown')!.expr).toBe('up{job="edge"} < 1');
    const g = grafanaRules(configMap(objects, 'listenq-exporter-alerts.yaml').text).find((r) => r['title'] === 'ListenqExporterDown')!;
    const model = obj(obj(arr(g['data'], 'data')[0], 'query')['model'], 'model');
    expect(model['expr']).toBe('up{job="edge"}');
  });

  it('puts alerting.runbookBaseUrl and alerting.exporterSelector into every rule, Grafana rule and the dashboard link', async () => {
    const base = 'https://runbooks.example.com/listenq-exporter/alerts.md';
    const sel = 'job="kube-system/listenq",cluster="eu-1"';
    const objects = await render(helm, withImage({ ...ALL, alerting: { runbookBaseUrl: base, exporterSelector: sel }, grafanaAlerts: { enabled: true, datasourceUid: 'abc123' } }));
    const rules = promRules(objects).filter((r) => r.alert !== undefined);
    expect(rules).toHaveLength(ALERTS.length);
    for (const r of rules) expect(r.annotations!['runbook_url'], r.alert).toBe(`${base}#${r.alert!.toLowerCase()}`);
    expect(rules.find((r) => r.alert === 'ListenqExporterDown')!.expr).toBe(`up{${sel}} < 1`);
    const alertsText = configMap(objects, 'listenq-exporter-alerts.yaml').text;
    const grafana = grafanaRules(alertsText);
    expect(grafana).toHaveLength(ALERTS.length);
    for (const r of grafana) {
      expect(obj(r['annotations'], 'annotations')['runbook_url']).toBe(`${base}#${String(r['title']).toLowerCase()}`);
      const q = obj(arr(r['data'], 'data')[0], 'query');
      expect(q['datasourceUid']).toBe('abc123');
    }
    expect(alertsText).not.toContain(`datasourceUid: ${DATASOURCE_PLACEHOLDER}`);
    const dash = obj(JSON.parse(configMap(objects, 'listenq-exporter-dashboard.json').text), 'dashboard');
    expect(arr(dash['links'], 'links').map((l) => obj(l, 'link')['url'])).toEqual([base]);
    for (const text of [JSON.stringify(only(objects, 'PrometheusRule')), alertsText]) expect(text).not.toContain(`${DEFAULT_CONFIG.runbookBase}#`);
  });

  it('refuses values that would break the rules, naming the value', async () => {
    expect(await renderError(helm, withImage({ ...ALL, alerting: { runbookBaseUrl: 'https://x.example/a b' } }))).toMatch(/alerting\.runbookBaseUrl/);
    expect(await renderError(helm, withImage({ ...ALL, alerting: { runbookBaseUrl: 'https://x.example/a#top' } }))).toMatch(/alerting\.runbookBaseUrl/);
    expect(await renderError(helm, withImage({ ...ALL, alerting: { exporterSelector: '{job="x"}' } }))).toMatch(/alerting\.exporterSelector/);
    expect(await renderError(helm, withImage({ grafanaAlerts: { enabled: true, datasourceUid: '' } }))).toMatch(/grafanaAlerts\.datasourceUid/);
    expect(await renderError(helm, withImage({ alerting: { runbookBase: 'x' } }))).toMatch(/runbookBase/);
  });

  it('fails with a pointer to the sync script when the Grafana alerts file is missing from the chart', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'listenq-chart-alerts-'));
    try {
      const copy = join(tmp, 'listenq-exporter');
      await cp(CHART_DIR, copy, { recursive: true });
      await rm(join(copy, CHART_GRAFANA_ALERTS_FILE), { force: true });
      expect(await renderError(helm, withImage({ grafanaAlerts: { enabled: true } }), { chartDir: copy })).toMatch(/scripts\/sync-chart\.ts/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
