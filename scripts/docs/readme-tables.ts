/**
 * The README's metric and flag tables are generated from src/metrics/catalog.ts and
 * src/config/flags.ts, and its longer sections are included from docs/*.md (each kept
 * where the tests that check it read it). `npx tsx scripts/docs/readme-tables.ts`
 * rewrites them in place; test/docs/readme.test.ts fails when they drift.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envVarFor, FLAGS } from '../../src/config/flags.js';
import { METRICS } from '../../src/metrics/catalog.js';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function metricTable(): string {
  const rows = Object.values(METRICS).map(
    (m) => `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ') || '-'} | ${cell(m.help)} |`,
  );
  return ['| metric | type | labels | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function flagTable(): string {
  const rows = FLAGS.map(
    (f) => `| \`--${f.name}\` | \`${envVarFor(f.name)}\` | \`${f.default}\` | ${cell(f.help)} |`,
  );
  return ['| flag | environment | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Replaces the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`. */
export function replaceBlock(doc: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README has no ${begin} ... ${end} block`);
  return `${doc.slice(0, i + begin.length)}\n${body}\n${doc.slice(j)}`;
}

/** README blocks filled verbatim from a file under docs/. */
export const INCLUDED_DOCS = ['alerts-runbook', 'container', 'web-config', 'performance'] as const;

function docText(name: string): string | undefined {
  const path = fileURLToPath(new URL(`../../docs/${name}.md`, import.meta.url));
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : undefined;
}

export function renderReadme(doc: string): string {
  let out = replaceBlock(replaceBlock(doc, 'metrics', metricTable()), 'flags', flagTable());
  for (const name of INCLUDED_DOCS) {
    const text = docText(name);
    if (text !== undefined && out.includes(`<!-- ${name}:begin -->`)) out = replaceBlock(out, name, text);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README_PATH, renderReadme(readFileSync(README_PATH, 'utf8')));
}
