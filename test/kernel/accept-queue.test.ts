/**
 * The exporter against the real kernel: each test makes its own network namespace, real
 * listeners that never accept and real clients, then reads /metrics as a scraper would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { pick, type Sample, valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, NO_NETLINK, type Netns, tcpExtCounter, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

async function metricsWhere(exp: RunningExporter, what: string, ok: (m: Sample[]) => boolean): Promise<Sample[]> {
  return waitFor(what, async () => {
    const m = await exp.metrics();
    return ok(m) ? m : undefined;
  });
}

describe('accept queue on a real kernel', () => {
  it('listen(4) with 20 clients: depth 5, limit 4, overflow counter equal to the kernel', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns);
    const clients = await connectClients(ns, '127.0.0.1', l.port, 20);
    const sel = { family: 'ipv4', address: '127.0.0.1', port: String(l.port), slot: '0' };
    let m = await metricsWhere(exp, 'depth 5', (s) => valueOf(s, 'listenq_accept_queue_length', sel) === 5);
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(4);
    expect(valueOf(m, 'listenq_accept_queue_peak_length', sel)).toBe(5);
    expect(valueOf(m, 'listenq_listen_overflows_total')).toBeGreaterThan(0);
    // Full (5 > 4) for several samples: time accrues.
    m = await metricsWhere(exp, 'full seconds', (s) => (valueOf(s, 'listenq_accept_queue_full_seconds_total', sel) ?? 0) >= 0.3);

    // Once the clients are gone, SYN retransmits stop and the kernel counter is stable.
    await clients.stop();
    await new Promise((r) => setTimeout(r, 300));
    const kernel = await tcpExtCounter(ns, 'ListenOverflows');
    const drops = await tcpExtCounter(ns, 'ListenDrops');
    expect(kernel).toBeGreaterThan(0);
    m = await metricsWhere(exp, `overflows = ${kernel}`, (s) => valueOf(s, 'listenq_listen_overflows_total') === kernel);
    expect(valueOf(m, 'listenq_listen_drops_total')).toBe(drops);
  });

  it('somaxconn=3 then listen(4) gives limit 3; listen() again changes it', async () => {
    await ns.sysctl('net.core.somaxconn', '3');
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4, relisten: 50 });
    // A second listen() changes the limit of a socket already seen: the next sample shows it.
    const exp = await startExporter(ns, []);
    const sel = { address: '127.0.0.1', port: String(l.port) };
    let m = await metricsWhere(exp, 'limit 3', (s) => valueOf(s, 'listenq_accept_queue_limit', sel) === 3);
    expect(valueOf(m, 'listenq_somaxconn')).toBe(3);
    // Raising somaxconn changes nothing until the application calls listen() again.
    await ns.sysctl('net.core.somaxconn', '100');
    m = await metricsWhere(exp, 'somaxconn 100', (s) => valueOf(s, 'listenq_somaxconn') === 100);
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(3);
    l.process.child.stdin!.write('\n');
    await l.process.nextLine();
    await metricsWhere(exp, 'limit 50', (s) => valueOf(s, 'listenq_accept_queue_limit', sel) === 50);
  });

  it('IPv6 and dual-stack listeners, with IPv4 clients counted on the dual-stack socket', async () => {
    const v6 = await listen(ns, { addr: '::1', backlog: 8 });
    const dual = await listen(ns, { addr: '::', backlog: 8, v6only: 0 });
    const exp = await startExporter(ns);
    await connectClients(ns, '::1', v6.port, 2);
    await connectClients(ns, '127.0.0.1', dual.port, 3);
    const v6sel = { family: 'ipv6', address: '::1', port: String(v6.port) };
    const dualSel = { family: 'ipv6', address: '::', port: String(dual.port) };
    const m = await metricsWhere(
      exp,
      'IPv6 depths',
      (s) => valueOf(s, 'listenq_accept_queue_length', v6sel) === 2 && valueOf(s, 'listenq_accept_queue_length', dualSel) === 3,
    );
    expect(valueOf(m, 'listenq_accept_queue_limit', v6sel)).toBe(8);
    expect(valueOf(m, 'listenq_accept_queue_limit', dualSel)).toBe(8);
    expect(valueOf(m, 'listenq_listeners', { family: 'ipv6' })).toBe(2);
    // The exporter's own HTTP socket is the namespace's only IPv4 listener.
    expect(valueOf(m, 'listenq_listeners', { family: 'ipv4' })).toBe(1);
  });

  it('two SO_REUSEPORT sockets on one port get two distinct, correct series', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 16, reuseport: 2 });
    const exp = await startExporter(ns);
    await connectClients(ns, '127.0.0.1', l.port, 10);
    const sel = { address: '127.0.0.1', port: String(l.port) };
    const m = await metricsWhere(exp, 'both sockets, 10 queued', (s) => {
      const series = pick(s, 'listenq_accept_queue_length', sel);
      return series.length === 2 && series.reduce((a, b) => a + b.value, 0) === 10;
    });
    const series = pick(m, 'listenq_accept_queue_length', sel);
    expect(series.map((s) => s.labels['slot']).sort()).toEqual(['0', '1']);
    // Each series carries one socket's own depth, as ss shows it per socket.
    const ss = parseSsListeners(await ns.run(['ss', '-tnHe', 'state', 'listening'])).records.filter((r) => r.port === l.port);
    expect(series.map((s) => s.value).sort()).toEqual(ss.map((r) => r.queueLength).sort());
    expect(pick(m, 'listenq_accept_queue_limit', sel).map((s) => s.value)).toEqual([16, 16]);
  });

  it('a listener that closes leaves /metrics at the next sample', async () => {
    const a = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const b = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns);
    const has = (s: Sample[], port: number) => pick(s, 'listenq_accept_queue_length', { port: String(port) }).length === 1;
    await metricsWhere(exp, 'both listeners', (s) => has(s, a.port) && has(s, b.port));
    await a.process.stop();
    const m = await metricsWhere(exp, 'closed listener gone', (s) => !has(s, a.port));
    expect(has(m, b.port)).toBe(true);
    for (const name of ['listenq_accept_queue_limit', 'listenq_accept_queue_peak_length', 'listenq_accept_queue_full_seconds_total']) {
      expect(pick(m, name, { port: String(a.port) })).toEqual([]);
    }
  });

  it('without ss on PATH, sock_diag still gives length, limit and drops', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns, [], { ...process.env, PATH: '/nonexistent' });
    await connectClients(ns, '127.0.0.1', l.port, 3);
    const sel = { address: '127.0.0.1', port: String(l.port) };
    const m = await metricsWhere(exp, 'depth 3', (s) => valueOf(s, 'listenq_accept_queue_length', sel) === 3);
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(4);
    expect(valueOf(m, 'listenq_listener_drops_total', sel)).toBe(0);
    expect(valueOf(m, 'listenq_source_up', { source: 'sock_diag' })).toBe(1);
    expect(pick(m, 'listenq_source_up', { source: 'ss' })).toEqual([]);
  });

  it('where netlink is refused (seccomp), sock_diag and ss are down and depth flows from /proc', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns, [], process.env, (argv) => [NO_NETLINK, ...argv]);
    await connectClients(ns, '127.0.0.1', l.port, 3);
    const sel = { address: '127.0.0.1', port: String(l.port) };
    const m = await metricsWhere(exp, 'depth 3 from /proc', (s) => valueOf(s, 'listenq_accept_queue_length', sel) === 3);
    expect(valueOf(m, 'listenq_source_up', { source: 'sock_diag' })).toBe(0);
    // ss falls back to /proc on its own there, printing Send-Q 0: taken as a failure, not as limit 0.
    expect(valueOf(m, 'listenq_source_up', { source: 'ss' })).toBe(0);
    expect(valueOf(m, 'listenq_source_up', { source: 'proc_net_tcp' })).toBe(1);
    expect(valueOf(m, 'listenq_source_up', { source: 'netstat' })).toBe(1);
    expect(pick(m, 'listenq_accept_queue_limit', sel)).toEqual([]);
    expect(pick(m, 'listenq_listener_drops_total', sel)).toEqual([]);
    expect(valueOf(m, 'listenq_somaxconn')).toBe(4096);
  });

  it('with sock_diag off and no ss on PATH, depth flows from /proc and ss is reported down', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns, ['--no-source.sock-diag'], { ...process.env, PATH: '/nonexistent' });
    await connectClients(ns, '127.0.0.1', l.port, 3);
    const sel = { address: '127.0.0.1', port: String(l.port) };
    const m = await metricsWhere(exp, 'depth 3 from /proc', (s) => valueOf(s, 'listenq_accept_queue_length', sel) === 3);
    expect(pick(m, 'listenq_source_up', { source: 'sock_diag' })).toEqual([]);
    expect(valueOf(m, 'listenq_source_up', { source: 'ss' })).toBe(0);
    expect(valueOf(m, 'listenq_source_up', { source: 'proc_net_tcp' })).toBe(1);
    expect(valueOf(m, 'listenq_source_errors_total', { source: 'ss' })).toBeGreaterThan(0);
    expect(pick(m, 'listenq_accept_queue_limit', sel)).toEqual([]);
  });

  it('every listener kind gets the labels and numbers ss shows, with no duplicate label sets', async () => {
    await ns.run(['ip', 'link', 'add', 'vq0', 'type', 'veth', 'peer', 'name', 'vq1']);
    await ns.run(['ip', 'link', 'set', 'vq0', 'up']);
    await ns.run(['ip', 'link', 'set', 'vq1', 'up']);
    await ns.run(['ip', 'addr', 'add', 'fe80::1/64', 'dev', 'vq0', 'nodad']);
    const kinds = [
      { addr: '0.0.0.0', backlog: 16 },
      { addr: '0.0.0.0', backlog: 16, device: 'lo' },
      { addr: '::1', backlog: 16 },
      { addr: '::', backlog: 16, v6only: 1 as const },
      { addr: '::', backlog: 16, v6only: 0 as const },
      { addr: 'fe80::1%vq0', backlog: 16 },
      { addr: '::ffff:127.0.0.1', backlog: 16 },
      { addr: '127.0.0.1', backlog: 0 },
    ];
    const ports: number[] = [];
    for (const k of kinds) ports.push((await listen(ns, k)).port);
    await connectClients(ns, '127.0.0.1', ports[6]!, 2);
    const exp = await startExporter(ns);
    const m = await metricsWhere(exp, 'all kinds', (s) =>
      ports.every((p) => pick(s, 'listenq_accept_queue_length', { port: String(p) }).length === 1) &&
      valueOf(s, 'listenq_accept_queue_length', { port: String(ports[6]) }) === 2,
    );
    const ss = parseSsListeners(await ns.run(['ss', '-tnHe', 'state', 'listening'])).records.filter((r) => ports.includes(r.port));
    expect(ss).toHaveLength(kinds.length);
    for (const r of ss) {
      const labels: Record<string, string> = { family: r.family, address: r.address, port: String(r.port), slot: '0' };
      if (r.device) labels['device'] = r.device;
      const series = pick(m, 'listenq_accept_queue_length', { port: String(r.port) });
      expect(series).toHaveLength(1);
      expect(series[0]!.labels).toEqual(labels);
      expect(valueOf(m, 'listenq_accept_queue_limit', labels)).toBe(r.limit);
    }
    expect(valueOf(m, 'listenq_accept_queue_limit', { port: String(ports[1]) })).toBe(16);
    expect(pick(m, 'listenq_accept_queue_length', { port: String(ports[1]), device: 'lo' })).toHaveLength(1);
    expect(pick(m, 'listenq_accept_queue_length', { port: String(ports[5]), address: 'fe80::1', device: 'vq0' })).toHaveLength(1);
    const seen = new Set<string>();
    for (const s of m) {
      const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('counts SYN_RECV per listener', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 16, deferAccept: 30 });
    const other = await listen(ns, { addr: '0.0.0.0', backlog: 16 });
    const exp = await startExporter(ns, ['--collector.syn-queue.interval=100ms']);
    await connectClients(ns, '127.0.0.1', l.port, 3);
    const m = await metricsWhere(exp, '3 half-open', (s) => valueOf(s, 'listenq_syn_queue_length', { port: String(l.port) }) === 3);
    expect(valueOf(m, 'listenq_syn_queue_length', { port: String(other.port) })).toBe(0);
    expect(valueOf(m, 'listenq_source_up', { source: 'syn_recv' })).toBe(1);
  });
});

describe('cardinality guard', () => {
  it('--max-listeners keeps the most loaded sockets and reports how many it left out', async () => {
    const quiet = [];
    for (let i = 0; i < 4; i++) quiet.push(await listen(ns, { addr: '127.0.0.1', backlog: 16 }));
    const busy = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    await connectClients(ns, '127.0.0.1', busy.port, 3);
    const exp = await startExporter(ns, ['--max-listeners=2']);
    const m = await waitFor('capped', async () => {
      const s = await exp.metrics();
      // The exporter's own HTTP socket opens after its first sample.
      const ready = valueOf(s, 'listenq_accept_queue_length', { port: String(busy.port) }) === 3 && valueOf(s, 'listenq_listeners', { family: 'ipv4' }) === 6;
      return ready ? s : undefined;
    });
    expect(pick(m, 'listenq_accept_queue_length')).toHaveLength(2);
    // 4 quiet + 1 busy + the exporter's own HTTP socket = 6 listeners, 2 exported.
    expect(valueOf(m, 'listenq_listeners_dropped')).toBe(4);
    expect(valueOf(m, 'listenq_listeners', { family: 'ipv4' })).toBe(6);
    expect(exp.process.stderr()).toMatch(/more listening sockets than --max-listeners/);
  });
});

describe('process names', () => {
  it('--collector.process-names labels each socket with its owner and counts the unattributed', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    const exp = await startExporter(ns, ['--collector.process-names']);
    const m = await waitFor('owners', async () => {
      const s = await exp.metrics();
      return pick(s, 'listenq_accept_queue_length').length === 2 ? s : undefined;
    });
    const comm = (await ns.run(['cat', `/proc/${l.process.child.pid}/comm`])).trim();
    expect(pick(m, 'listenq_accept_queue_length', { port: String(l.port) })[0]!.labels['process']).toBe(comm);
    expect(pick(m, 'listenq_accept_queue_length', { port: String(exp.port) })[0]!.labels['process']).toBe('node');
    expect(valueOf(m, 'listenq_listeners_unattributed')).toBe(0);
  });
});
