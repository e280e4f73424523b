/**
 * The Grafana dashboard JSON: the structure Grafana needs to import or provision it, the
 * variables the issue asks for, no hard-coded datasource UID anywhere, every panel query
 * valid PromQL over catalog metrics, and every panel honouring the variables.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { METRICS } from '../../src/metrics/catalog.js';
import { DASHBOARD_FILE } from '../../scripts/alerting/outputs.js';
import { referencedNames } from '../../scripts/alerting/promql.js';
import { arr, obj, readRepoFile, str, unknownNames } from '../support/alerting.js';
import { checkExpressions, type NamedExpr, promtool } from '../support/promtool.js';

const dash = obj(JSON.parse(readRepoFile(DASHBOARD_FILE)), DASHBOARD_FILE);
const panels = arr(dash['panels'], 'panels').map((p, i) => obj(p, `panel ${i}`));
const queryPanels = panels.filter((p) => p['type'] !== 'row');
const variables = arr(obj(dash['templating'], 'templating')['list'], 'templating.list').map((v, i) => obj(v, `var ${i}`));

const LISTENER_METRICS = new Set(
  Object.values(METRICS)
    .filter((m) => m.labels.includes('port'))
    .map((m) => m.name),
);

/** Grafana's variables and macros replaced by what they expand to, so promtool can parse. */
function expand(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, '5m')
    .replace(/\$\{?([A-Za-z]\w*)\}?/g, '.*');
}

function targets(p: Record<string, unknown>): Record<string, unknown>[] {
  return arr(p['targets'], `${String(p['title'])} targets`).map((t, i) => obj(t, `target ${i}`));
}

function panelExprs(): NamedExpr[] {
  return queryPanels.flatMap((p) =>
    targets(p).map((t) => ({ where: `${String(p['title'])}/${String(t['refId'])}`, expr: str(t['expr'], 'expr') })),
  );
}

/** Walks the JSON and yields every `datasource` value with its path. */
function* datasources(v: unknown, path = '$'): Generator<[string, unknown]> {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) yield* datasources(x, `${path}[${i}]`);
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'datasource') yield [`${path}.${k}`, x];
      yield* datasources(x, `${path}.${k}`);
    }
  }
}

