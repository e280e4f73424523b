/**
 * Per-socket drops (the kernel's sk_drops) on a real kernel: which socket dropped, apart
 * from its healthy neighbours and SO_REUSEPORT siblings, equal to what `ss -m` says, adding
 * up to the namespace's ListenDrops, current within two samples, and restarting with the
 * socket. Through sock_diag, and through ss where sock_diag is off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { pick, type Sample, valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, tcpExtCounter, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

/** sk_drops of the listeners on a port, as `ss -tnmHeO` prints them, by inode. */
async function ssDrops(port: number): Promise<number[]> {
  const out = await ns.run(['ss', '-tnmHeO', 'state', 'listening']);
  return parseSsListeners(out)
    .records.filter((r) => r.port === port)
    .map((r) => r.drops ?? -1);
}

/** The first scrape whose snapshot was sampled entirely after now. */
async function afterNextSample(exp: RunningExporter): Promise<Sample[]> {
  const now = valueOf(await exp.metrics(), 'listenq_samples_total') ?? 0;
  return waitFor('a sample started after now', async () => {
    const m = await exp.metrics();
    return (valueOf(m, 'listenq_samples_total') ?? 0) >= now + 2 ? m : undefined;
  });
}

describe.each([
  ['sock_diag', []],
  ['ss (sock_diag off)', ['--no-source.sock-diag']],
] as const)('per-socket drops through %s', (_name, args) => {
  const start = () => startExporter(ns, ['--sample.interval=300ms', ...args]);

  it('counts at the overflowing listener, not at its healthy neighbour, and as ss -m does', async () => {
    const full = await listen(ns, { addr: '127.0.0.1', backlog: 2 });
    const healthy = await listen(ns, { addr: '127.0.0.1', backlog: 100 });
    const exp = await start();
    await afterNextSample(exp);
    // Drops start while the exporter is running.
    await connectClients(ns, '127.0.0.1', full.port, 10);
    await connectClients(ns, '127.0.0.1', healthy.port, 3);
    const before = await waitFor('ss sees drops', async () => {
      const [d] = await ssDrops(full.port);
      return d !== undefined && d > 0 ? d : undefined;
    });
    // Within two samples of ss seeing them, the exporter shows at least as many, and never
    // more than ss sees after the scrape.
    const m = await afterNextSample(exp);
    const [after] = await ssDrops(full.port);
    const exported = valueOf(m, 'listenq_listener_drops_total', { port: String(full.port) });
    expect(exported).toBeGreaterThanOrEqual(before);
    expect(exported).toBeLessThanOrEqual(after!);
    expect(valueOf(m, 'listenq_listener_drops_total', { port: String(healthy.port) })).toBe(0);
    expect(valueOf(m, 'listenq_listener_drops_total', { port: String(healthy.port) })).toBe((await ssDrops(healthy.port))[0]);
  });

  it('tells SO_REUSEPORT members apart: only the full one drops', async () => {
    const small = await listen(ns, { addr: '127.0.0.1', backlog: 1, reuseport: 1 });
    await listen(ns, { addr: '127.0.0.1', backlog: 100, reuseport: 1, port: small.port });
    const exp = await start();
    await connectClients(ns, '127.0.0.1', small.port, 20);
    const m = await waitFor('the small member drops', async () => {
      const s = await exp.metrics();
      const members = pick(s, 'listenq_accept_queue_limit', { port: String(small.port) });
      const small1 = members.find((x) => x.value === 1);
      if (members.length !== 2 || !small1) return undefined;
      return (valueOf(s, 'listenq_listener_drops_total', { port: String(small.port), slot: small1.labels['slot']! }) ?? 0) > 0 ? s : undefined;
    });
    const big = pick(m, 'listenq_accept_queue_limit', { port: String(small.port) }).find((x) => x.value === 100)!;
    expect(valueOf(m, 'listenq_listener_drops_total', { port: String(small.port), slot: big.labels['slot']! })).toBe(0);
  });

  it('adds up to the namespace\'s ListenDrops when every drop was at a socket still open', async () => {
    const a = await listen(ns, { addr: '127.0.0.1', backlog: 1 });
    const b = await listen(ns, { addr: '::1', backlog: 2 });
    const exp = await start();
    const ca = await connectClients(ns, '127.0.0.1', a.port, 8);
    const cb = await connectClients(ns, '::1', b.port, 8);
    await waitFor('drops at both', async () => ((await ssDrops(a.port))[0]! > 0 && (await ssDrops(b.port))[0]! > 0 ? true : undefined));
    // Stop the clients so that no SYN is retransmitted any more: the counters stand still.
    await ca.stop();
    await cb.stop();
    await new Promise((r) => setTimeout(r, 300));
    const kernel = await tcpExtCounter(ns, 'ListenDrops');
    const m = await afterNextSample(exp);
    const perSocket = pick(m, 'listenq_listener_drops_total').reduce((sum, s) => sum + s.value, 0);
    expect(perSocket).toBe(kernel);
    expect(valueOf(m, 'listenq_listen_drops_total')).toBe(kernel);
  });

  it('restarts from the new socket\'s count when a listener is replaced in its slot (a counter reset)', async () => {
    const first = await listen(ns, { addr: '127.0.0.1', backlog: 1 });
    const exp = await start();
    const clients = await connectClients(ns, '127.0.0.1', first.port, 8);
    const sel = { address: '127.0.0.1', port: String(first.port), slot: '0' };
    await waitFor('drops', async () => ((valueOf(await exp.metrics(), 'listenq_listener_drops_total', sel) ?? 0) > 0 ? true : undefined));
    await clients.stop();
    await first.process.stop();
    await listen(ns, { addr: '127.0.0.1', backlog: 1, port: first.port });
    expect(valueOf(await afterNextSample(exp), 'listenq_listener_drops_total', sel)).toBe(0);
  });
});
