/**
 * Every link in README.md and docs/*.md that points into the repository resolves: the file
 * exists, and a `#fragment` is the anchor of a heading in it. External links are not
 * followed (the test machines have no network).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, linkTargets } from '../../scripts/docs/markdown.js';
import { docPaths, readDoc, ROOT } from './docs-support.js';

/** A link target as [repository path, fragment], or undefined for an external link. */
function resolve(from: string, target: string): [string, string] | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined;
  const hash = target.indexOf('#');
  const file = hash < 0 ? target : target.slice(0, hash);
  const fragment = hash < 0 ? '' : target.slice(hash + 1);
  return [file === '' ? from : normalize(join(dirname(from), file)), fragment];
}

describe('links in the README and docs/', () => {
  for (const doc of ['README.md', ...docPaths()]) {
    it(`${doc}: every repository link and anchor resolves`, () => {
      const targets = linkTargets(readDoc(doc));
      for (const t of targets) {
        const r = resolve(doc, t);
        if (!r) continue;
        const [path, fragment] = r;
        expect(path.startsWith('..'), `${doc}: ${t} leaves the repository`).toBe(false);
        expect(existsSync(join(ROOT, path)), `${doc}: ${t} (${path} does not exist)`).toBe(true);
        if (fragment === '') continue;
        expect(statSync(join(ROOT, path)).isFile() && path.endsWith('.md'), `${doc}: ${t} has an anchor into a non-Markdown file`).toBe(true);
        expect([...anchors(readDoc(path))], `${doc}: ${t}`).toContain(fragment);
      }
    });
  }

  it('finds links and anchors the way GitHub makes them', () => {
    const text = '# Title\n## `--flag` and [a link](x.md)\n```\n# not a heading [no](link.md)\n```\n## Title\nsee [b](y.md#title-1) and `[c](z.md)`';
    expect([...anchors(text)]).toEqual(['title', '--flag-and-a-link', 'title-1']);
    expect(linkTargets(text)).toEqual(['x.md', 'y.md#title-1']);
  });
});
