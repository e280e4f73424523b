/**
 * The two reads a sample skips only when nothing can have changed: the netstat read while
 * no segment arrived and no request socket exists, and the SYN_RECV walk, which in a
 * namespace with traffic but no sign of a lasting request socket waits for its turn (one
 * such walk a sample over all namespaces, oldest first). Scripted sources count the calls;
 * the kernel tests prove the counters on real sockets.
 */
import { describe, expect, it } from 'vitest';
import type { KernelCounter } from '../../src/sources/netstat.js';
import type { NamespaceProvider } from '../../src/namespaces/sampled-namespace.js';
import { NamespaceSampler } from '../../src/sampler/namespace-sampler.js';
import { Sampler } from '../../src/sampler/sampler.js';
import type { KernelSources } from '../../src/sources/kernel-sources.js';
import { silentLog } from '../support/in-process.js';
import { scriptedSources } from '../support/scripted.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One namespace's scripted kernel: InSegs, the TcpExt counters, and SYN_RECV entries found. */
function kernel() {
  const k = {
    inSegs: 500 as number | undefined,
    tcpExt: { ListenOverflows: 0, ListenDrops: 0, TCPSynRetrans: 0, TCPReqQFullDrop: 0, TCPReqQFullDoCookies: 0, SyncookiesSent: 0 } as Record<string, number>,
    synRecv: [] as Array<{ family: 'ipv4'; address: string; port: number }>,
    calls: { netstat: 0, synRecv: 0 },
  };
  const sources: KernelSources = scriptedSources({
    sockDiag: {
      listeners: () => ({ records: [], rejected: 0 }),
      lengths: () => ({ records: [], lookedUp: false }),
      synRecv: () => {
        k.calls.synRecv++;
        return { records: k.synRecv, rejected: 0 };
      },
      close: () => undefined,
    },
    netstat: async () => {
      k.calls.netstat++;
      const records: KernelCounter[] = Object.entries(k.tcpExt).map(([name, value]) => ({ group: 'TcpExt', name, value }));
      return { records, rejected: 0 };
    },
    tcpCounters: () => (k.inSegs === undefined ? {} : { passiveOpens: 1, inSegs: k.inSegs }),
  });
  return { k, sources };
}

const INTERVAL_MS = 10;

/** Samples 3 intervals apart: the SYN-queue collector is due again at the 5th. */
function namespaceSampler(sources: KernelSources, synQueueEnabled = true) {
  return new NamespaceSampler(sources, { intervalMs: INTERVAL_MS, peakWindowMs: 60_000, synQueueEnabled, synQueueIntervalMs: 10 * INTERVAL_MS });
}

describe('the netstat read', () => {
  it('is skipped while InSegs has stood still since an interval before the last read, and made again once it moves', async () => {
    const { k, sources } = kernel();
    const ns = namespaceSampler(sources);
    const sampleAfterInterval = async () => {
      await sleep(3 * INTERVAL_MS);
      return ns.sample();
    };
    k.tcpExt.ListenOverflows = 7;
    expect((await ns.sample()).tcpExt).toMatchObject({ ListenOverflows: 7 });
    // InSegs was first read just before this read: a segment counted then may still be
    // on its way into the counters, so the next sample reads again.
    await sampleAfterInterval();
    expect(k.calls.netstat).toBe(2);
    const skipped = await sampleAfterInterval();
    await sampleAfterInterval();
    expect(k.calls.netstat).toBe(2);
    expect(skipped.tcpExt).toMatchObject({ ListenOverflows: 7 });
    expect(skipped.outcomes.netstat).toMatchObject({ seconds: 0 });

    k.inSegs = 501; // a segment arrived (say, a SYN to a full queue)
    k.tcpExt.ListenOverflows = 8;
    expect((await sampleAfterInterval()).tcpExt).toMatchObject({ ListenOverflows: 8 });
    expect(k.calls.netstat).toBe(3);
    // A SYN may have left a request socket: skipping waits for a SYN_RECV walk that finds
    // none, which this sample made (the collector was due).
    expect(k.calls.synRecv).toBe(2);
    await sampleAfterInterval();
    expect(k.calls.netstat).toBe(4);
    await sampleAfterInterval();
    expect(k.calls.netstat).toBe(4);
  });

  it('is made at every sample while a request socket may exist: an ICMP error can abort it and move ListenDrops with no segment', async () => {
    const { k, sources } = kernel();
    k.synRecv = [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }];
    const ns = namespaceSampler(sources);
    for (let i = 0; i < 4; i++) {
      await ns.sample();
      await sleep(3 * INTERVAL_MS);
    }
    expect(k.calls.netstat).toBe(4);
  });

  it('is made at every sample without the SYN-queue collector (nothing says no request socket exists), or where InSegs cannot be read', async () => {
    for (const setup of [{ synQueue: false, inSegs: 500 }, { synQueue: true, inSegs: undefined }]) {
      const { k, sources } = kernel();
      k.inSegs = setup.inSegs;
      const ns = namespaceSampler(sources, setup.synQueue);
      for (let i = 0; i < 4; i++) {
        await ns.sample();
        await sleep(3 * INTERVAL_MS);
      }
      expect(k.calls.netstat).toBe(4);
    }
  });
});

