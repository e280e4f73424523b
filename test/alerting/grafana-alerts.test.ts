/**
 * The Grafana alert provisioning file: the structure Grafana's file provisioning reads,
 * the same alerts as the Prometheus rules file (names, for, severity, annotations), and
 * valid PromQL that needs no recording rules.
 */
import { describe, expect, it } from 'vitest';
import { ALERTS, alertKey, type Severity } from '../../scripts/alerting/alerts.js';
import { DASHBOARD_UID } from '../../scripts/alerting/dashboard.js';
import { CONDITION_REF, DATASOURCE_PLACEHOLDER, QUERY_REF } from '../../scripts/alerting/grafana-alerts.js';
import { DASHBOARD_FILE, GRAFANA_ALERTS_FILE, RULES_FILE } from '../../scripts/alerting/outputs.js';
import { arr, obj, readRepoFile, readYaml, str, unknownNames } from '../support/alerting.js';
import { checkExpressions } from '../support/promtool.js';

const doc = obj(readYaml(GRAFANA_ALERTS_FILE), GRAFANA_ALERTS_FILE);
const groups = arr(doc['groups'], 'groups').map((g, i) => obj(g, `group ${i}`));
const rules = groups.flatMap((g) => arr(g['rules'], `${String(g['name'])} rules`).map((r, i) => obj(r, `rule ${i}`)));

/** A rule's name and severity: the name alone is shared by a warning/critical pair. */
function keyOf(name: unknown, labels: unknown): string {
  return alertKey({ name: str(name, 'name'), severity: str(obj(labels, 'labels')['severity'], 'severity') as Severity });
}

const promAlerts = new Map(
  arr(obj(readYaml(RULES_FILE), RULES_FILE)['groups'], 'groups')
    .flatMap((g) => arr(obj(g, 'group')['rules'], 'rules'))
    .map((r) => obj(r, 'rule'))
    .filter((r) => typeof r['alert'] === 'string')
    .map((r) => [keyOf(r['alert'], r['labels']), r]),
);

const DURATION = /^(\d+[smhd])+$/;

function dataNodes(rule: Record<string, unknown>): Record<string, unknown>[] {
  return arr(rule['data'], `${String(rule['title'])} data`).map((d, i) => obj(d, `data ${i}`));
}

