/**
 * Bursts shorter than the sample interval: the fast probe between full samples must put
 * them in the peak and in the full time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, PYTHON, QUEUE_HELPER, vethBetween, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

/** A listener that fills and drains its queue once told to (a line on its stdin). */
async function burstListener(count: number) {
  const p = ns.start([
    PYTHON, QUEUE_HELPER, 'burst', '--addr', '127.0.0.1', '--backlog', '4',
    '--hold-ms', '250', '--gap-ms', '400', '--count', String(count), '--go-on-stdin',
  ]);
  const { port } = JSON.parse(await p.nextLine()) as { port: number };
  return { port, p, go: () => p.child.stdin!.write('\n') };
}

describe('fast path', () => {
  it('catches a 250 ms burst between two full samples 1 hour apart', async () => {
    const { port, p, go } = await burstListener(1);
    // Full samples only at start: anything seen later came through the probe.
    const exp = await startExporter(ns, ['--sample.interval=1h', '--sample.fast-interval=50ms']);
    const sel = { port: String(port) };
    const before = await exp.metrics();
    expect(valueOf(before, 'listenq_accept_queue_peak_length', sel)).toBe(0);
    expect(valueOf(before, 'listenq_accept_queue_limit', sel)).toBe(4);
    go();
    const m = await waitFor('peak 5 from the probe', async () => {
      const s = await exp.metrics();
      return valueOf(s, 'listenq_accept_queue_peak_length', sel) === 5 ? s : undefined;
    });
    expect(valueOf(m, 'listenq_samples_total')).toBe(1);
    await waitFor('burst done', async () => ((await p.nextLine(5000)).includes('done') ? true : undefined));
    const after = await exp.metrics();
    // Held full for ~250 ms: credited with roughly that, never more than the burst lasted.
    const full = valueOf(after, 'listenq_accept_queue_full_seconds_total', sel)!;
    expect(full).toBeGreaterThan(0.1);
    expect(full).toBeLessThan(0.6);
    expect(valueOf(after, 'listenq_accept_queue_length', sel)).toBe(0);
    expect(valueOf(after, 'listenq_accept_queue_peak_length', sel)).toBe(5);
  });

  it('with the probe off, the same burst between samples goes unseen', async () => {
    const { port, p, go } = await burstListener(1);
    const exp = await startExporter(ns, ['--sample.interval=1h', '--sample.fast-interval=0s']);
    go();
    await waitFor('burst done', async () => ((await p.nextLine(5000)).includes('done') ? true : undefined));
    const m = await exp.metrics();
    expect(valueOf(m, 'listenq_accept_queue_peak_length', { port: String(port) })).toBe(0);
  });

  it('sees connections that arrive over a real device while the probe had stood down on /proc/net/dev', async () => {
    const clients = await createNetns();
    try {
      const addr = await vethBetween(ns, clients);
      const l = await listen(ns, { addr, backlog: 4 });
      const exp = await startExporter(ns, ['--sample.interval=1h', '--sample.fast-interval=50ms']);
      const sel = { port: String(l.port) };
      expect(valueOf(await exp.metrics(), 'listenq_accept_queue_limit', sel)).toBe(4);
      // No scrape and no packet for a while: the probe reads /proc/net/dev, finds it as it
      // was, and looks no further.
      await new Promise((r) => setTimeout(r, 600));
      const held = await connectClients(clients, addr, l.port, 7);
      await new Promise((r) => setTimeout(r, 800));
      // The first scrape since: the probe must have seen the queue fill over the veth on
      // its own, and timed it full from then (a probe woken by this scrape would credit ~0).
      const m = await exp.metrics();
      expect(valueOf(m, 'listenq_samples_total')).toBe(1);
      expect(valueOf(m, 'listenq_accept_queue_peak_length', sel)).toBe(5);
      expect(valueOf(m, 'listenq_accept_queue_full_seconds_total', sel)).toBeGreaterThan(0.4);
      await held.stop();
    } finally {
      await clients.destroy();
    }
  });
});
