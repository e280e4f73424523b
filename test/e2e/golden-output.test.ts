/**
 * The built exporter on the fixture procfs tree and the fixture ss (scripts/golden/),
 * compared whole with test/e2e/golden-output.txt (Prometheus text format) and
 * golden-output-openmetrics.txt, as node_exporter compares its e2e-output.txt. Needs no
 * root and no namespace: part of `npm run test:unit`. A change in output fails here until
 * `npx tsx scripts/golden/regenerate.ts` rewrites the files and the diff is reviewed
 * (docs/development.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_OUTPUTS } from '../../scripts/golden/paths.js';
import { goldenMetrics } from '../../scripts/golden/run-exporter.js';

const golden = {
  text: readFileSync(GOLDEN_OUTPUTS.text, 'utf8'),
  openmetrics: readFileSync(GOLDEN_OUTPUTS.openmetrics, 'utf8'),
};

describe('golden /metrics on the fixtures', () => {
  it('matches the checked-in files in both formats, twice in a row (run scripts/golden/regenerate.ts after a deliberate change)', async () => {
    const first = await goldenMetrics();
    // A second run of its own (new tree, new process): nothing in the output may depend on the run.
    const second = await goldenMetrics();
    expect(first.text).toBe(golden.text);
    expect(first.openmetrics).toBe(golden.openmetrics);
    expect(second).toEqual(first);
  });

  it('covers every listener of the fixture dump, with a limit and drops from ss', () => {
    const lines = golden.text.split('\n');
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    // ss-listening.txt holds 19 listeners; each has every per-socket series.
    for (const name of ['length', 'limit', 'peak_length', 'full_seconds_total']) expect(count(`listenq_accept_queue_${name}{`), name).toBe(19);
    expect(count('listenq_listener_drops_total{')).toBe(19);
    expect(count('listenq_syn_queue_length{')).toBe(19);
    // listen(4) with 20 clients: length 5 = limit + 1, and 60 drops at that socket alone.
    expect(golden.text).toContain('listenq_accept_queue_length{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 5\n');
    expect(golden.text).toContain('listenq_accept_queue_limit{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 4\n');
    expect(golden.text).toContain('listenq_listener_drops_total{family="ipv4",address="127.0.0.1",port="8010",slot="0"} 60\n');
    expect(golden.text).toContain('listenq_listen_overflows_total 60\n');
    // The SO_REUSEPORT pair keeps two series; the TCP_DEFER_ACCEPT listener has 3 SYN_RECV.
    expect(count('listenq_accept_queue_length{family="ipv4",address="127.0.0.1",port="8011",')).toBe(2);
    expect(golden.text).toContain('listenq_syn_queue_length{family="ipv4",address="127.0.0.1",port="8020",slot="0"} 3\n');
    expect(golden.text).toContain('listenq_source_up{source="ss"} 1\n');
    expect(golden.openmetrics).toMatch(/\n# EOF\n?$/);
  });
});
