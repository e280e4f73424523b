/**
 * Generated files must equal what scripts/alerting/ renders now: editing a generated file
 * by hand, or the source without regenerating, fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS } from '../../scripts/alerting/alerts.js';
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

  it('writes a variant with the user\'s runbook base and exporter selector into --out, leaving the repository alone', async () => {
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    const out = mkdtempSync(join(tmpdir(), 'listenq-generate-'));
    try {
      const base = 'https://wiki.example.com/runbooks/listenq';
      await execFileP(tsx, ['scripts/generate-alerting.ts', `--out=${out}`, `--runbook-url=${base}`, '--exporter-selector=job="edge"'], { cwd: ROOT });
      expect(readdirSync(out).sort()).toEqual(['listenq-exporter-alerts.yml', 'listenq-exporter-dashboard.json', 'listenq-exporter.rules.yml']);
      const rules = parse(readFileSync(join(out, 'listenq-exporter.rules.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ alert?: string; expr: string; annotations?: Record<string, string> }> }>;
      };
      const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
      expect(alerts).toHaveLength(ALERTS.length);
      for (const r of alerts) expect(r.annotations!['runbook_url']).toBe(`${base}#${r.alert!.toLowerCase()}`);
      expect(alerts.find((r) => r.alert === 'ListenqExporterDown')!.expr).toBe('up{job="edge"} < 1');
      const { stdout, stderr } = await execFileP(tsx, ['scripts/generate-alerting.ts', '--check'], { cwd: ROOT });
      expect(stdout + stderr).toBe('');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('exits 2 naming a bad argument', async () => {
    const tsx = `${ROOT}node_modules/.bin/tsx`;
    for (const [args, named] of [
      [['--exporter-selector={job="x"}', '--out=/tmp/x'], '--exporter-selector'],
      [['--runbook-url=https://x.example'], '--out'],
      [['--bogus'], '--bogus'],
    ] as const) {
      const err = await execFileP(tsx, ['scripts/generate-alerting.ts', ...args], { cwd: ROOT }).then(
        () => undefined,
        (e: { code?: number; stderr?: string }) => e,
      );
      expect(err?.code, args.join(' ')).toBe(2);
      expect(err?.stderr, args.join(' ')).toContain(named);
    }
  });
});
