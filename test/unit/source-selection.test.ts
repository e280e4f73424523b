/**
 * Which source gives a sample its sockets: sock_diag when it answers, ss at every sample
 * when it does not, /proc when ss fails too. Every sample reads the whole set, so there is
 * no cadence to wait for and no inference from counts. Scripted sources count the calls
 * exactly; the kernel tests prove the same paths on real sockets.
 */
import { describe, expect, it } from 'vitest';
import type { ListenerRecord } from '../../src/listener/fields.js';
import { NamespaceSampler } from '../../src/sampler/namespace-sampler.js';
import { Sampler } from '../../src/sampler/sampler.js';
import type { SockDiagSource } from '../../src/sources/sock-diag/sock-diag-source.js';
import { silentLog } from '../support/in-process.js';
import { scriptedSampler, scriptedSources } from '../support/scripted.js';

interface Socket {
  inode: number;
  port: number;
  queueLength: number;
  limit: number;
  drops: number;
  device?: string;
}

function failure(code: string): NodeJS.ErrnoException {
  const err = new Error(`scripted ${code}`) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}

function scripted(opts: { foreign?: boolean; synQueueEnabled?: boolean } = {}) {
  const state = {
    sockets: [{ inode: 1, port: 8001, queueLength: 0, limit: 8, drops: 0 }] as Socket[],
    diagError: undefined as NodeJS.ErrnoException | undefined,
    ssFails: false,
    /** SYN_RECV entries the dump finds, and the namespace's InSegs (undefined: unreadable). */
    synRecv: [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }] as Array<{ family: 'ipv4'; address: string; port: number }>,
    inSegs: undefined as number | undefined,
    calls: { diag: 0, diagSyn: 0, ss: 0, ssBoth: 0, proc: 0 },
  };
  const rec = (s: Socket, exact: boolean): ListenerRecord => ({
    family: 'ipv4',
    address: '0.0.0.0',
    port: s.port,
    ...(exact && s.device !== undefined ? { device: s.device } : {}),
    inode: s.inode,
    queueLength: s.queueLength,
    ...(exact ? { limit: s.limit, drops: s.drops } : {}),
  });
  const sockDiag: SockDiagSource = {
    listeners: () => {
      state.calls.diag++;
      if (state.diagError) throw state.diagError;
      return { records: state.sockets.map((s) => rec(s, true)), rejected: 0 };
    },
    lengths: () => ({ records: state.sockets.map((s) => ({ inode: s.inode, queueLength: s.queueLength })), lookedUp: false }),
    synRecv: () => {
      state.calls.diagSyn++;
      return { records: state.synRecv, rejected: 0 };
    },
    close: () => undefined,
  };
  const ssAnswer = () => {
    if (state.ssFails) throw new Error('ss: not found');
    return { records: state.sockets.map((s) => rec(s, true)), rejected: 0 };
  };
  const sources = scriptedSources({
    foreign: opts.foreign ?? false,
    sockDiag,
    ssListeners: async () => {
      state.calls.ss++;
      return ssAnswer();
    },
    ssWithSynRecv: async () => {
      state.calls.ssBoth++;
      return { listeners: ssAnswer(), synRecv: { records: [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }], rejected: 0 } };
    },
    procTcp: async () => {
      state.calls.proc++;
      return { records: state.sockets.map((s) => rec(s, false)), rejected: 0 };
    },
    tcpCounters: () => ({ passiveOpens: 1, ...(state.inSegs !== undefined ? { inSegs: state.inSegs } : {}) }),
  });
  const sampler = scriptedSampler(sources, { intervalMs: 100, synQueueEnabled: opts.synQueueEnabled ?? false, synQueueIntervalMs: 0 });
  const sample = () => sampler.sampleOnce();
  const listeners = async () => (await sample()).namespaces[0]!.listeners;
  return { state, sample, listeners };
}

