/**
 * `promtool check metrics` on the whole /metrics body: the exporter's families, the
 * per-socket block and prom-client's process and Node.js defaults alike.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { wire } from '../support/in-process.js';
import { promtoolStdin } from '../support/promtool.js';

describe('promtool check metrics', () => {
  const { sampler, app } = wire();
  afterAll(() => app.close());

  it('finds nothing to lint in the full output', async () => {
    // Listening first, so the sample has at least this socket and the handle gauges a series.
    await app.listen({ host: '127.0.0.1', port: 0 });
    await sampler.sampleOnce();
    await sampler.sampleOnce();
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(body).toMatch(/^listenq_accept_queue_length\{/m);
    expect(body).toMatch(/^process_resident_memory_bytes /m);
    expect(body).toMatch(/^nodejs_active_handles\{type="\w+"\} \d+$/m);
    // prom-client's gauges with a counter's suffix are not registered (docs/decisions.md).
    expect(body).not.toMatch(/^# TYPE nodejs_active_\w+_total /m);
    const r = await promtoolStdin(['check', 'metrics'], body);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('does report a gauge with a _total suffix (the check is live)', async () => {
    const r = await promtoolStdin(['check', 'metrics'], '# HELP x_total A gauge.\n# TYPE x_total gauge\nx_total 1\n');
    expect(r.output).toContain('non-counter metrics should not have "_total" suffix');
    expect(r.code).toBe(3);
  });
});
