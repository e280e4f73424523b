/**
 * The Prometheus rules file: promtool accepts it, and every rule only uses metrics and
 * labels the exporter's catalog defines, carries the annotations the runbook needs, and
 * never divides by a limit that can be 0.
 */
import { describe, expect, it } from 'vitest';
import { ALERTS, alertKey } from '../../scripts/alerting/alerts.js';
import { DEFAULT_CONFIG } from '../../scripts/alerting/config.js';
import { DEFINITIONS } from '../../scripts/alerting/definitions.js';
import { RULES_FILE } from '../../scripts/alerting/outputs.js';
import { referencedNames } from '../../scripts/alerting/promql.js';
import { arr, labelsOf, obj, readYaml, repoPath, str, templateLabels, unknownNames } from '../support/alerting.js';
import { promtool } from '../support/promtool.js';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

function loadRules(): Rule[] {
  const groups = arr(obj(readYaml(RULES_FILE), RULES_FILE)['groups'], 'groups');
  return groups.flatMap((g, gi) =>
    arr(obj(g, `group ${gi}`)['rules'], `group ${gi} rules`).map((r, ri) => {
      const o = obj(r, `rule ${gi}.${ri}`);
      return {
        ...(typeof o['alert'] === 'string' ? { alert: o['alert'] } : {}),
        ...(typeof o['record'] === 'string' ? { record: o['record'] } : {}),
        ...(typeof o['for'] === 'string' ? { for: o['for'] } : {}),
        expr: str(o['expr'], `rule ${gi}.${ri} expr`),
        labels: (o['labels'] ?? {}) as Record<string, string>,
        annotations: (o['annotations'] ?? {}) as Record<string, string>,
      };
    }),
  );
}

const rules = loadRules();
const alerts = rules.filter((r) => r.alert !== undefined);