describe('sock_diag answers', () => {
  it('gives every field and runs neither ss nor /proc', async () => {
    const { state, sample } = scripted();
    state.sockets[0]!.drops = 7;
    const snap = await sample();
    expect(snap.namespaces[0]!.listeners[0]).toMatchObject({ inode: 1, limit: 8, drops: 7, slot: 0 });
    expect(state.calls).toMatchObject({ diag: 1, ss: 0, ssBoth: 0, proc: 0 });
    expect(snap.sources.sock_diag).toMatchObject({ up: true });
    expect(snap.sources.ss).toBeUndefined();
  });

  it('shows a swapped socket at the next sample although the count stands', async () => {
    const { state, listeners } = scripted();
    await listeners();
    state.sockets = [{ inode: 2, port: 8002, queueLength: 0, limit: 1024, drops: 0 }];
    expect((await listeners()).map((l) => [l.inode, l.port, l.limit])).toEqual([[2, 8002, 1024]]);
  });

  it('shows a new limit on the same socket at the next sample (listen() called again)', async () => {
    const { state, listeners } = scripted();
    await listeners();
    state.sockets[0]!.limit = 1024;
    expect((await listeners())[0]).toMatchObject({ inode: 1, limit: 1024 });
  });

  it('reads SYN_RECV from its own dump when the collector is due', async () => {
    const { state, listeners } = scripted({ synQueueEnabled: true });
    expect((await listeners())[0]).toMatchObject({ synRecv: 1 });
    expect(state.calls).toMatchObject({ diagSyn: 1, ssBoth: 0 });
  });
});

describe('sock_diag cannot be asked', () => {
  it('skips the SYN_RECV dump while InSegs stands still after one that found no SYN queue entry', async () => {
    const { state, listeners } = scripted({ synQueueEnabled: true });
    state.synRecv = [];
    state.inSegs = 500;
    expect((await listeners())[0]).toMatchObject({ synRecv: 0 });
    await listeners();
    await listeners();
    expect(state.calls.diagSyn).toBe(1); // no segment arrived, so no SYN: still empty
    state.inSegs = 501; // a segment arrived: it may have been a SYN
    state.synRecv = [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }];
    expect((await listeners())[0]).toMatchObject({ synRecv: 1 });
    expect(state.calls.diagSyn).toBe(2);
    // Entries were found: the dump runs when due whatever InSegs says (they may be gone).
    await listeners();
    expect(state.calls.diagSyn).toBe(3);
  });

  it('runs the SYN-queue collector a second time sooner by its phase, so namespaces found together spread out', async () => {
    const runs = async (phaseMs: number) => {
      const { state } = scripted();
      const ns = new NamespaceSampler(
        scriptedSources({
          sockDiag: {
            listeners: () => ({ records: [], rejected: 0 }),
            lengths: () => ({ records: [], lookedUp: false }),
            synRecv: () => {
              state.calls.diagSyn++;
              return { records: [], rejected: 0 };
            },
            close: () => undefined,
          },
        }),
        { intervalMs: 1000, peakWindowMs: 60_000, synQueueEnabled: true, synQueueIntervalMs: 30_000 },
        phaseMs,
      );
      await ns.sample();
      await ns.sample();
      return state.calls.diagSyn;
    };
    expect(await runs(0)).toBe(1); // due again in 30 s
    expect(await runs(30_000)).toBe(2); // its phase makes it due at once
  });

  it('dumps SYN_RECV whenever due where InSegs cannot be read', async () => {
    const { state, listeners } = scripted({ synQueueEnabled: true });
    state.synRecv = [];
    await listeners();
    await listeners();
    expect(state.calls.diagSyn).toBe(2);
  });

  it('runs ss at every sample, with limits and drops, and says which source served', async () => {
    const { state, sample } = scripted();
    state.diagError = failure('ENOSYS');
    state.sockets[0]!.drops = 3;
    await sample();
    const snap = await sample();
    expect(state.calls.ss).toBe(2);
    expect(state.calls.proc).toBe(0);
    expect(snap.namespaces[0]!.listeners[0]).toMatchObject({ limit: 8, drops: 3 });
    expect(snap.sources.sock_diag).toMatchObject({ up: false });
    expect(snap.sources.ss).toMatchObject({ up: true });
  });

  it('takes SYN_RECV from the same ss run as the listeners: one process start', async () => {
    const { state, listeners } = scripted({ synQueueEnabled: true });
    state.diagError = failure('ENOSYS');
    expect((await listeners())[0]).toMatchObject({ synRecv: 1, limit: 8 });
    expect(state.calls).toMatchObject({ ss: 0, ssBoth: 1 });
  });

  it('falls back to /proc when ss fails too: no limit, no drops, and the device an exact source named', async () => {
    const { state, sample } = scripted();
    state.sockets[0]!.device = 'eth0';
    await sample();
    state.diagError = failure('ENOSYS');
    state.ssFails = true;
    const snap = await sample();
    const l = snap.namespaces[0]!.listeners[0]!;
    expect(l).toMatchObject({ inode: 1, device: 'eth0' });
    expect(l.limit).toBeUndefined();
    expect(l.drops).toBeUndefined();
    expect(snap.sources.ss).toMatchObject({ up: false });
    expect(snap.sources.proc_net_tcp).toMatchObject({ up: true });
  });

  it('does not start nsenter + ss for a namespace it was refused entry to', async () => {
    const { state, listeners } = scripted({ foreign: true });
    state.diagError = failure('EPERM');
    expect((await listeners())[0]).toMatchObject({ inode: 1 });
    expect(state.calls).toMatchObject({ ss: 0, proc: 1 });
  });
});

