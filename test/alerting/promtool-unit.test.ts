/**
 * Runs the promtool unit tests in deploy/prometheus/tests/ and checks they cover every
 * alert both firing and not firing. Also runs the same tests against the Grafana variant
 * of every alert expression (definitions inlined instead of recorded), which proves the
 * Grafana-managed rules judge exactly like the Prometheus ones.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALERTS, alertValue } from '../../scripts/alerting/alerts.js';
import { DEFAULT_CONFIG } from '../../scripts/alerting/config.js';
import { useInlined } from '../../scripts/alerting/definitions.js';
import { RULES_FILE } from '../../scripts/alerting/outputs.js';
import { alertExpr, alertingRule, prometheusRuleGroups } from '../../scripts/alerting/prometheus-rules.js';
import { NO_SCOPE } from '../../scripts/alerting/promql.js';
import { arr, obj, readYaml, repoPath } from '../support/alerting.js';
import { promtool } from '../support/promtool.js';

const TEST_DIR = 'deploy/prometheus/tests';
const testFiles = readdirSync(repoPath(TEST_DIR))
  .filter((f) => f.endsWith('.test.yml'))
  .sort();

interface AlertCase {
  readonly alertname: string;
  readonly fires: boolean;
  /** Severities of the alerts the case expects to fire. */
  readonly severities: readonly string[];
}

function alertCases(file: string): AlertCase[] {
  const doc = obj(readYaml(`${TEST_DIR}/${file}`), file);
  return arr(doc['tests'], `${file} tests`).flatMap((t, i) =>
    arr(obj(t, `${file} test ${i}`)['alert_rule_test'] ?? [], `${file} test ${i} alert_rule_test`).map((c) => {
      const o = obj(c, `${file} case`);
      const exp = arr(o['exp_alerts'] ?? [], 'exp_alerts').map((e) => obj(obj(e, 'exp_alert')['exp_labels'], 'exp_labels'));
      return { alertname: String(o['alertname']), fires: exp.length > 0, severities: exp.map((l) => String(l['severity'])) };
    }),
  );
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('promtool test rules', () => {
  it('finds the unit-test files, each loading the shipped rules file', () => {
    expect(testFiles.length).toBeGreaterThanOrEqual(3);
    for (const f of testFiles) {
      expect(obj(readYaml(`${TEST_DIR}/${f}`), f)['rule_files']).toEqual(['../listenq-exporter.rules.yml']);
    }
    expect(RULES_FILE).toBe('deploy/prometheus/listenq-exporter.rules.yml');
  });

  it('passes on the shipped rules', async () => {
    const r = await promtool(['test', 'rules', ...testFiles], repoPath(TEST_DIR));
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length, r.output).toBe(testFiles.length);
  });

  it('covers every alert firing and not firing', () => {
    const cases = testFiles.flatMap(alertCases);
    for (const a of ALERTS) {
      // Each level of a warning/critical pair fires somewhere on its own.
      expect(cases.some((c) => c.alertname === a.name && c.severities.includes(a.severity)), `${a.name} ${a.severity} firing`).toBe(true);
      expect(cases.some((c) => c.alertname === a.name && !c.fires), `${a.name} not firing`).toBe(true);
    }
    // Every case names a real alert (a typo would silently test nothing).
    for (const c of cases) expect(ALERTS.map((a) => a.name)).toContain(c.alertname);
  });

  it('passes with the Grafana variant of every alert expression', async () => {
    // Same file name and layout, so the unit tests load it unchanged.
    const dir = mkdtempSync(join(tmpdir(), 'listenq-grafana-variant-'));
    tmpDirs.push(dir);
    const inline = useInlined(NO_SCOPE);
    const groups = prometheusRuleGroups().map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => {
        const a = 'alert' in r ? ALERTS.find((x) => x.name === r.alert && x.severity === r.labels['severity']) : undefined;
        return a ? { ...alertingRule(a), expr: alertExpr(alertValue(a, inline, DEFAULT_CONFIG), a) } : r;
      }),
    }));
    const inlinedExprs = groups.flatMap((g) => g.rules).filter((r) => 'alert' in r).map((r) => r.expr);
    // The variant really is different text: no alert leans on a recording rule.
    for (const e of inlinedExprs) expect(e).not.toMatch(/(listener|instance):listenq_/);
    writeFileSync(join(dir, 'listenq-exporter.rules.yml'), stringify({ groups }, { lineWidth: 0 }));
    const tests = join(dir, 'tests');
    mkdirSync(tests);
    for (const f of testFiles) copyFileSync(repoPath(`${TEST_DIR}/${f}`), join(tests, f));
    const r = await promtool(['test', 'rules', ...testFiles], tests);
    expect(r.code, r.output).toBe(0);
  });
});
