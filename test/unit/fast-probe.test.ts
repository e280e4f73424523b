/**
 * The probe's skip rule, driven by scripted sources so the count of table reads can be
 * checked exactly (the kernel tests prove the probe works on real sockets).
 */
import { describe, expect, it } from 'vitest';
import type { ListenerRecord } from '../../src/listener/fields.js';
import { scriptedSampler, scriptedSources } from '../support/scripted.js';

function scripted(devices?: { bytes: string }) {
  const state = { opens: 100, queueLength: 0, tableReads: 0, counterReads: 0 };
  const rec = (): ListenerRecord => ({ family: 'ipv4', address: '127.0.0.1', port: 80, queueLength: state.queueLength, limit: 4, inode: 7 });
  const sources = scriptedSources({
    ssListeners: async () => ({ records: [rec()], rejected: 0 }),
    tcpCounters: () => {
      state.counterReads++;
      return { passiveOpens: state.opens };
    },
    ...(devices ? { deviceCounters: () => Buffer.from(devices.bytes) } : {}),
    listenersNow: (family) => {
      state.tableReads++;
      const { limit: _limit, ...withoutLimit } = rec();
      return { records: family === 'ipv4' ? [withoutLimit] : [], rejected: 0 };
    },
  });
  const sampler = scriptedSampler(sources, { fastIntervalMs: 100 });
  return { state, sampler };
}

describe('fast probe', () => {
  it('reads the listener tables only when PassiveOpens moved or a queue was full', async () => {
    const { state, sampler } = scripted();
    await sampler.sampleOnce();
    state.opens++; // a handshake completed after the sample
    expect(sampler.probe(1)).toBe(false); // read, and found the length unchanged
    expect(state.tableReads).toBe(1);
    sampler.probe(2);
    sampler.probe(3);
    expect(state.tableReads).toBe(1); // nothing arrived: skipped

    state.opens = 105;
    state.queueLength = 5;
    expect(sampler.probe(4)).toBe(true);
    expect(state.tableReads).toBe(2);
    expect(sampler.latest()!.namespaces[0]!.listeners[0]).toMatchObject({ queueLength: 5, peak: 5 });

    // Full (5 > 4): keep looking even though nothing new arrives, to time the fullness.
    expect(sampler.probe(104)).toBe(true);
    expect(state.tableReads).toBe(3);
    // Credited: half the 3 ms since the look before it became full (at 1), then 100 ms.
    expect(sampler.latest()!.namespaces[0]!.listeners[0]!.fullSeconds).toBeCloseTo(0.1015, 6);

    state.queueLength = 0; // drained by accept(): PassiveOpens does not move
    expect(sampler.probe(204)).toBe(true);
    expect(sampler.latest()!.namespaces[0]!.listeners[0]).toMatchObject({ queueLength: 0, peak: 5 });
    // And half of the 100 ms in which it drained.
    expect(sampler.latest()!.namespaces[0]!.listeners[0]!.fullSeconds).toBeCloseTo(0.1515, 6);
    sampler.probe(304);
    expect(state.tableReads).toBe(4); // not full any more and nothing arrived: skipped
    expect(sampler.latest()!.samplesTotal).toBe(1); // probes are not samples
  });

  it('takes the sample\'s own PassiveOpens as its baseline: nothing arrived since, nothing is read', async () => {
    const { state, sampler } = scripted();
    await sampler.sampleOnce();
    expect(sampler.probe(1)).toBe(false);
    expect(state.tableReads).toBe(0);
  });

  it('reuses the last probe\'s reading of the counters in the sample that follows it', async () => {
    const { state, sampler } = scripted();
    await sampler.sampleOnce();
    expect(state.counterReads).toBe(1); // no probe yet: the sample reads them
    sampler.probe(1);
    expect(state.counterReads).toBe(2);
    await sampler.sampleOnce();
    expect(state.counterReads).toBe(2); // read 0 ms before, and before this sample's dump
  });

  it('keeps the socket object a probe published when the next sample finds it unchanged', async () => {
    const { state, sampler } = scripted();
    await sampler.sampleOnce();
    sampler.probe(1);
    state.opens = 103;
    state.queueLength = 3; // queued, not full (limit 4)
    expect(sampler.probe(2)).toBe(true);
    const published = sampler.latest()!.namespaces[0]!.listeners[0]!;
    expect(published).toMatchObject({ queueLength: 3, peak: 3 });
    // One object per change: the /metrics renderer caches its lines per socket object.
    expect((await sampler.sampleOnce()).namespaces[0]!.listeners[0]).toBe(published);
  });

  it('does not read a family that has no listeners', async () => {
    const { state, sampler } = scripted();
    await sampler.sampleOnce();
    state.opens++;
    sampler.probe(1);
    expect(state.tableReads).toBe(1); // ipv4 only
  });

  it('stands down on /proc/net/dev once it has read the same since a while before the last look at PassiveOpens', async () => {
    const devices = { bytes: 'lo: 10 1 0 0 0 0 0 0 10 1 0 0 0 0 0 0\n' };
    const { state, sampler } = scripted(devices);
    await sampler.sampleOnce(); // reads PassiveOpens itself: a look
    sampler.probe(1); // first read of the devices: nothing to compare with
    sampler.probe(2); // the same bytes, but first read after the last look
    expect(state.counterReads).toBe(3);
    await new Promise((r) => setTimeout(r, 120));
    sampler.probe(3); // still the same bytes, first read 120 ms before: a look
    sampler.probe(4);
    sampler.probe(5);
    expect(state.counterReads).toBe(4); // nothing received since well before the last look

    devices.bytes = 'lo: 11 2 0 0 0 0 0 0 11 2 0 0 0 0 0 0\n'; // a packet came in
    state.opens++;
    expect(sampler.probe(6)).toBe(false);
    expect(state.counterReads).toBe(5);
    expect(state.tableReads).toBe(1); // PassiveOpens moved: the lengths were read
  });

  it('never stands down while a queue is full', async () => {
    const devices = { bytes: 'lo: 10 1\n' };
    const { state, sampler } = scripted(devices);
    state.queueLength = 5; // over its limit of 4
    await sampler.sampleOnce();
    await new Promise((r) => setTimeout(r, 120));
    for (let i = 1; i <= 4; i++) sampler.probe(i);
    expect(state.tableReads).toBe(4);
  });
});
