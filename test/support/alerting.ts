/**
 * Shared helpers for the alerting tests: repository paths, loading the generated files,
 * and the metric/label facts from the catalog that expressions are checked against.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { METRICS } from '../../src/metrics/catalog.js';
import { DEFINITIONS } from '../../scripts/alerting/definitions.js';
import { NO_SCOPE, referencedNames } from '../../scripts/alerting/promql.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(rel: string): string {
  return ROOT + rel;
}

export function readRepoFile(rel: string): string {
  return readFileSync(repoPath(rel), 'utf8');
}

export function readYaml(rel: string): unknown {
  return parse(readRepoFile(rel));
}

/** Narrowing helpers: the files are parsed as `unknown` and checked field by field. */
export function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what} is not an object`);
  return v as Record<string, unknown>;
}

export function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v;
}

export function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}

const CATALOG = new Map(Object.values(METRICS).map((m) => [m.name, m]));
const RECORDED = new Map(DEFINITIONS.map((d) => [d.record, d]));

/** Names referenced by an expression that are neither catalog metrics nor recording rules. */
export function unknownNames(expr: string, allowRecorded: boolean): string[] {
  return referencedNames(expr).filter((n) => !CATALOG.has(n) && !(allowRecorded && RECORDED.has(n)));
}

/** Label names a series of this catalog metric or recording rule can carry. */
export function labelsOf(name: string): Set<string> {
  const out = new Set(['instance', 'job']);
  const m = CATALOG.get(name);
  if (m) {
    for (const l of m.labels) out.add(l);
    return out;
  }
  const d = RECORDED.get(name);
  if (d) {
    for (const n of referencedNames(d.expr(NO_SCOPE))) for (const l of labelsOf(n)) out.add(l);
    return out;
  }
  throw new Error(`${name} is neither a catalog metric nor a recording rule`);
}

/** `$labels.x` references in a Go template. */
export function templateLabels(text: string): string[] {
  return [...new Set([...text.matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