describe('Prometheus rules file', () => {
  it('passes promtool check rules', async () => {
    const r = await promtool(['check', 'rules', repoPath(RULES_FILE)]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.code, r.output).toBe(0);
  });

  it('holds every recording rule and alert of the source, once', () => {
    expect(rules.filter((r) => r.record).map((r) => r.record)).toEqual(DEFINITIONS.map((d) => d.record));
    expect(alerts.map((r) => r.alert)).toEqual(ALERTS.map((a) => a.name));
    // A name is shared by a warning/critical pair only: name and severity are unique.
    const keys = alerts.map((r) => alertKey({ name: r.alert!, severity: r.labels['severity'] as 'warning' }));
    expect(new Set(keys).size).toBe(alerts.length);
  });

  it('references only catalog metrics and its own recording rules', () => {
    for (const r of rules) {
      expect(unknownNames(r.expr, true), `${r.alert ?? r.record}: ${r.expr}`).toEqual([]);
      // Queries inside annotation templates are PromQL too.
      for (const text of Object.values(r.annotations)) {
        for (const m of text.matchAll(/query \(printf "((?:[^"\\]|\\.)*)"/g)) {
          expect(unknownNames(m[1]!, true), `${r.alert} annotation query`).toEqual([]);
        }
      }
    }
  });

  it('names recording rules level:metric:operations after metrics that exist', () => {
    for (const r of rules.filter((x) => x.record)) {
      expect(r.record).toMatch(/^(listener|instance|pod):listenq_[a-z0-9_]+:[a-z0-9_]+$/);
    }
  });

  it('never divides by a limit without dropping limit 0 first', () => {
    for (const r of rules) {
      for (const m of r.expr.matchAll(/\/\s*(\S[^\n]*)/g)) {
        // The denominator must be a `(... > 0)` filter: no division by zero, no +Inf ratios.
        expect(m[1], `${r.alert ?? r.record}: ${r.expr}`).toMatch(/^\([a-z_:]+(\{[^}]*\})? > 0\)/);
      }
    }
  });

  it('gives every alert a severity, a for clause, a summary, a description and a runbook link', () => {
    for (const r of alerts) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels['severity']);
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(r.annotations['summary'], r.alert).toBeTruthy();
      expect(r.annotations['description'], r.alert).toBeTruthy();
      expect(r.annotations['runbook_url']).toBe(`${DEFAULT_CONFIG.runbookBase}#${r.alert!.toLowerCase()}`);
    }
  });

  it('gives a warning/critical pair one name that differs only by severity, as the mixins do', () => {
    const sev = (n: string) => alerts.filter((a) => a.alert === n).map((a) => a.labels['severity']);
    expect(sev('ListenQueueOverflowing')).toEqual(['warning', 'critical']);
    expect(sev('ListenNamespaceOverflowing')).toEqual(['warning', 'critical']);
    expect(sev('ListenQueueLimitTooSmall')).toEqual(['info']);
    // No name carries its level: the old ListenQueueOverflowingCritical could not be inhibited by name.
    for (const r of alerts) expect(r.alert, r.alert).not.toMatch(/Critical|Warning/);
    for (const name of new Set(alerts.map((a) => a.alert))) {
      const pair = alerts.filter((a) => a.alert === name);
      if (pair.length < 2) continue;
      // Same annotations' structure and labels but for severity: the threshold and for differ.
      for (const a of pair) expect(Object.keys(a.labels)).toEqual(['severity']);
    }
  });

  it('finds the exporter targets by an exact selector, never a job-name regex', () => {
    const down = alerts.find((a) => a.alert === 'ListenqExporterDown')!;
    expect(down.expr).toBe(`up{${DEFAULT_CONFIG.exporterSelector}} < 1`);
    expect(down.expr).not.toContain('=~');
  });

  it('names the cluster label in every on(...) join, so a global ruler keeps clusters apart', () => {
    const texts = rules.flatMap((r) => [r.expr, ...Object.values(r.annotations)]);
    let joins = 0;
    for (const t of texts) {
      for (const m of t.matchAll(/\bon\(([^)]*)\)/g)) {
        joins++;
        expect(m[1]!.split(/,\s*/), t).toContain('cluster');
      }
    }
    expect(joins).toBeGreaterThan(5);
  });

  it('gives every listener and namespace alert the sampled pod\'s namespace and pod through kube_pod_info', () => {
    for (const r of alerts.filter((a) => !['ListenqSourceDown', 'ListenqSamplesStale', 'ListenqExporterDown', 'ListenqListenersDropped', 'ListenqConfigReloadFailed'].includes(a.alert!))) {
      expect(r.expr, r.alert).toContain('* on(cluster, pod_uid) group_left(namespace, pod) label_replace(max by (cluster, uid, namespace, pod) (kube_pod_info)');
      expect(r.expr, r.alert).toContain('unless on(cluster, pod_uid)');
    }
  });

  it('templates only labels the alert series carries, and per-listener alerts name the listener', () => {
    for (const r of alerts) {
      const names = referencedNames(r.expr);
      // `up` comes from Prometheus itself and carries job and instance only.
      const available = new Set(['instance', 'job']);
      if (!r.expr.startsWith('up{')) {
        // Set operators (and/unless) keep the left-hand side's labels: the first name.
        for (const l of labelsOf(names[0]!)) available.add(l);
      }
      // Aggregated over SO_REUSEPORT slots: one alert per listener, without a slot label.
      const perListener = r.expr.includes('without (slot)');
      if (perListener) available.delete('slot');
      // The optional cluster label of a global ruler, matched in annotation queries.
      available.add('cluster');
      const text = `${r.annotations['summary']} ${r.annotations['description']}`;
      for (const l of templateLabels(text)) expect(available, `${r.alert} uses $labels.${l}`).toContain(l);
      expect(text, r.alert).toContain('$labels.instance');
      if (available.has('port')) {
        for (const l of ['address', 'port', 'device']) expect(text, r.alert).toContain(`$labels.${l}`);
        if (!perListener) expect(text, r.alert).toContain('$labels.slot');
      }
    }
  });
});
