/**
 * Small PromQL text helpers shared by the rule, Grafana-alert and dashboard generators.
 * Expressions are built from the metric catalog so a renamed metric breaks the build,
 * not a production alert.
 */
import { METRICS, type MetricKey } from '../../src/metrics/catalog.js';

/**
 * Label matchers a consumer adds to every selector. Rules use none; the dashboard narrows
 * by its variables. Listener metrics also take `listener` (the port variable) because
 * namespace-wide counters have no port label and would otherwise select nothing.
 */
export interface Scope {
  readonly target: string;
  readonly listener: string;
  /** Range of every rate(): 5m in rules (their names say so), `$__rate_interval` on the dashboard. */
  readonly rateWindow: string;
}

export const NO_SCOPE: Scope = { target: '', listener: '', rateWindow: '5m' };

/** The scope with one more matcher on every selector. */
export function narrow(scope: Scope, matcher: string): Scope {
  const add = (m: string): string => (m === '' ? matcher : `${m},${matcher}`);
  return { ...scope, target: add(scope.target), listener: add(scope.listener) };
}

/**
 * The label a global ruler or Thanos/Mimir adds to tell clusters apart. Every `on(...)`
 * join names it, as the monitoring mixins do with their `clusterLabel`: without it two
 * clusters' series with equal instance and netns (the host namespace's inode is the same on
 * every node) would match each other. Absent on both sides, it matches as the empty value.
 */
const CLUSTER_LABEL = 'cluster';

/** `on(cluster, ...)`: a join on these labels that also keeps clusters apart. */
export function on(...labels: readonly string[]): string {
  return `on(${[CLUSTER_LABEL, ...labels].join(', ')})`;
}

function withMatchers(name: string, matchers: string): string {
  return matchers === '' ? name : `${name}{${matchers}}`;
}

/** A per-listener metric selector (carries family/address/port/device/slot). */
export function listenerMetric(key: MetricKey, scope: Scope): string {
  return withMatchers(METRICS[key].name, scope.listener);
}

/** A per-namespace or exporter-health metric selector (no listener labels). */
export function targetMetric(key: MetricKey, scope: Scope): string {
  return withMatchers(METRICS[key].name, scope.target);
}

/** Any other series (recording-rule outputs, Prometheus' own `up`). */
export function series(name: string, matchers: string): string {
  return withMatchers(name, matchers);
}

/**
 * Wraps an expression in parentheses when a trailing comparison would otherwise bind to
 * only its last operand (comparisons bind tighter than and/or/unless).
 */
export function guard(expr: string): string {
  return /\b(and|or|unless)\b|[<>]|[=!]=/.test(expr) ? `(${expr})` : expr;
}

/** Every `listenq...` name an expression references (metrics and recording rules). */
export function referencedNames(expr: string): string[] {
  const names = new Set<string>();
  // Strip quoted strings first: label values such as "listenq" are not metric names.
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of bare.matchAll(/(?<![A-Za-z0-9_:])([A-Za-z_:][A-Za-z0-9_:]*)/g)) {
    const n = m[1]!;
    if (n.startsWith('listenq') || n.includes(':listenq')) names.add(n);
  }
  return [...names];
}
