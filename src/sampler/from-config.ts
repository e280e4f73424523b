/** The sampler the configuration asks for: which namespaces, and whether to name owners. */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { allNamespaces } from '../namespaces/provider.js';
import { SocketOwners } from '../namespaces/socket-owners.js';
import { Sampler, singleNamespace } from './sampler.js';
import { kernelSources } from '../sources/kernel-sources.js';

export function samplerFromConfig(cfg: Config, log: Logger): Sampler {
  const provider = cfg.namespaces === 'all' ? allNamespaces(cfg, log) : singleNamespace(kernelSources(cfg));
  // The sampler's options are its own terms (tests and benchmarks build them without a
  // Config), so the flags are mapped here, once, rather than the sampler taking a Pick<Config>.
  return new Sampler(
    provider,
    {
      intervalMs: cfg.sampleIntervalMs,
      fastIntervalMs: cfg.fastIntervalMs,
      peakWindowMs: cfg.peakWindowMs,
      synQueueEnabled: cfg.synQueueEnabled,
      synQueueIntervalMs: cfg.synQueueIntervalMs,
      maxListeners: cfg.maxListeners,
    },
    log,
    cfg.processNames ? new SocketOwners(cfg.procfs) : undefined,
  );
}
