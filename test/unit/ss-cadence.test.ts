/**
 * When ss runs: at the first sample, every --ss.interval, at once for a socket it has not
 * described, and the /proc tables carry the lengths in between. Scripted sources count
 * the calls exactly; the kernel tests prove the same paths on real sockets.
 */
import { describe, expect, it } from 'vitest';
import type { ListenerRecord } from '../../src/sources/listener-record.js';
import { Sampler } from '../../src/sampler/sampler.js';
import { silentLog } from '../support/in-process.js';
import { scriptedSampler, scriptedSources } from '../support/scripted.js';

function scripted() {
  const state = { ssCalls: 0, procCalls: 0, ssFails: false, inUse: undefined as number | undefined, opens: 1, sockets: [{ inode: 1, depth: 0, limit: 8 }] };
  const rec = (s: { inode: number; depth: number; limit: number }, withLimit: boolean): ListenerRecord => ({
    family: 'ipv4',
    address: '0.0.0.0',
    port: 8000 + s.inode,
    depth: s.depth,
    inode: s.inode,
    ...(withLimit ? { limit: s.limit } : {}),
  });
  const sources = scriptedSources({
    ssListeners: async () => {
      state.ssCalls++;
      if (state.ssFails) throw new Error('ss: not found');
      return { records: state.sockets.map((s) => rec(s, true)), rejected: 0 };
    },
    procTcp: async () => {
      state.procCalls++;
      return { records: state.sockets.map((s) => rec(s, false)), rejected: 0 };
    },
    // Sockets in use: the listeners, plus one connection unless a test says otherwise.
    tcpInUse: () => ({ ipv4: state.inUse ?? state.sockets.length + 1, ipv6: 0 }),
    passiveOpens: () => state.opens,
  });
  const sampler = scriptedSampler(sources, { intervalMs: 100, ssIntervalMs: 60_000 });
  const listeners = async () => (await sampler.sampleOnce()).namespaces[0]!.listeners;
  return { state, listeners };
}

describe('ss cadence', () => {
  it('runs ss first, then reads lengths from /proc with the limits ss gave', async () => {
    const { state, listeners } = scripted();
    expect((await listeners())[0]).toMatchObject({ inode: 1, limit: 8 });
    expect(state.ssCalls).toBe(1);
    state.sockets[0]!.depth = 3;
    const l = await listeners();
    expect(state.ssCalls).toBe(1);
    expect(state.procCalls).toBe(1);
    expect(l[0]).toMatchObject({ inode: 1, depth: 3, limit: 8 });
  });

  it('runs ss at once for a socket it has not described', async () => {
    const { state, listeners } = scripted();
    await listeners();
    state.sockets.push({ inode: 2, depth: 0, limit: 16 });
    const l = await listeners();
    expect(state.ssCalls).toBe(2);
    expect(l.find((x) => x.inode === 2)).toMatchObject({ limit: 16 });
  });

  it('drops a closed socket without asking ss', async () => {
    const { state, listeners } = scripted();
    state.sockets.push({ inode: 2, depth: 0, limit: 16 });
    await listeners();
    state.sockets.shift();
    const l = await listeners();
    expect(state.ssCalls).toBe(1);
    expect(l.map((x) => x.inode)).toEqual([2]);
  });

  it('when ss fails, /proc carries the sockets and no limit is claimed', async () => {
    const { state, listeners } = scripted();
    state.ssFails = true;
    const l = await listeners();
    expect(l[0]).toMatchObject({ inode: 1 });
    expect(l[0]!.limit).toBeUndefined();
    // Until ss succeeds it is tried at every sample.
    await listeners();
    expect(state.ssCalls).toBe(2);
  });
});

describe('idle families', () => {
  it('does not read a table whose family has only the listeners it had: every queue is empty', async () => {
    const { state, listeners } = scripted();
    await listeners();
    // tcpInUse says 1 IPv4 socket: the one listener; PassiveOpens has not moved.
    state.inUse = 1;
    await listeners(); // first look at the tables: reads, and notes PassiveOpens
    expect(state.procCalls).toBe(1);
    state.sockets[0]!.depth = 5; // what a read would show if it happened
    const l = await listeners();
    expect(state.procCalls).toBe(1);
    expect(state.ssCalls).toBe(1);
    expect(l[0]).toMatchObject({ inode: 1, depth: 0, limit: 8 });
    // A completed handshake (PassiveOpens moves) means a queue may hold it: read again.
    state.opens++;
    expect((await listeners())[0]).toMatchObject({ depth: 5 });
    expect(state.procCalls).toBe(2);
  });
});

