/**
 * docs/alerts-runbook.md (pasted into README.md under "## Alerts and runbook"): one `###`
 * entry per alert whose GitHub anchor is what the alert's runbook_url points at, quoting the
 * alert's current expression and `for`, with the hand checks the issue asks for.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAMESPACE_LABELS } from '../../src/metrics/catalog.js';
import { aboutPod, ALERTS, alertNames } from '../../scripts/alerting/alerts.js';
import { DEFAULT_CONFIG, runbookUrl } from '../../scripts/alerting/config.js';
import { DEFINITIONS, useRecorded, withSampledPod } from '../../scripts/alerting/definitions.js';
import { alertExpr, alertingRule } from '../../scripts/alerting/prometheus-rules.js';
import { NO_SCOPE } from '../../scripts/alerting/promql.js';
import { githubAnchor, readRepoFile, repoPath } from '../support/alerting.js';

const RUNBOOK = 'docs/alerts-runbook.md';
const doc = readRepoFile(RUNBOOK);

/** `### Heading` -> the text up to the next heading of level 3 or higher. */
function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^### /m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    out.set(p.slice(0, nl).trim(), p.slice(nl + 1).split(/^#{1,3} /m)[0]!);
  }
  return out;
}

/** Markdown wraps long lines; compare expressions with whitespace collapsed. */
const squash = (s: string): string => s.replace(/\s+/g, ' ');

const entries = sections(doc);

describe('alerts runbook', () => {
  it('has exactly one ### entry per alert name, and nothing else at that level', () => {
    expect([...entries.keys()].sort()).toEqual(alertNames().sort());
    expect(doc.match(/^### /gm)?.length).toBe(alertNames().length);
    expect(doc).not.toMatch(/^#{1,2} /m); // it is pasted under a ## heading
  });

  it('gives each entry the anchor its runbook_url points at, in the file the default base names', () => {
    // The default base resolves: it is this very file, by its path in the repository.
    expect(DEFAULT_CONFIG.runbookBase).toBe(RUNBOOK);
    expect(existsSync(repoPath(DEFAULT_CONFIG.runbookBase))).toBe(true);
    for (const a of ALERTS) {
      const url = runbookUrl(DEFAULT_CONFIG, a.name);
      expect(alertingRule(a).annotations['runbook_url']).toBe(url);
      const anchor = url.split('#')[1];
      expect(githubAnchor(a.name)).toBe(anchor);
      // In-document links (the overview table) use the same anchors.
      expect(doc).toContain(`](#${anchor})`);
    }
  });

  it('quotes each alert expression and for period as shipped, so thresholds are justified against the real rule', () => {
    for (const a of ALERTS) {
      const rule = alertingRule(a);
      const core = alertExpr(a.value(useRecorded, DEFAULT_CONFIG), a);
      // Alerts about a pod are the quoted expression inside the pod join, quoted once below.
      expect(rule.expr).toBe(aboutPod(a) ? alertExpr(withSampledPod(a.value(useRecorded, DEFAULT_CONFIG)), a) : core);
      const text = squash(entries.get(a.name)!);
      expect(text, `${a.name} ${a.severity}`).toContain(squash(`\`${core}\``));
      expect(text, `${a.name} ${a.severity}`).toContain(`holds for ${rule.for}`);
      expect(text, a.name).toMatch(/\*\*Why [^*]+\.\*\*/);
    }
    expect(squash(doc)).toContain(squash(withSampledPod('X')));
  });

  it('says what each alert means, how to confirm it by hand and how to fix it', () => {
    for (const a of ALERTS) {
      const text = entries.get(a.name)!;
      for (const part of ['**Meaning.**', '**Confirm.**', '**Fixes.**']) expect(text, `${a.name} ${part}`).toContain(part);
    }
    // The kernel-side alerts are confirmed with ss and nstat, as the issue asks.
    for (const a of ALERTS.filter((x) => x.group !== 'listenq-exporter.exporter')) {
      expect(entries.get(a.name), a.name).toMatch(/ss -tn|nstat -az/);
    }
    for (const cmd of ['ss -tnl state listening', "nstat -az 'TcpExtListen*'"]) expect(doc).toContain(cmd);
    for (const fix of ['backlog', 'somaxconn', 'accept workers', 'event loop', 'SO_REUSEPORT']) expect(doc).toContain(fix);
  });

  it('explains node-wide mode: its labels, and every pod-level rule quoted as shipped with the kube-state-metrics join', () => {
    const podRules = DEFINITIONS.filter((d) => d.record.startsWith('pod:'));
    expect(podRules.length).toBeGreaterThan(0);
    for (const d of podRules) {
      expect(doc, d.record).toContain(`| \`${d.record}\` |`);
      expect(squash(doc), d.record).toContain(squash(`${d.record} = ${d.expr(NO_SCOPE)}`));
      expect(d.expr(NO_SCOPE)).toContain('* on(cluster, uid) group_left(namespace, pod)');
    }
    for (const l of NAMESPACE_LABELS) expect(doc, l).toContain(`- \`${l}\`:`);
    for (const s of ['--namespaces=all', 'kube_pod_info', 'honor_labels', 'on(cluster, instance, job, netns)']) expect(doc).toContain(s);
  });

  it('is present in README.md once pasted there, with every entry', () => {
    const readme = repoPath('README.md');
    if (!existsSync(readme)) return;
    const text = readRepoFile('README.md');
    if (!text.includes('## Alerts and runbook')) return; // not pasted yet
    for (const a of ALERTS) expect(text, a.name).toContain(`### ${a.name}\n`);
  });
});
