/**
 * The Prometheus rules file: promtool accepts it, and every rule only uses metrics and
 * labels the exporter's catalog defines, carries the annotations the runbook needs, and
 * never divides by a limit that can be 0.
 */
import { describe, expect, it } from 'vitest';
import { ALERTS, RUNBOOK_BASE } from '../../scripts/alerting/alerts.js';
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
    expect(new Set(alerts.map((r) => r.alert)).size).toBe(alerts.length);
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
      expect(r.annotations['runbook_url']).toBe(`${RUNBOOK_BASE}#${r.alert!.toLowerCase()}`);
    }
  });

  it('has separate warning and critical levels for overflows', () => {
    const sev = (n: string) => alerts.find((a) => a.alert === n)?.labels['severity'];
    expect(sev('ListenQueueOverflowing')).toBe('warning');
    expect(sev('ListenQueueOverflowingCritical')).toBe('critical');
    expect(sev('ListenQueueLimitTooSmall')).toBe('info');
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
      const text = `${r.annotations['summary']} ${r.annotations['description']}`;
      for (const l of templateLabels(text)) expect(available, `${r.alert} uses $labels.${l}`).toContain(l);
      expect(text, r.alert).toContain('$labels.instance');
      if (available.has('port')) {
        for (const l of ['address', 'port', 'slot', 'device']) expect(text, r.alert).toContain(`$labels.${l}`);
      }
    }
  });
});
