/**
 * The sock_diag source's two ways of asking for both families, on a real kernel: one
 * TCPDIAG_GETSOCK dump (the default: one walk of the kernel's hash) and one
 * SOCK_DIAG_BY_FAMILY dump per family (the fallback for a kernel that refuses the first).
 * Both must give the same sockets, fields and order, and agree with ss.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { type SockDiagSource, sockDiagSource } from '../../src/sources/sock-diag/sock-diag-source.js';
import { connectClients, createNetns, listen, type Netns, waitFor } from '../../lab/netns.js';

let ns: Netns;
const opened: SockDiagSource[] = [];
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  await ns.destroy();
});

function source(oneDump: boolean): SockDiagSource {
  const s = sockDiagSource(2000, `/run/netns/${ns.name}`, { oneDump });
  opened.push(s);
  return s;
}

describe('sock_diag: one dump for both families, or one per family', () => {
  it('gives the same listeners, in the same order, as the per-family dumps and ss', async () => {
    const full = await listen(ns, { addr: '127.0.0.1', backlog: 2 });
    await listen(ns, { addr: '::1', backlog: 5 });
    await listen(ns, { addr: '::', backlog: 7, v6only: 0 });
    await listen(ns, { addr: '0.0.0.0', backlog: 9, reuseport: 2 });
    await connectClients(ns, '127.0.0.1', full.port, 6);
    const one = source(true);
    const perFamily = source(false);
    // The full queue settles (3 queued of 2) before the two are compared.
    await waitFor('queue full', async () => (one.listeners().records.find((r) => r.port === full.port)?.queueLength === 3 ? true : undefined));

    const a = one.listeners();
    const b = perFamily.listeners();
    expect(a.rejected).toBe(0);
    expect(a.records).toEqual(b.records);
    expect(a.records.map((r) => r.family)).toEqual(['ipv4', 'ipv4', 'ipv4', 'ipv6', 'ipv6']);
    const ss = parseSsListeners(await ns.run(['ss', '-tnmHeO', 'state', 'listening'])).records;
    const byInode = <T extends { inode: number }>(rs: readonly T[]): T[] => [...rs].sort((x, y) => x.inode - y.inode);
    expect(byInode(a.records).map(({ inode, port, queueLength, limit }) => ({ inode, port, queueLength, limit }))).toEqual(
      byInode(ss).map(({ inode, port, queueLength, limit }) => ({ inode, port, queueLength, limit })),
    );
    // A reuseport group is dumped: a lookup would find one member of it only.
    expect(one.lengths()).toMatchObject({ lookedUp: false });
    expect(byInode(one.lengths().records)).toEqual(byInode(perFamily.lengths().records));
  });

  it('the probe asks each listener by its identity, and dumps once one of them is gone', async () => {
    const full = await listen(ns, { addr: '127.0.0.1', backlog: 2 });
    const v6 = await listen(ns, { addr: '::1', backlog: 5 });
    const dual = await listen(ns, { addr: '::', backlog: 7, v6only: 0 });
    await listen(ns, { addr: '0.0.0.0', backlog: 9 });
    const one = source(true);
    const dumped = source(false);
    await connectClients(ns, '127.0.0.1', full.port, 6);
    await connectClients(ns, '::1', v6.port, 2);
    await waitFor('3 queued of 2, and 2 on ::1', async () => {
      const lengths = one.listeners().records.map((r) => r.queueLength);
      return lengths.includes(3) && lengths.includes(2) ? true : undefined;
    });

    const byInode = <T extends { inode: number }>(rs: readonly T[]): T[] => [...rs].sort((x, y) => x.inode - y.inode);
    const looked = one.lengths();
    expect(looked.lookedUp).toBe(true);
    expect(byInode(looked.records)).toEqual(byInode(dumped.lengths().records));
    expect(looked.records.map((r) => r.queueLength).sort()).toEqual([0, 0, 2, 3]);

    // One more client on ::1: the lookups see the new length.
    await connectClients(ns, '::1', v6.port, 1);
    await waitFor('3 queued on ::1', async () => (one.lengths().records.filter((r) => r.queueLength === 3).length === 2 ? true : undefined));
    expect(one.lengths().lookedUp).toBe(true);

    // One of the four closes: its lookup is refused, and the probe dumps until the next sample.
    await dual.process.stop();
    const after = one.lengths();
    expect(after.lookedUp).toBe(false);
    expect(byInode(after.records)).toEqual(byInode(dumped.lengths().records));
    expect(after.records).toHaveLength(3);
    expect(one.lengths().lookedUp).toBe(false);
    one.listeners();
    expect(one.lengths()).toMatchObject({ lookedUp: true, records: expect.arrayContaining([expect.objectContaining({ queueLength: 3 })]) });
  });

  it('gives the same SYN_RECV entries both ways', async () => {
    const deferred = await listen(ns, { addr: '127.0.0.1', backlog: 16, deferAccept: 30 });
    const deferred6 = await listen(ns, { addr: '::1', backlog: 16, deferAccept: 30 });
    await connectClients(ns, '127.0.0.1', deferred.port, 2);
    await connectClients(ns, '::1', deferred6.port, 3);
    const one = source(true);
    await waitFor('5 half-open', async () => (one.synRecv().records.length === 5 ? true : undefined));
    const key = (e: { family: string; address: string; port: number }) => `${e.family} ${e.address} ${e.port}`;
    const a = one.synRecv().records.map(key).sort();
    expect(a).toEqual(source(false).synRecv().records.map(key).sort());
    expect(a).toEqual([
      `ipv4 127.0.0.1 ${deferred.port}`,
      `ipv4 127.0.0.1 ${deferred.port}`,
      `ipv6 ::1 ${deferred6.port}`,
      `ipv6 ::1 ${deferred6.port}`,
      `ipv6 ::1 ${deferred6.port}`,
    ]);
  });
});