describe('Grafana dashboard', () => {
  it('has the top-level fields Grafana needs and a stable uid', () => {
    expect(dash['uid']).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(str(dash['title'], 'title')).not.toBe('');
    expect(dash['id']).toBeNull();
    expect(typeof dash['schemaVersion']).toBe('number');
    expect(Number(dash['schemaVersion'])).toBeGreaterThanOrEqual(36);
    expect(obj(dash['time'], 'time')).toEqual({ from: expect.any(String), to: 'now' });
    expect(arr(obj(dash['annotations'], 'annotations')['list'], 'annotations.list').length).toBeGreaterThan(0);
  });

  it('has datasource, job, instance, namespace, pod, netns and port variables, chained so each narrows the next', () => {
    const byName = new Map(variables.map((v) => [v['name'], v]));
    const ds = byName.get('datasource');
    expect(ds?.['type']).toBe('datasource');
    expect(ds?.['query']).toBe('prometheus');
    expect(variables.map((v) => v['name'])).toEqual(['datasource', 'job', 'instance', 'namespace', 'pod', 'netns', 'port']);
    // Pods and their namespaces as kube-state-metrics lists them; netns without it.
    expect(String(byName.get('namespace')!['query'])).toBe('label_values(kube_pod_info, namespace)');
    expect(String(byName.get('pod')!['query'])).toContain('kube_pod_info{namespace=~"$namespace"}');
    expect(String(byName.get('netns')!['query'])).toContain('$instance');
    for (const name of ['job', 'instance', 'namespace', 'pod', 'netns', 'port']) {
      const v = byName.get(name)!;
      expect(v, name).toBeDefined();
      expect(v['type']).toBe('query');
      expect(v['multi']).toBe(true);
      expect(v['includeAll']).toBe(true);
      expect(v['allValue']).toBe('.*');
      expect(str(v['query'], `${name} query`)).toMatch(new RegExp(`^label_values\\(.+, ${name}\\)$`));
    }
    expect(String(byName.get('instance')!['query'])).toContain('$job');
    expect(String(byName.get('port')!['query'])).toContain('$instance');
  });

  it('never hard-codes a datasource UID', () => {
    const seen = [...datasources(dash)];
    expect(seen.length).toBeGreaterThan(queryPanels.length);
    for (const [path, ds] of seen) {
      const uid = obj(ds, path)['uid'];
      const builtInAnnotations = path.startsWith('$.annotations') && uid === '-- Grafana --';
      if (!builtInAnnotations) expect(uid, path).toBe('${datasource}');
    }
  });

  it('lays panels on the 24-column grid without overlaps and with unique ids', () => {
    const ids = panels.map((p) => p['id']);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = obj(p['gridPos'], `${String(p['title'])} gridPos`) as Record<string, number>;
      expect(g['x']! + g['w']!, String(p['title'])).toBeLessThanOrEqual(24);
      expect(g['w']! > 0 && g['h']! > 0).toBe(true);
      for (let x = g['x']!; x < g['x']! + g['w']!; x++) {
        for (let y = g['y']!; y < g['y']! + g['h']!; y++) {
          const cell = `${x},${y}`;
          expect(cells.has(cell), `${String(p['title'])} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it('gives every panel a known type, a title, a description and queries with unique refIds', () => {
    for (const p of queryPanels) {
      expect(['stat', 'timeseries', 'table', 'bargauge']).toContain(p['type']);
      expect(str(p['title'], 'title')).not.toBe('');
      expect(str(p['description'], 'description')).not.toBe('');
      const refs = targets(p).map((t) => t['refId']);
      expect(refs.length).toBeGreaterThan(0);
      expect(new Set(refs).size).toBe(refs.length);
      obj(p['fieldConfig'], 'fieldConfig');
      obj(p['options'], 'options');
    }
  });

  it('filters every query by the job and instance variables, and listener queries by port', () => {
    for (const { where, expr } of panelExprs()) {
      const selectors = [...expr.matchAll(/([a-z_:]+)\{([^}]*)\}/g)];
      expect(selectors.length, where).toBeGreaterThan(0);
      for (const [, name, matchers] of selectors) {
        if (name === 'kube_pod_info') {
          // The pod join: narrowed by the namespace and pod variables instead.
          expect(matchers, where).toBe('namespace=~"$namespace",pod=~"$pod"');
          continue;
        }
        expect(matchers, `${where}: ${name}`).toContain('job=~"$job"');
        expect(matchers, `${where}: ${name}`).toContain('instance=~"$instance"');
        if (LISTENER_METRICS.has(name!)) expect(matchers, `${where}: ${name}`).toContain('port=~"$port"');
      }
    }
  });

  it('shows what the issue asks for: every metric of the catalog except host identity', () => {
    const used = new Set(panelExprs().flatMap((e) => referencedNames(e.expr)));
    const missing = Object.values(METRICS)
      .map((m) => m.name)
      .filter((n) => !used.has(n) && n !== METRICS.hostInfo.name);
    expect(missing).toEqual([]);
    expect(panelExprs().some((e) => e.expr.includes('up{'))).toBe(true);
  });

  it('uses only catalog metrics and valid PromQL, variables included', async () => {
    const exprs = panelExprs();
    for (const v of variables.filter((x) => x['type'] === 'query')) {
      const m = /^label_values\((.+), \w+\)$/.exec(str(v['query'], 'query'));
      exprs.push({ where: `variable ${String(v['name'])}`, expr: m![1]! });
    }
    for (const e of exprs) expect(unknownNames(e.expr, false), e.where).toEqual([]);
    const expanded = exprs.map((e) => ({ where: e.where, expr: expand(e.expr) }));
    // label_replace's "$1" is PromQL's own; any other $ is an unexpanded variable.
    for (const e of expanded) expect(e.expr, e.where).not.toMatch(/\$(?!\d)/);
    const res = await checkExpressions(expanded);
    expect(res.code, `${res.output}\n${expanded.map((e, i) => `${i}: ${e.where}`).join('\n')}`).toBe(0);
  });

  it('narrows every per-listener and per-namespace query by the namespace, pod and netns variables', () => {
    for (const p of queryPanels) {
      for (const t of targets(p)) {
        const expr = str(t['expr'], 'expr');
        const names = referencedNames(expr);
        const perNamespace = names.some((n) => {
          const m = Object.values(METRICS).find((x) => x.name === n);
          return m?.labels.includes('netns') ?? false;
        });
        if (!perNamespace) continue;
        const where = `${String(p['title'])}/${String(t['refId'])}`;
        expect(expr, where).toContain('netns=~"$netns"');
        expect(expr, where).toContain('kube_pod_info{namespace=~"$namespace",pod=~"$pod"}');
        expect(expr, where).toContain('* on(cluster, pod_uid) group_left(namespace, pod)');
      }
    }
  });

  it('uses $__rate_interval in every rate, and per-second or percent units', () => {
    for (const p of queryPanels) {
      const title = String(p['title']);
      const unit = obj(obj(p['fieldConfig'], 'fieldConfig')['defaults'], 'defaults')['unit'];
      const exprs = targets(p).map((t) => str(t['expr'], 'expr'));
      for (const e of exprs) {
        for (const m of e.matchAll(/\brate\([^\[]*\[([^\]]+)\]/g)) expect(m[1], `${title}: ${e}`).toBe('$__rate_interval');
      }
      if (p['type'] === 'table') continue;
      if (/ratio|fill|time full|observed full/i.test(title)) expect(unit, title).toBe('percentunit');
      else if (/\/s\b/.test(title)) expect(unit, title).toBe('cps');
    }
  });

  it('bounds every per-listener time series and bar with topk, and names pod and netns in its legend', () => {
    for (const p of queryPanels.filter((x) => x['type'] === 'timeseries' || x['type'] === 'bargauge')) {
      for (const t of targets(p)) {
        const expr = str(t['expr'], 'expr');
        const perNamespace = referencedNames(expr).some((n) => Object.values(METRICS).find((x) => x.name === n)?.labels.includes('netns'));
        if (!perNamespace) continue;
        const where = `${String(p['title'])}/${String(t['refId'])}`;
        expect(expr, where).toMatch(/^topk\(\d+, /);
        expect(String(t['legendFormat']), where).toContain('{{pod}}');
        expect(String(t['legendFormat']), where).toContain('{{netns}}');
      }
    }
  });

  it('shows ratios above 1 on the fill bar: the queue reaches limit + 1', () => {
    const bar = queryPanels.find((p) => p['type'] === 'bargauge')!;
    const d = obj(obj(bar['fieldConfig'], 'fieldConfig')['defaults'], 'defaults');
    expect(Number(d['max'])).toBeGreaterThanOrEqual(2);
  });

  it('counts only this exporter\'s targets in the target panels, not every job Prometheus scrapes', () => {
    const upExprs = panelExprs().filter((e) => /\bup\{/.test(e.expr));
    expect(upExprs.length).toBeGreaterThanOrEqual(3);
    for (const e of upExprs) expect(e.expr, e.where).toContain('and on(cluster, job, instance) last_over_time(listenq_build_info{');
  });

  it('has a top-N fullest listeners table and a drops-per-listener panel', () => {
    const table = queryPanels.find((p) => p['title'] === 'Listeners, fullest first')!;
    expect(str(targets(table)[0]!['expr'], 'expr')).toMatch(/^topk\(\d+, /);
    expect(targets(table).some((t) => String(t['expr']).includes(METRICS.listenerDrops.name))).toBe(true);
    const drops = queryPanels.find((p) => p['title'] === 'Drops per listener /s')!;
    expect(str(targets(drops)[0]!['expr'], 'expr')).toContain(`rate(${METRICS.listenerDrops.name}{`);
  });

  it('renames table columns only for queries that exist', () => {
    for (const p of queryPanels.filter((x) => x['type'] === 'table')) {
      const refs = new Set(targets(p).map((t) => String(t['refId'])));
      for (const tr of arr(p['transformations'] ?? [], 'transformations').map((t) => obj(t, 'transformation'))) {
        const options = obj(tr['options'], 'options');
        if (tr['id'] !== 'organize' || options['renameByName'] === undefined) continue;
        const rename = obj(options['renameByName'], 'renameByName');
        for (const k of Object.keys(rename)) expect(refs, `${String(p['title'])} ${k}`).toContain(k.replace('Value #', ''));
      }
    }
  });

  it('narrows by namespace and pod through kube_pod_info in node-wide mode and by target labels in sidecar mode (promtool)', async () => {
    const panel = queryPanels.find((p) => p['title'] === 'Peak fill ratio')!;
    const expr = str(targets(panel)[0]!['expr'], 'expr');
    /** The query with the variables set as a user picks them: All is `.*`. */
    const pick = (ns: string, pod: string): string =>
      expr
        .replaceAll('$__rate_interval', '5m')
        .replaceAll('$namespace', ns)
        .replaceAll('$pod', pod)
        .replace(/\$\{?([A-Za-z]\w*)\}?/g, '.*');
    const l = 'family="ipv4",address="0.0.0.0",port="8080",slot="0"';
    const exporterPod = 'job="listenq-exporter",namespace="monitoring",pod="listenq-exporter-7xk2p"';
    const series = [
      // Node-wide: a pod kube-state-metrics lists, and the host's namespace.
      [`listenq_accept_queue_peak_length{instance="node-a",${exporterPod},${l},netns="1",pod_uid="u-web"}`, '50x10'],
      [`listenq_accept_queue_limit{instance="node-a",${exporterPod},${l},netns="1",pod_uid="u-web"}`, '100x10'],
      [`listenq_accept_queue_peak_length{instance="node-a",${exporterPod},${l},netns="2"}`, '10x10'],
      [`listenq_accept_queue_limit{instance="node-a",${exporterPod},${l},netns="2"}`, '100x10'],
      // Sidecar: the PodMonitor's target labels name the app's pod.
      [`listenq_accept_queue_peak_length{instance="10.0.0.9:9839",job="listenq-exporter",namespace="shop",pod="api-1",${l}}`, '20x10'],
      [`listenq_accept_queue_limit{instance="10.0.0.9:9839",job="listenq-exporter",namespace="shop",pod="api-1",${l}}`, '100x10'],
      ['kube_pod_info{job="kube-state-metrics",namespace="shop",pod="web-1",uid="u-web"}', '1x10'],
      ['kube_pod_info{job="kube-state-metrics",namespace="shop",pod="api-1",uid="u-api"}', '1x10'],
      ['kube_pod_info{job="kube-state-metrics",namespace="pay",pod="pay-1",uid="u-pay"}', '1x10'],
    ].map(([s, values]) => ({ series: s, values }));
    const sample = (labels: string, value: number) => ({ labels: `{${labels}}`, value });
    const web = sample(`instance="node-a",job="listenq-exporter",namespace="shop",pod="web-1",${l},netns="1",pod_uid="u-web"`, 0.5);
    const host = sample(`instance="node-a",${exporterPod},${l},netns="2"`, 0.1);
    const api = sample(`instance="10.0.0.9:9839",job="listenq-exporter",namespace="shop",pod="api-1",${l}`, 0.2);
    const tests = [
      { name: 'All: every listener, the node-wide pod named by kube_pod_info', exp: [web, host, api], ns: '.*', pod: '.*' },
      { name: 'namespace shop: its node-wide and its sidecar pods', exp: [web, api], ns: 'shop', pod: '.*' },
      { name: 'pod web-1 only', exp: [web], ns: 'shop', pod: 'web-1' },
      { name: 'namespace pay: nothing', exp: [], ns: 'pay', pod: '.*' },
    ].map((t) => ({
      name: t.name,
      interval: '1m',
      input_series: series,
      promql_expr_test: [{ expr: pick(t.ns, t.pod), eval_time: '5m', exp_samples: t.exp }],
    }));
    const dir = mkdtempSync(join(tmpdir(), 'listenq-dash-pods-'));
    try {
      writeFileSync(join(dir, 'dash.test.yml'), stringify({ rule_files: [], tests }, { lineWidth: 0 }));
      const r = await promtool(['test', 'rules', 'dash.test.yml'], dir);
      expect(r.code, r.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
