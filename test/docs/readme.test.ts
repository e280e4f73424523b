import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { INCLUDED_DOCS, README_PATH, renderReadme } from '../../scripts/docs/readme-tables.js';

describe('README', () => {
  const readme = readFileSync(README_PATH, 'utf8');

  it('has metric and flag tables generated from the catalog and flag table (run scripts/docs/readme-tables.ts)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('includes every section kept under docs/', () => {
    for (const name of INCLUDED_DOCS) {
      if (existsSync(new URL(`../../docs/${name}.md`, import.meta.url))) expect(readme, name).toContain(`<!-- ${name}:begin -->`);
    }
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
