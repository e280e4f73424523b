/**
 * Generated files must equal what scripts/alerting/ renders now: editing a generated file
 * by hand, or the source without regenerating, fails here.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../../scripts/alerting/outputs.js';
import { readRepoFile, ROOT } from '../support/alerting.js';

const execFileP = promisify(execFile);

describe('generated alerting files', () => {
  for (const { path, render } of GENERATED) {
    it(`${path} matches its source (regenerate: npx tsx scripts/generate-alerting.ts)`, () => {
      expect(readRepoFile(path)).toBe(render());
    });
  }

  it('the generator agrees in --check mode', async () => {
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const { stdout, stderr } = await execFileP(tsx, ['scripts/generate-alerting.ts', '--check'], { cwd: ROOT });
    expect(stdout + stderr).toBe('');
  });
});