describe('SYN_RECV walks in namespaces with traffic', () => {
  function node(count: number, intervalMs = 1000) {
    const spaces = Array.from({ length: count }, (_, i) => ({ key: `ns${i}`, ...kernel() }));
    const provider: NamespaceProvider = () => spaces.map((s) => ({ key: s.key, labels: { netns: s.key }, sources: s.sources }));
    const sampler = new Sampler(
      provider,
      { intervalMs, fastIntervalMs: 0, peakWindowMs: 60_000, synQueueEnabled: true, synQueueIntervalMs: 0, maxListeners: 100 },
      silentLog,
    );
    const quiet = new Set<string>();
    /** @param probeFirst a fast probe reads the counters after the traffic, before the sample */
    const sample = async (probeFirst = false) => {
      const before = spaces.map((s) => s.k.calls.synRecv);
      for (const s of spaces) if (!quiet.has(s.key)) s.k.inSegs = (s.k.inSegs ?? 0) + 10; // traffic
      if (probeFirst) sampler.probe();
      await sampler.sampleOnce();
      return spaces.flatMap((s, i) => (s.k.calls.synRecv > (before[i] ?? 0) ? [s.key] : []));
    };
    return { spaces, sample, quiet };
  }

  it('take turns, one a sample, oldest first, while nothing says a request socket lasted', async () => {
    const { sample } = node(3);
    expect(await sample()).toEqual(['ns0', 'ns1', 'ns2']); // the first walk of each
    expect(await sample()).toEqual(['ns0']);
    expect(await sample()).toEqual(['ns1']);
    expect(await sample()).toEqual(['ns2']);
    expect(await sample()).toEqual(['ns0']);
  });

  it('walk when due where a SYN-ACK was retransmitted, a SYN queue filled or an accept queue dropped, or where the last walk found entries', async () => {
    const { spaces, sample } = node(3);
    await sample();
    const [a, b, c] = spaces;
    if (!a || !b || !c) throw new Error('three namespaces');
    b.k.tcpExt.TCPSynRetrans = 1; // a handshake stalled in ns1
    expect(await sample()).toEqual(['ns0', 'ns1']); // ns0's turn; ns1 for its retransmit
    a.k.tcpExt.SyncookiesSent = 5; // ns0's SYN queue filled
    a.k.synRecv = [{ family: 'ipv4', address: '10.0.0.1', port: 8001 }];
    expect(await sample()).toEqual(['ns0', 'ns2']); // ns2's turn; ns0 for its cookies, and finds an entry
    a.k.synRecv = [];
    expect(await sample()).toEqual(['ns0', 'ns1']); // ns0 to see whether its entry went; ns1's turn
    expect(await sample()).toEqual(['ns2']);
  });

  it('pass a namespace that a reading since its walk found quiet, and give it turns again once segments come', async () => {
    const { sample, quiet } = node(3);
    await sample();
    quiet.add('ns0'); // no segment since its walk found none: its SYN queue is still empty
    expect(await sample(true)).toEqual(['ns1']);
    expect(await sample(true)).toEqual(['ns2']);
    expect(await sample()).toEqual(['ns1']); // without a probe, the last sample's reading says it
    quiet.delete('ns0'); // segments again: ns0 has waited longest
    expect(await sample(true)).toEqual(['ns0']);
  });

  it('wait for a turn where no reading since the walk says whether segments came', async () => {
    const { sample } = node(2, INTERVAL_MS);
    await sample();
    expect(await sample(true)).toEqual(['ns0']); // the walk uses the probe's reading
    await sleep(INTERVAL_MS); // too old for a sample to use: the next ones read for themselves
    expect(await sample()).toEqual(['ns1']);
    // ns0's probe read the same InSegs as its walk, but before it: it says nothing of since
    expect(await sample()).toEqual(['ns0']);
  });

  it('with one namespace, walk whenever due, as before', async () => {
    const { sample } = node(1);
    for (let i = 0; i < 4; i++) expect(await sample()).toEqual(['ns0']);
  });

  it('with one namespace, walk at the first sample that finds segments after a quiet one', async () => {
    const { sample, quiet } = node(1);
    await sample();
    quiet.add('ns0');
    expect(await sample()).toEqual([]); // no segment since the walk: nothing to find
    quiet.delete('ns0');
    expect(await sample()).toEqual(['ns0']);
  });
});