describe('Grafana alert provisioning file', () => {
  it('has the file-provisioning envelope', () => {
    expect(doc['apiVersion']).toBe(1);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      expect(g['orgId']).toBe(1);
      expect(str(g['name'], 'group name').trim()).not.toBe('');
      expect(str(g['folder'], 'folder').trim()).not.toBe('');
      expect(str(g['interval'], 'interval')).toMatch(DURATION);
    }
  });

  it('holds the same alerts as the Prometheus rules, with unique valid UIDs and titles', () => {
    expect(rules.map((r) => r['title'])).toEqual(ALERTS.map((a) => a.name));
    expect(rules.map((r) => keyOf(r['title'], r['labels']))).toEqual(ALERTS.map(alertKey));
    expect([...promAlerts.keys()]).toEqual(ALERTS.map(alertKey));
    const uids = rules.map((r) => str(r['uid'], 'uid'));
    for (const u of uids) expect(u).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('derives each UID from the whole name and severity, never cut to 40 characters', () => {
    for (const r of rules) {
      const kebab = str(r['title'], 'title').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
      const severity = str(obj(r['labels'], 'labels')['severity'], 'severity');
      // The old scheme sliced `listenq-listen-queue-overflowing-critical` (41) to 40 characters.
      expect(r['uid']).toBe(`lq-${kebab}-${severity}`);
    }
  });

  it('links every rule to the dashboard panel that shows what it judges', () => {
    const dash = obj(JSON.parse(readRepoFile(DASHBOARD_FILE)), DASHBOARD_FILE);
    const panels = new Map(
      arr(dash['panels'], 'panels')
        .map((p) => obj(p, 'panel'))
        .map((p) => [p['id'], p]),
    );
    expect(dash['uid']).toBe(DASHBOARD_UID);
    for (const r of rules) {
      const title = String(r['title']);
      expect(r['dashboardUid'], title).toBe(DASHBOARD_UID);
      const panel = panels.get(r['panelId']);
      expect(panel, `${title} panelId ${String(r['panelId'])}`).toBeDefined();
      expect(panel!['type'], title).not.toBe('row');
      expect(String(panel!['title']), title).toBe(ALERTS.find((a) => a.name === title)!.panel);
    }
  });

  it('keeps for, severity and runbook in step with the Prometheus rules', () => {
    for (const r of rules) {
      const p = promAlerts.get(keyOf(r['title'], r['labels']))!;
      expect(r['for'], String(r['title'])).toBe(p['for']);
      expect(r['labels']).toEqual(p['labels']);
      const ga = obj(r['annotations'], 'annotations');
      const pa = obj(p['annotations'], 'annotations');
      expect(ga['runbook_url']).toBe(pa['runbook_url']);
      const toGrafana = (t: unknown) => str(t, 'annotation').replaceAll('$value', `$values.${QUERY_REF}.Value`);
      expect(ga['summary']).toBe(toGrafana(pa['summary']));
      // Prometheus may append a query-driven hint; the shared text must match exactly.
      expect(toGrafana(pa['description']).startsWith(str(ga['description'], 'description'))).toBe(true);
    }
  });

  it('judges drops per socket and keeps the namespace-wide rule to namespaces without per-socket counters, like Prometheus', () => {
    const exprOf = (title: string) =>
      rules.filter((r) => r['title'] === title).map((r) => str(obj(dataNodes(r)[0]!['model'], 'model')['expr'], 'expr'));
    const perSocket = exprOf('ListenQueueOverflowing');
    const fallback = exprOf('ListenNamespaceOverflowing');
    expect(perSocket).toHaveLength(2);
    expect(fallback).toHaveLength(2);
    for (const e of perSocket) expect(e).toContain('(rate(listenq_listener_drops_total[5m]))');
    for (const e of fallback) expect(e).toContain('(rate(listenq_listen_overflows_total[5m])) unless on(cluster, instance, job, netns) listenq_listener_drops_total');
    // Both levels under one title, told apart by severity; the same firing cases are run
    // against these inlined expressions in promtool-unit.test.ts.
    const levels = (title: string) => rules.filter((r) => r['title'] === title).map((r) => obj(r['labels'], 'labels')['severity']);
    expect(levels('ListenQueueOverflowing')).toEqual(['warning', 'critical']);
    expect(levels('ListenNamespaceOverflowing')).toEqual(['warning', 'critical']);
  });

  it('uses only template features Grafana has and nothing its env expansion would eat', () => {
    for (const r of rules) {
      for (const [k, v] of Object.entries(obj(r['annotations'], 'annotations'))) {
        const text = str(v, k);
        expect(text, `${String(r['title'])} ${k}`).not.toMatch(/\$value\b/);
        expect(text).not.toMatch(/\bquery\b\s*\(/);
        // Newer Grafana expands ${VAR} in annotations; labels expand every $.
        expect(text).not.toContain('${');
      }
      for (const v of Object.values(obj(r['labels'], 'labels'))) expect(String(v)).not.toContain('$');
    }
  });

  it('queries the datasource placeholder and evaluates a math condition on that query', () => {
    for (const r of rules) {
      const title = String(r['title']);
      const nodes = dataNodes(r);
      const refs = nodes.map((n) => n['refId']);
      expect(refs).toEqual([QUERY_REF, CONDITION_REF]);
      expect(r['condition']).toBe(CONDITION_REF);
      for (const n of nodes) expect(obj(n['model'], 'model')['refId']).toBe(n['refId']);
      const [q, c] = nodes as [Record<string, unknown>, Record<string, unknown>];
      expect(q['datasourceUid']).toBe(DATASOURCE_PLACEHOLDER);
      const rel = obj(q['relativeTimeRange'], 'relativeTimeRange');
      expect(Number(rel['from'])).toBeGreaterThanOrEqual(300);
      const qm = obj(q['model'], 'query model');
      expect(qm['instant']).toBe(true);
      expect(c['datasourceUid']).toBe('__expr__');
      const cm = obj(c['model'], 'condition model');
      expect(cm['type']).toBe('math');
      expect(str(cm['expression'], 'expression')).toMatch(new RegExp(`^\\$${QUERY_REF} (>|>=|<) -?\\d+(\\.\\d+)?$`));
      expect(['OK', 'NoData', 'Alerting', 'KeepLast'], title).toContain(r['noDataState']);
      expect(['OK', 'Error', 'Alerting', 'KeepLast'], title).toContain(r['execErrState']);
      expect(str(r['for'], 'for')).toMatch(DURATION);
    }
  });

  it('sends valid PromQL that uses catalog metrics only (Grafana users may lack our recording rules)', async () => {
    const exprs = rules.map((r) => ({
      where: String(r['title']),
      expr: str(obj(dataNodes(r)[0]!['model'], 'model')['expr'], 'expr'),
    }));
    for (const e of exprs) expect(unknownNames(e.expr, false), e.where).toEqual([]);
    const res = await checkExpressions(exprs);
    expect(res.code, `${res.output}\n${exprs.map((e, i) => `${i}: ${e.where}`).join('\n')}`).toBe(0);
  });
});
