/**
 * Shutdown as an orchestrator drives it: SIGTERM or SIGINT stops sampling and exits 0
 * within a few seconds; a second signal exits at once.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { createNetns, type Netns } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

function exitOf(child: import('node:child_process').ChildProcess): Promise<{ code: number | null; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, ms: performance.now() - start })));
}

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: exits 0 within a few seconds', async (signal) => {
    const exp = await startExporter(ns);
    await exp.metrics();
    const exited = exitOf(exp.process.child);
    exp.process.child.kill(signal);
    const { code, ms } = await exited;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
    expect(exp.process.stderr()).toMatch(/shutting down/);
  });

  it('a second signal exits at once, without waiting for the sample in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lq-slow-ss-'));
    const slowSs = join(dir, 'ss');
    // Every sample waits ~3 s on this ss, so a graceful stop has a sample to wait for.
    writeFileSync(slowSs, '#!/bin/sh\nexec sleep 3\n');
    chmodSync(slowSs, 0o755);
    const exp = await startExporter(ns, ['--no-source.sock-diag', `--ss.path=${slowSs}`, '--source.timeout=4s', '--sample.interval=50ms']);
    const exited = exitOf(exp.process.child);
    exp.process.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(exp.process.child.exitCode).toBeNull(); // still waiting for the sample
    exp.process.child.kill('SIGTERM');
    const { code, ms } = await exited;
    expect(code).toBe(1);
    expect(ms).toBeLessThan(1500);
    expect(exp.process.stderr()).toMatch(/second signal/);
  });
});
