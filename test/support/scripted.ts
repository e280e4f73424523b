/**
 * Scripted kernel sources and a sampler over them, for tests that must count calls or
 * control time exactly (the kernel tests prove the real sources).
 */
import { Sampler, type SamplerOptions, singleNamespace } from '../../src/sampler/sampler.js';
import type { KernelSources } from '../../src/sources/kernel-sources.js';
import { silentLog } from './in-process.js';

const empty = async () => ({ records: [], rejected: 0 });

/**
 * Sources that report nothing unless a test overrides them; no sock_diag unless given, so
 * ss is the listener source. The combined ss run answers with the scripted listener dump
 * (and no SYN_RECV) unless overridden too.
 */
export function scriptedSources(overrides: Partial<KernelSources>): KernelSources {
  const sources: KernelSources = {
    foreign: false,
    alive: () => true,
    ssListeners: empty,
    procTcp: empty,
    procTcp6: empty,
    netstat: empty,
    sysctls: async () => ({ values: {}, rejected: 0, failed: [] }),
    ssWithSynRecv: async () => ({ listeners: await sources.ssListeners(), synRecv: { records: [], rejected: 0 } }),
    tcpCounters: () => ({}),
    // Unreadable unless a test scripts it: the probe then goes by PassiveOpens alone.
    deviceCounters: () => {
      throw new Error('no /proc/net/dev scripted');
    },
    listenersNow: () => ({ records: [], rejected: 0 }),
    dispose: () => undefined,
    ...overrides,
  };
  return sources;
}

export function scriptedSampler(sources: KernelSources, opts: Partial<SamplerOptions> = {}): Sampler {
  return new Sampler(
    singleNamespace(sources),
    {
      intervalMs: 1000,
      fastIntervalMs: 0,
      peakWindowMs: 60_000,
      synQueueEnabled: false,
      synQueueIntervalMs: 1000,
      maxListeners: 100,
      ...opts,
    },
    silentLog,
  );
}
