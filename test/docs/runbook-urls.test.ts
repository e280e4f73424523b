/**
 * Every runbook_url of the shipped alerts (Prometheus rules and Grafana-managed alerts) and
 * every dashboard link into the repository resolves to a Markdown file here and to the anchor
 * of a heading in it. The URLs are read from the generated files, whatever base the
 * generator (scripts/alerting/) was given, so a moved or renamed heading fails here.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { anchors } from '../../scripts/docs/markdown.js';
import { readDoc } from './docs-support.js';

/** The repository's address on GitHub; links under it are checked against this checkout. */
const REPO_WEB = 'https://github.com/listenq/listenq-exporter/blob/main/';

/** Every value of a key named `key`, anywhere in a parsed document. */
function valuesOf(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const n of node) valuesOf(n, key, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

/** [repository path, fragment] of a URL into this repository, or an error message. */
function inRepo(url: string): [string, string] | string {
  const rel = url.startsWith(REPO_WEB) ? url.slice(REPO_WEB.length) : /^[a-z]+:/i.test(url) ? undefined : url;
  if (rel === undefined) return `${url} points outside this repository; nothing here can check it`;
  const [path = '', fragment = ''] = rel.split('#');
  return [path, fragment];
}

function expectResolves(url: unknown, where: string): void {
  expect(typeof url, where).toBe('string');
  const r = inRepo(String(url));
  if (typeof r === 'string') throw new Error(`${where}: ${r}`);
  const [path, fragment] = r;
  expect(path, `${where}: ${String(url)}`).toMatch(/\.md$/);
  // readDoc throws for a missing file: the test fails.
  const text = readDoc(path);
  if (fragment !== '') expect([...anchors(text)], `${where}: ${String(url)}`).toContain(fragment);
}

describe('runbook and dashboard links', () => {
  it('every alerting rule of deploy/prometheus/ has a runbook_url that resolves', () => {
    const rules = valuesOf(parse(readDoc('deploy/prometheus/listenq-exporter.rules.yml')), 'rules').flat();
    const alerting = rules.filter((r): r is { alert: string; annotations?: Record<string, unknown> } => typeof r === 'object' && r !== null && 'alert' in r);
    expect(alerting.length).toBeGreaterThan(0);
    for (const r of alerting) expectResolves(r.annotations?.['runbook_url'], `rule ${r.alert}`);
  });

  it('every runbook_url of the Grafana-managed alerts resolves', () => {
    const urls = valuesOf(parse(readDoc('deploy/grafana/listenq-exporter-alerts.yml')), 'runbook_url');
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expectResolves(u, 'deploy/grafana/listenq-exporter-alerts.yml');
  });

  it("the dashboard's links into the repository resolve", () => {
    const links = valuesOf(JSON.parse(readDoc('deploy/grafana/listenq-exporter-dashboard.json')), 'links').flat();
    const urls = valuesOf(links, 'url').filter((u) => typeof u === 'string' && typeof inRepo(u) !== 'string');
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expectResolves(u, 'deploy/grafana/listenq-exporter-dashboard.json');
  });
});
