import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, renderReadme } from '../../scripts/docs/readme-tables.js';

describe('README', () => {
  const readme = readFileSync(README_PATH, 'utf8');

  it('has metric and flag tables generated from the catalog and flag table (run scripts/docs/readme-tables.ts)', () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });
});
