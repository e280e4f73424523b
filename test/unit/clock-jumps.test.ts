/**
 * Wall-clock jumps (NTP steps, a VM resumed) must not corrupt full time or peaks: the
 * sampler measures durations on the monotonic clock and uses the wall clock only for the
 * sample timestamp.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scriptedSampler, scriptedSources } from '../support/scripted.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('clock jumps', () => {
  it('leave full seconds and peaks as the monotonic clock measured them', async () => {
    const sampler = scriptedSampler(
      scriptedSources({
        ssListeners: async () => ({ records: [{ family: 'ipv4', address: '127.0.0.1', port: 80, queueLength: 5, limit: 4, inode: 9 }], rejected: 0 }),
      }),
      { maxListeners: 10 },
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const t0 = performance.now();
    await sampler.sampleOnce();
    vi.setSystemTime(new Date('2025-01-01T00:00:00Z')); // a year back
    await new Promise((r) => setTimeout(r, 50));
    const back = await sampler.sampleOnce();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z')); // years forward
    await new Promise((r) => setTimeout(r, 50));
    const forward = await sampler.sampleOnce();
    const elapsed = (performance.now() - t0) / 1000;

    expect(back.timestampSeconds).toBe(Date.parse('2025-01-01T00:00:00Z') / 1000);
    expect(forward.timestampSeconds).toBe(Date.parse('2030-01-01T00:00:00Z') / 1000);
    const full = forward.namespaces[0]!.listeners[0]!.fullSeconds;
    expect(back.namespaces[0]!.listeners[0]!.fullSeconds).toBeGreaterThan(0);
    expect(full).toBeGreaterThan(back.namespaces[0]!.listeners[0]!.fullSeconds);
    expect(full).toBeLessThanOrEqual(elapsed);
    expect(forward.namespaces[0]!.listeners[0]!.peak).toBe(5);
  });
});
