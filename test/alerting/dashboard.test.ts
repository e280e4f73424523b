/**
 * The Grafana dashboard JSON: the structure Grafana needs to import or provision it, the
 * variables the issue asks for, no hard-coded datasource UID anywhere, every panel query
 * valid PromQL over catalog metrics, and every panel honouring the variables.
 */
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/metrics/catalog.js';
import { DASHBOARD_FILE } from '../../scripts/alerting/outputs.js';
import { referencedNames } from '../../scripts/alerting/promql.js';
import { arr, obj, readRepoFile, str, unknownNames } from '../support/alerting.js';
import { checkExpressions, type NamedExpr } from '../support/promtool.js';

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
    .replace(/\$\{?(job|instance|port)\}?/g, '.*');
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

  it('has datasource, job, instance and port variables, chained so each narrows the next', () => {
    const byName = new Map(variables.map((v) => [v['name'], v]));
    const ds = byName.get('datasource');
    expect(ds?.['type']).toBe('datasource');
    expect(ds?.['query']).toBe('prometheus');
    for (const name of ['job', 'instance', 'port']) {
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
    for (const e of expanded) expect(e.expr, e.where).not.toContain('$');
    const res = await checkExpressions(expanded);
    expect(res.code, `${res.output}\n${expanded.map((e, i) => `${i}: ${e.where}`).join('\n')}`).toBe(0);
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
});
