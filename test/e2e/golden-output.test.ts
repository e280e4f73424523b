/**
 * The built exporter on the fixture procfs tree and the fixture ss (scripts/golden/),
 * compared whole with test/e2e/golden-output.txt, as node_exporter compares its
 * e2e-output.txt. Needs no root and no namespace: part of `npm run test:unit`. A change in
 * output fails here until `npx tsx scripts/golden/regenerate.ts` rewrites the file and the
 * diff is reviewed (docs/development.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_OUTPUT } from '../../scripts/golden/paths.js';
import { goldenMetrics } from '../../scripts/golden/run-exporter.js';

describe('golden /metrics on the fixtures', () => {
  it('matches test/e2e/golden-output.txt, twice in a row (run scripts/golden/regenerate.ts after a deliberate change)', async () => {
    const golden = readFileSync(GOLDEN_OUTPUT, 'utf8');
    const first = await goldenMetrics();
    const second = await goldenMetrics();
    expect(first).toBe(golden);
    // Two runs of their own (new tree, new process): nothing in the output may depend on the run.
    expect(second).toBe(first);
  });

  it('covers every listener of the fixture dump, with a limit and drops from ss', () => {
    const golden = readFileSync(GOLDEN_OUTPUT, 'utf8');
    const lines = golden.split('\n');
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    // ss-listening.txt holds 19 listeners; each has every per-socket series.
    for (const name of ['length', 'limit', 'peak_length', 'full_seconds_total']) expect(count(`listenq_accept_queue_${name}{`), name).toBe(19);
    expect(count('listenq_listener_drops_total{')).toBe(19);
    expect(golden).toContain('listenq_accept_queue_length{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 5\n');
    expect(golden).toContain('listenq_accept_queue_limit{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 4\n');
    expect(golden).toContain('listenq_listener_drops_total{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 60\n');
    expect(golden).toContain('listenq_source_up{source="ss"} 1\n');
  });
});
