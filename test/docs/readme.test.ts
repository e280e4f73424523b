/**
 * README.md is the front page: generated tables that match their sources, one line and a
 * link for each document under docs/, and no document pasted in (each lives in one place).
 */
import { describe, expect, it } from 'vitest';
import { GENERATED_BLOCKS, README_PATH, renderReadme } from '../../scripts/docs/readme-tables.js';
import { FLAGS } from '../../src/config/flags.js';
import { docPaths, readDoc } from './docs-support.js';

const readme = readDoc('README.md');

/** The text under a `## Title` heading, up to the next `## `. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const rest = text.slice(start + title.length + 5);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Paragraphs of prose (not tables, lists of links or code), whitespace collapsed. */
function paragraphs(text: string): string[] {
  return text
    .replace(/^```[\s\S]*?^```/gm, '')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length >= 80 && !p.startsWith('|') && !p.startsWith('#'));
}

describe('README', () => {
  it('has metric, flag and alert tables generated from their sources (run scripts/docs/readme-tables.ts)', () => {
    expect(README_PATH.endsWith('/README.md')).toBe(true);
    expect(renderReadme(readme)).toBe(readme);
    for (const name of Object.keys(GENERATED_BLOCKS)) expect(readme, name).toContain(`<!-- ${name}:begin -->`);
  });

  it('refuses a block it does not generate, so no document can be included again', () => {
    expect(() => renderReadme(`${readme}\n<!-- container:begin -->\n<!-- container:end -->\n`)).toThrow(/container/);
  });

  it('lists every document under docs/ with one line and a link, and only those', () => {
    const docs = section(readme, 'Documentation');
    const items = docs.split('\n- ').slice(1).map((i) => i.replace(/\s+/g, ' ').trim());
    const linked = items.map((i) => /^\[(docs\/[\w.-]+\.md)\]\(\1\): \S/.exec(i)?.[1]);
    expect(linked.every((l) => l !== undefined), items.join('\n')).toBe(true);
    expect([...linked].sort()).toEqual(docPaths());
    // Each listed document is read: a missing one fails here rather than being skipped.
    for (const path of docPaths()) expect(readDoc(path).length, path).toBeGreaterThan(0);
  });

  it('pastes no document in: no paragraph of a doc appears in the README', () => {
    const front = new Set(paragraphs(readme));
    for (const path of docPaths()) {
      for (const p of paragraphs(readDoc(path))) expect(front.has(p), `${path}: ${p.slice(0, 80)}...`).toBe(false);
    }
  });

  it('gives the set-up and test commands', () => {
    const quick = section(readme, 'Quick start');
    for (const cmd of ['npm ci && npm start', 'npm test', 'npm run test:unit']) expect(quick).toContain(cmd);
  });

  it('stays a front page', () => {
    // The measure: node_exporter's README is about 21 KB.
    expect(Buffer.byteLength(readme)).toBeLessThan(25_000);
  });
});

describe('README and docs name only flags that exist', () => {
  // decisions.md is a record of what was decided when, flags since removed included.
  const current = ['README.md', ...docPaths().filter((p) => p !== 'docs/decisions.md')];
  const known = new Set(FLAGS.flatMap((f) => (f.kind.type === 'boolean' ? [f.name, `no-${f.name}`] : [f.name])));

  it('every dotted --flag is one of src/config/flags.ts (or its --no- form for a boolean)', () => {
    for (const path of current) {
      const text = readDoc(path);
      for (const m of text.matchAll(/--((?:no-)?[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)/g)) expect(known.has(m[1] ?? ''), `${path}: --${m[1]}`).toBe(true);
      for (const m of text.matchAll(/\bLISTENQ_[A-Z0-9_]+/g)) {
        const flag = (m[0] ?? '').slice('LISTENQ_'.length).toLowerCase();
        const exists = FLAGS.some((f) => f.name.replace(/[.-]/g, '_') === flag) || ['prometheus_uid', 'node_include'].includes(flag);
        expect(exists, `${path}: ${m[0]}`).toBe(true);
      }
    }
  });

  it('describes the current design: sock_diag every sample, per-socket drops', () => {
    // Phrases of the design sock_diag replaced (ss every --ss.interval, /proc in between,
    // quiet samples; no per-socket drops). alerts-runbook.md is its owners' to change.
    const stale = [/ss\.interval/, /quiet sample/i, /does not say which socket dropped/, /ss for identity/, /only `ss` provides/, /which only ss/];
    for (const path of current.filter((p) => p !== 'docs/alerts-runbook.md')) {
      const text = readDoc(path);
      for (const re of stale) expect(text, `${path}: ${re}`).not.toMatch(re);
    }
  });
});
