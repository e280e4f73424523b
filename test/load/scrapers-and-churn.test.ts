/**
 * Sustained load as a busy monitoring setup makes it: 100 concurrent scrapers for 60 s,
 * and thousands of listeners opened and closed over two minutes. Functional checks only
 * (errors, series, memory, kernel work per scrape); latency figures live in bench/.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { pick, valueOf } from '../../lab/exposition.js';
import { createNetns, type Netns, PYTHON, QUEUE_HELPER, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('load', () => {
  it('100 concurrent scrapers for 60 s: no errors, and no kernel work caused by scrapes', async () => {
    const many = ns.start([PYTHON, QUEUE_HELPER, 'listen-many', '--addr', '127.0.0.1', '--count', '1000']);
    await many.nextLine();
    // A stand-in ss that counts its runs, then runs the real one.
    const dir = mkdtempSync(join(tmpdir(), 'lq-count-ss-'));
    const calls = join(dir, 'calls');
    writeFileSync(calls, '');
    const ss = join(dir, 'ss');
    writeFileSync(ss, `#!/bin/sh\necho >> ${calls}\nexec ss "$@"\n`);
    chmodSync(ss, 0o755);
    const exp = await startExporter(ns, [`--ss.path=${ss}`, '--sample.interval=1s', '--no-collector.syn-queue']);
    // 1000 listeners plus the exporter's own.
    const before = await waitFor('1001 listeners', async () => {
      const s = await exp.metrics();
      return pick(s, 'listenq_accept_queue_length').length === 1001 ? s : undefined;
    });
    const samplesBefore = valueOf(before, 'listenq_samples_total')!;
    const t0 = performance.now();
    const out = await ns.run([process.execPath, AUTOCANNON, '-c', '100', '-d', '60', '-t', '30', '-j', '--renderStatusCodes', `http://127.0.0.1:${exp.port}/metrics`]);
    const seconds = (performance.now() - t0) / 1000;
    const result = JSON.parse(out) as { errors: number; timeouts: number; non2xx: number; requests: { total: number }; latency: { p99: number; max: number } };
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(1000);
    const after = await exp.metrics();
    const samples = valueOf(after, 'listenq_samples_total')! - samplesBefore;
    // One sample per second whatever the load; thousands of scrapes add no ss runs.
    expect(samples).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    // The listeners come from sock_diag in-process: no ss process, for samples or scrapes.
    expect(valueOf(after, 'listenq_source_up', { source: 'sock_diag' })).toBe(1);
    expect(readFileSync(calls, 'utf8').length).toBe(0);
  }, 150_000);

  it('listener churn: series vanish with their sockets and memory stays flat', async () => {
    const exp = await startExporter(ns, ['--sample.interval=100ms', '--no-collector.syn-queue']);
    const pid = exp.process.child.pid!;
    const churn = ns.start([PYTHON, QUEUE_HELPER, 'churn', '--addr', '127.0.0.1', '--count', '300', '--hold-ms', '250', '--seconds', '120']);
    await churn.nextLine();
    const rss: number[] = [];
    const seriesSeen: number[] = [];
    const start = performance.now();
    while (performance.now() - start < 120_000) {
      await new Promise((r) => setTimeout(r, 10_000));
      rss.push(rssKb(pid));
      seriesSeen.push(pick(await exp.metrics(), 'listenq_accept_queue_length').length);
    }
    const done = JSON.parse(await churn.nextLine(30_000)) as { listeners: number };
    expect(done.listeners).toBeGreaterThan(10_000);
    // Never more than the live generation plus one being replaced: nothing accumulates.
    expect(Math.max(...seriesSeen)).toBeLessThanOrEqual(601);
    // All churned sockets closed: only the exporter's own listener remains.
    const m = await waitFor('churned series gone', async () => {
      const s = await exp.metrics();
      return pick(s, 'listenq_accept_queue_length').length === 1 ? s : undefined;
    });
    expect(pick(m, 'listenq_accept_queue_peak_length')).toHaveLength(1);
    // Flat: RSS at the end within 20 % of RSS after the first 40 s (warm-up).
    const warm = Math.max(...rss.slice(3, 5));
    const end = Math.max(...rss.slice(-2));
    console.log(`[churn] RSS kB every 10 s: ${rss.join(', ')}`);
    expect(end / warm, `RSS kB over time: ${rss.join(', ')}`).toBeLessThan(1.2);
  }, 200_000);
});