describe('label sets stay unique', () => {
  it('moves a socket whose device becomes known to a free slot of its new group', async () => {
    const { state, sample } = scripted();
    // Two members of one port: one bound to eth0 from the start, one that is not yet.
    state.sockets = [
      { inode: 1, port: 8001, queueLength: 0, limit: 8, drops: 0, device: 'eth0' },
      { inode: 2, port: 8001, queueLength: 0, limit: 8, drops: 0 },
    ];
    const first = (await sample()).namespaces[0]!.listeners;
    expect(first.map((l) => [l.inode, l.device, l.slot])).toEqual([
      [1, 'eth0', 0],
      [2, undefined, 0],
    ]);
    state.sockets[1]!.device = 'eth0'; // SO_BINDTODEVICE after listen()
    const next = (await sample()).namespaces[0]!.listeners;
    expect(next.map((l) => [l.inode, l.device, l.slot])).toEqual([
      [1, 'eth0', 0],
      [2, 'eth0', 1],
    ]);
  });
});

describe('namespace provider failure', () => {
  it('keeps sampling the last known namespaces with their labels', async () => {
    const sources = scriptedSources({
      ssListeners: async () => ({ records: [{ family: 'ipv4', address: '0.0.0.0', port: 80, queueLength: 0, limit: 8, drops: 0, inode: 1 }], rejected: 0 }),
    });
    let fail = false;
    const provider = () => {
      if (fail) throw new Error('cannot read /proc');
      return [{ key: '42', labels: { netns: '42' }, sources }];
    };
    const sampler = new Sampler(
      provider,
      { intervalMs: 1000, fastIntervalMs: 0, peakWindowMs: 60_000, synQueueEnabled: false, synQueueIntervalMs: 1000, maxListeners: 100 },
      silentLog,
    );
    await sampler.sampleOnce();
    fail = true;
    const snap = await sampler.sampleOnce();
    expect(snap.namespaces.map((n) => n.labels)).toEqual([{ netns: '42' }]);
    expect(snap.namespaces[0]!.listeners).toHaveLength(1);
  });
});

describe('a namespace that goes away during a sample', () => {
  it('leaves the snapshot and marks no source down', async () => {
    let gone = false;
    const failing = async () => {
      if (gone) throw new Error('ENOENT: /proc/4242/net/tcp');
      return { records: [{ family: 'ipv4' as const, address: '0.0.0.0', port: 80, queueLength: 0, inode: 1 }], rejected: 0 };
    };
    const leaving = scriptedSources({ foreign: true, alive: () => !gone, ssListeners: failing, procTcp: failing });
    const staying = scriptedSources({
      ssListeners: async () => ({ records: [{ family: 'ipv4', address: '0.0.0.0', port: 81, queueLength: 0, limit: 8, drops: 0, inode: 2 }], rejected: 0 }),
    });
    const sampler = new Sampler(
      () => [
        { key: 'a', labels: { netns: 'a' }, sources: leaving },
        { key: 'b', labels: { netns: 'b' }, sources: staying },
      ],
      { intervalMs: 1000, fastIntervalMs: 0, peakWindowMs: 60_000, synQueueEnabled: false, synQueueIntervalMs: 1000, maxListeners: 100 },
      silentLog,
    );
    expect((await sampler.sampleOnce()).namespaces).toHaveLength(2);
    gone = true;
    const snap = await sampler.sampleOnce();
    expect(snap.namespaces.map((n) => n.labels['netns'])).toEqual(['b']);
    expect(snap.sources.ss).toMatchObject({ up: true, errorsTotal: 0 });
  });
});
