import { describe, expect, it } from 'vitest';
import { joinListeners } from '../../src/sampler/join-listeners.js';
import { capListeners } from '../../src/sampler/listener-cap.js';
import { PeakTracker } from '../../src/sampler/peak-tracker.js';
import { SlotAllocator } from '../../src/sampler/slot-allocator.js';
import { attributeSynRecv } from '../../src/sampler/syn-attribution.js';
import type { ListenerRecord } from '../../src/listener/fields.js';

describe('PeakTracker', () => {
  it('keeps the largest depth within the window and forgets it after', () => {
    const p = new PeakTracker(10_000, 2000);
    expect(p.observe(1, 0, 3, 10).peak).toBe(3);
    expect(p.observe(1, 1000, 9, 10).peak).toBe(9);
    expect(p.observe(1, 2000, 2, 10).peak).toBe(9);
    expect(p.observe(1, 10_999, 1, 10).peak).toBe(9);
    expect(p.observe(1, 11_001, 1, 10).peak).toBe(2);
    expect(p.observe(1, 12_001, 0, 10).peak).toBe(1);
  });

  it('counts time full only when depth exceeds the limit: whole gaps full at both ends, half a gap at a change, capped per gap', () => {
    const p = new PeakTracker(60_000, 2000);
    p.observe(1, 0, 5, 4); // first sight: no interval to credit
    expect(p.observe(1, 1000, 5, 4).fullSeconds).toBe(1);
    expect(p.observe(1, 2000, 4, 4).fullSeconds).toBe(1.5); // depth == limit is not full: it ended mid-gap
    expect(p.observe(1, 3000, 5, undefined).fullSeconds).toBe(1.5); // unknown limit: cannot judge
    expect(p.observe(1, 63_000, 5, 4).fullSeconds).toBe(2.5); // a 60 s stall counts as at most 2 s
  });

  it('credits a burst its length on average whatever the probe period', () => {
    // A 250 ms burst seen by a 200 ms probe: full at one or two observations depending on
    // its phase. Each burst gets 0.2 or 0.4 s; over all phases, 0.25 s.
    const credits: number[] = [];
    for (let start = 1; start < 200; start += 2) {
      const p = new PeakTracker(60_000, 2000);
      let full = 0;
      for (let t = 0; t <= 1000; t += 200) full = p.observe(1, t, t >= start && t < start + 250 ? 5 : 0, 4).fullSeconds;
      credits.push(full);
    }
    for (const c of credits) expect([0.2, 0.4]).toContain(Number(c.toFixed(6)));
    expect(credits.reduce((a, b) => a + b, 0) / credits.length).toBeCloseTo(0.25, 2);
  });

  it('never goes backwards when the monotonic clock repeats a value', () => {
    const p = new PeakTracker(60_000, 2000);
    p.observe(1, 1000, 5, 4);
    expect(p.observe(1, 500, 5, 4).fullSeconds).toBe(0);
  });

  it('forgets sockets that are gone', () => {
    const p = new PeakTracker(60_000, 2000);
    p.observe(1, 0, 9, 4);
    p.retain(new Set());
    expect(p.observe(1, 1, 0, 4).peak).toBe(0);
  });
});

describe('SlotAllocator', () => {
  it('gives sockets in a group distinct slots that stay while they live', () => {
    const s = new SlotAllocator();
    let slots = s.update([
      { inode: 20, group: 'g' },
      { inode: 10, group: 'g' },
      { inode: 30, group: 'h' },
    ]);
    expect([slots.get(10), slots.get(20), slots.get(30)]).toEqual([0, 1, 0]);
    slots = s.update([
      { inode: 20, group: 'g' },
      { inode: 30, group: 'h' },
    ]);
    expect(slots.get(20)).toBe(1);
    expect(slots.has(10)).toBe(false);
    slots = s.update([
      { inode: 20, group: 'g' },
      { inode: 40, group: 'g' },
    ]);
    expect([slots.get(20), slots.get(40)]).toEqual([1, 0]);
  });
});

describe('joinListeners', () => {
  const ss: ListenerRecord = { family: 'ipv4', address: '0.0.0.0', port: 80, device: 'lo', queueLength: 3, limit: 4, inode: 1 };
  const proc: ListenerRecord = { family: 'ipv4', address: '0.0.0.0', port: 80, queueLength: 2, inode: 1 };
  const procOnly: ListenerRecord = { family: 'ipv6', address: '::', port: 81, queueLength: 1, inode: 2 };

  it('takes the socket set from ss when ss answered cleanly', () => {
    expect(joinListeners({ records: [ss], rejected: 0 }, [proc, procOnly], new Map())).toEqual([ss]);
  });

  it('lets /proc add what ss may have lost in lines it could not parse', () => {
    expect(joinListeners({ records: [ss], rejected: 1 }, [proc, procOnly], new Map())).toEqual([ss, procOnly]);
  });

  it('takes the sockets from /proc when ss failed, each once', () => {
    expect(joinListeners(undefined, [proc, procOnly, proc], new Map())).toEqual([proc, procOnly]);
  });

  it('keeps a known device while ss is down', () => {
    expect(joinListeners(undefined, [proc], new Map([[1, 'lo']]))).toEqual([{ ...proc, device: 'lo' }]);
  });
});

describe('attributeSynRecv', () => {
  const t = (inode: number, family: 'ipv4' | 'ipv6', address: string, port: number, slot = 0, device?: string) => ({
    inode,
    family,
    address,
    port,
    slot,
    ...(device ? { device } : {}),
  });

  it('matches exact addresses first, then the wildcard of the family', () => {
    const targets = [t(1, 'ipv4', '0.0.0.0', 80), t(2, 'ipv4', '127.0.0.1', 80), t(3, 'ipv6', '::', 80)];
    const counts = attributeSynRecv(targets, [
      { family: 'ipv4', address: '127.0.0.1', port: 80 },
      { family: 'ipv4', address: '10.1.2.3', port: 80 },
      { family: 'ipv6', address: '::ffff:127.0.0.1', port: 80 },
      { family: 'ipv6', address: '::1', port: 81 },
    ]);
    expect([...counts.entries()].sort()).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });

  it('gives an SO_REUSEPORT group its total on the lowest slot', () => {
    const counts = attributeSynRecv([t(7, 'ipv4', '0.0.0.0', 80, 1), t(8, 'ipv4', '0.0.0.0', 80, 0)], [
      { family: 'ipv4', address: '127.0.0.1', port: 80 },
      { family: 'ipv4', address: '127.0.0.1', port: 80 },
    ]);
    expect([...counts.entries()]).toEqual([[8, 2]]);
  });
});

describe('capListeners', () => {
  const l = (port: number, peak: number, limit: number | undefined, depth = 0) =>
    ({ family: 'ipv4', address: '0.0.0.0', port, slot: 0, inode: port, queueLength: depth, peak, fullSeconds: 0, ...(limit === undefined ? {} : { limit }) }) as const;

  it('keeps everything under the cap', () => {
    expect(capListeners([l(1, 0, 4)], 5)).toHaveLength(1);
  });

  it('keeps the highest peak fill ratios, then the deepest, deterministically', () => {
    const all = [l(1, 1, 100), l(2, 4, 4), l(3, 2, 4), l(4, 0, 4, 0), l(5, 3, undefined)];
    expect(capListeners(all, 3).map((x) => x.port)).toEqual([5, 2, 3]);
    expect(capListeners([...all].reverse(), 3).map((x) => x.port)).toEqual([5, 2, 3]);
  });
});
