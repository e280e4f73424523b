/**
 * Node-wide mode: one exporter in the host namespace reports the listeners of three
 * namespaces made by the test, each under its own netns label, with its own counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExporter, startExporter } from '../support/exporter.js';
import { pick, type Sample, valueOf } from '../../lab/exposition.js';
import {
  connectClients,
  createNetns,
  hostNamespace,
  type Listener,
  listen,
  type ManagedProcess,
  type Netns,
  netnsInode,
  tcpExtCounter,
  waitFor,
} from '../../lab/netns.js';

const host = hostNamespace();
const spaces: Netns[] = [];
const listeners: Listener[] = [];
const clients: ManagedProcess[] = [];
let exp: RunningExporter;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const ns = await createNetns('lq-all');
    spaces.push(ns);
    // Different limits per namespace, each queue filled past its limit.
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 2 + i });
    listeners.push(l);
    clients.push(await connectClients(ns, '127.0.0.1', l.port, 10));
  }
});

afterAll(async () => {
  await exp?.stop();
  await host.destroy();
  for (const ns of spaces) await ns.destroy();
});

async function metricsWhere(what: string, ok: (m: Sample[]) => boolean): Promise<Sample[]> {
  return waitFor(what, async () => {
    const m = await exp.metrics();
    return ok(m) ? m : undefined;
  }, 20_000);
}

describe('--namespaces=all', () => {
  it('reports each namespace\'s listener under its netns label with its depth, limit and counters', async () => {
    exp = await startExporter(host, ['--namespaces=all', '--sample.interval=200ms']);
    const m = await metricsWhere('three namespaces', (s) =>
      spaces.every((ns, i) => valueOf(s, 'listenq_accept_queue_length', { netns: netnsInode(ns), port: String(listeners[i]!.port) }) === 3 + i),
    );
    for (const [i, ns] of spaces.entries()) {
      const sel = { netns: netnsInode(ns), port: String(listeners[i]!.port), address: '127.0.0.1' };
      expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(2 + i);
      expect(valueOf(m, 'listenq_listeners', { netns: netnsInode(ns), family: 'ipv4' })).toBe(1);
      expect(valueOf(m, 'listenq_listen_overflows_total', { netns: netnsInode(ns) })).toBeGreaterThan(0);
      expect(valueOf(m, 'listenq_somaxconn', { netns: netnsInode(ns) })).toBe(4096);
      // The namespace's own sockets only: nothing from the other test namespaces.
      expect(pick(m, 'listenq_accept_queue_length', { netns: netnsInode(ns) })).toHaveLength(1);
    }
    expect(valueOf(m, 'listenq_namespaces')).toBeGreaterThanOrEqual(4);
  });

  it('reads each namespace\'s sysctls from inside it, fresh at every sample', async () => {
    const ns = spaces[2]!;
    await ns.sysctl('net.core.somaxconn', '77');
    const m = await metricsWhere('somaxconn 77', (s) => valueOf(s, 'listenq_somaxconn', { netns: netnsInode(ns) }) === 77);
    expect(valueOf(m, 'listenq_somaxconn', { netns: netnsInode(spaces[1]!) })).toBe(4096);
    expect(valueOf(m, 'listenq_source_up', { source: 'sysctl' })).toBe(1);
    await ns.sysctl('net.core.somaxconn', '4096');
  });

  it('gives each namespace\'s dropping listener its own drop counter, from sock_diag in that namespace', async () => {
    const m = await metricsWhere('drops in each namespace', (s) =>
      spaces.every((ns, i) => (valueOf(s, 'listenq_listener_drops_total', { netns: netnsInode(ns), port: String(listeners[i]!.port) }) ?? 0) > 0),
    );
    for (const [i, ns] of spaces.entries()) {
      const sel = { netns: netnsInode(ns), port: String(listeners[i]!.port) };
      // Never more than the namespace's own ListenDrops: the count is that socket's, not another namespace's.
      expect(valueOf(m, 'listenq_listener_drops_total', sel)).toBeLessThanOrEqual(valueOf(m, 'listenq_listen_drops_total', { netns: netnsInode(ns) }) ?? 0);
    }
    expect(valueOf(m, 'listenq_source_up', { source: 'sock_diag' })).toBe(1);
  });

  it('gives each namespace its own overflow counter, equal to the kernel\'s', async () => {
    // Stop the clients in the first namespace so its counter settles, then compare exactly.
    const ns = spaces[0]!;
    await clients[0]!.stop();
    await new Promise((r) => setTimeout(r, 300));
    const kernel = await tcpExtCounter(ns, 'ListenOverflows');
    expect(kernel).toBeGreaterThan(0);
    await metricsWhere(`overflows = ${kernel}`, (s) => valueOf(s, 'listenq_listen_overflows_total', { netns: netnsInode(ns) }) === kernel);
    // The other namespaces' clients still retransmit: their counters move on their own.
    const later = await metricsWhere('others move', (s) => (valueOf(s, 'listenq_listen_overflows_total', { netns: netnsInode(spaces[1]!) }) ?? 0) > kernel);
    expect(valueOf(later, 'listenq_listen_overflows_total', { netns: netnsInode(ns) })).toBe(kernel);
  });

  it('shows a new overflow at once in a namespace that stood idle, its netstat read skipped meanwhile', async () => {
    const ns = await createNetns('lq-all');
    spaces.push(ns);
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 1 });
    const sel = { netns: netnsInode(ns) };
    let m = await metricsWhere('the new namespace', (s) => valueOf(s, 'listenq_accept_queue_limit', { ...sel, port: String(l.port) }) === 1);
    expect(valueOf(m, 'listenq_listen_overflows_total', sel)).toBe(0);
    // No segment for 5 samples: its SYN_RECV walk found none and InSegs stands still, so
    // the sample reuses its netstat counters instead of reading them.
    await new Promise((r) => setTimeout(r, 1000));
    const c = await connectClients(ns, '127.0.0.1', l.port, 5);
    await waitFor('overflows in the kernel', async () => ((await tcpExtCounter(ns, 'ListenOverflows')) > 0 ? true : undefined));
    await c.stop();
    await new Promise((r) => setTimeout(r, 300));
    const kernel = await tcpExtCounter(ns, 'ListenOverflows');
    m = await metricsWhere(`overflows = ${kernel}`, (s) => valueOf(s, 'listenq_listen_overflows_total', sel) === kernel);
    expect(valueOf(m, 'listenq_listen_drops_total', sel)).toBe(await tcpExtCounter(ns, 'ListenDrops'));
  });

  it('drops a namespace once its last process exits', async () => {
    const id = netnsInode(spaces[2]!);
    // The namespace itself stays (ip netns keeps it mounted), but no process lives in it.
    await listeners[2]!.process.stop();
    await clients[2]!.stop();
    const m = await metricsWhere('namespace gone', (s) => !s.some((x) => x.labels['netns'] === id));
    expect(pick(m, 'listenq_listen_overflows_total', { netns: netnsInode(spaces[1]!) })).toHaveLength(1);
    expect(pick(m, 'listenq_accept_queue_length', { netns: netnsInode(spaces[0]!) })).toHaveLength(1);
  });

  it('without CAP_SYS_ADMIN (no setns, no nsenter), depth still flows and the limit and drops are absent', async () => {
    await exp.stop();
    // Root without CAP_SYS_ADMIN: /proc/<pid>/net is readable, entering a namespace is not.
    exp = await startExporter(host, ['--namespaces=all', '--sample.interval=200ms'], process.env, (argv) => [
      'setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin', '--', ...argv,
    ]);
    const id = netnsInode(spaces[1]!);
    const sel = { netns: id, port: String(listeners[1]!.port) };
    const m = await metricsWhere('depth without limit', (s) => valueOf(s, 'listenq_accept_queue_length', sel) === 4);
    expect(pick(m, 'listenq_accept_queue_limit', sel)).toEqual([]);
    expect(pick(m, 'listenq_listener_drops_total', sel)).toEqual([]);
    // Entering the namespace was refused, so ss (which would need nsenter) is not tried.
    expect(valueOf(m, 'listenq_source_up', { source: 'sock_diag' })).toBe(0);
    expect(pick(m, 'listenq_source_up', { source: 'ss' })).toEqual([]);
    expect(valueOf(m, 'listenq_source_up', { source: 'proc_net_tcp' })).toBe(1);
    expect(valueOf(m, 'listenq_listen_overflows_total', { netns: id })).toBeGreaterThan(0);
  });
});