describe('quiet namespaces', () => {
  it('skips the table when nothing arrived, the socket count stands and every queue was empty', async () => {
    const { state, listeners } = scripted(); // 1 listener + 1 other socket in use
    await listeners(); // ss
    await listeners(); // reads: no baseline yet
    expect(state.procCalls).toBe(1);
    await listeners();
    expect(state.procCalls).toBe(1); // nothing can have changed
    state.inUse = 3; // a socket more: read again
    await listeners();
    expect(state.procCalls).toBe(2);
  });

  it('keeps reading while a queue holds connections (accept() drains without any signal)', async () => {
    const { state, listeners } = scripted();
    state.sockets[0]!.depth = 2;
    await listeners();
    await listeners();
    await listeners();
    expect(state.procCalls).toBe(2);
  });
});

describe('namespace provider failure', () => {
  it('keeps sampling the last known namespaces with their labels', async () => {
    const sources = scriptedSources({
      ssListeners: async () => ({ records: [{ family: 'ipv4', address: '0.0.0.0', port: 80, depth: 0, limit: 8, inode: 1 }], rejected: 0 }),
    });
    let fail = false;
    const provider = () => {
      if (fail) throw new Error('cannot read /proc');
      return [{ key: '42', labels: { netns: '42' }, sources }];
    };
    const sampler = new Sampler(
      provider,
      { intervalMs: 1000, ssIntervalMs: 0, fastIntervalMs: 0, peakWindowMs: 60_000, synQueueEnabled: false, synQueueIntervalMs: 1000, maxListeners: 100 },
      silentLog,
    );
    await sampler.sampleOnce();
    fail = true;
    const snap = await sampler.sampleOnce();
    expect(snap.namespaces.map((n) => n.labels)).toEqual([{ netns: '42' }]);
    expect(snap.namespaces[0]!.listeners).toHaveLength(1);
  });
});

describe('SYN_RECV in the listener dump', () => {
  function counted(opts: { ssIntervalMs: number; synQueueIntervalMs: number }) {
    const calls = { alone: 0, both: 0 };
    const listener: ListenerRecord = { family: 'ipv4', address: '0.0.0.0', port: 8001, depth: 0, limit: 8, inode: 1 };
    const sources = scriptedSources({
      ssListeners: async () => {
        calls.alone++;
        return { records: [listener], rejected: 0 };
      },
      ssWithSynRecv: async () => {
        calls.both++;
        return {
          listeners: { records: [listener], rejected: 0 },
          synRecv: { records: [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }], rejected: 0 },
        };
      },
      procTcp: async () => ({ records: [{ ...listener, limit: undefined }], rejected: 0 }),
      tcpInUse: () => ({ ipv4: 2, ipv6: 0 }),
      passiveOpens: () => 1,
    });
    const sampler = scriptedSampler(sources, { intervalMs: 100, synQueueEnabled: true, ...opts });
    return { calls, sampler };
  }

  it('comes from the ss run that dumps the listeners: one process start, never two', async () => {
    const { calls, sampler } = counted({ ssIntervalMs: 60_000, synQueueIntervalMs: 0 });
    let snap;
    for (let i = 0; i < 3; i++) snap = await sampler.sampleOnce();
    expect(calls).toEqual({ alone: 0, both: 3 });
    expect(snap!.namespaces[0]!.listeners[0]).toMatchObject({ inode: 1, limit: 8, synRecv: 1 });
    expect(snap!.sources.syn_recv).toMatchObject({ up: true });
  });

  it('lets ss run alone in between when it is due more often than SYN_RECV', async () => {
    const { calls, sampler } = counted({ ssIntervalMs: 0, synQueueIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await sampler.sampleOnce();
    expect(calls).toEqual({ alone: 2, both: 1 });
  });

  it('reports both sources down when that ss run fails', async () => {
    const sources = scriptedSources({
      ssWithSynRecv: async () => {
        throw new Error('ss: not found');
      },
      procTcp: async () => ({ records: [{ family: 'ipv4', address: '0.0.0.0', port: 8001, depth: 0, inode: 1 }], rejected: 0 }),
    });
    const snap = await scriptedSampler(sources, { synQueueEnabled: true }).sampleOnce();
    expect(snap.sources.ss).toMatchObject({ up: false });
    expect(snap.sources.syn_recv).toMatchObject({ up: false });
    expect(snap.namespaces[0]!.listeners.map((l) => l.inode)).toEqual([1]);
  });
});
