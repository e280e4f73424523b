import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { wire } from '../support/in-process.js';

function promtoolCheckMetrics(input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error('promtool not found: install the Debian package "prometheus" (.ci/run does)'));
        return;
      }
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
    child.stdin!.end(input);
  });
}

describe('promtool check metrics', () => {
  const { sampler, app } = wire();
  afterAll(() => app.close());

  it('finds nothing to lint in the exporter\'s own metrics', async () => {
    await sampler.sampleOnce();
    await sampler.sampleOnce();
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    // prom-client's nodejs_* defaults trip promtool's counter-suffix lint; ours must not.
    const own = body
      .split('\n\n')
      .filter((block) => /^# HELP listenq_/.test(block))
      .join('\n\n');
    expect(own).toContain('listenq_accept_queue_length');
    const r = await promtoolCheckMetrics(`${own}\n`);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
