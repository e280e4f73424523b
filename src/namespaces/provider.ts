/**
 * --namespaces=all: every network namespace on the host, rediscovered at each sample, each
 * with its own sources and the labels that say where it lives.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { kernelSources } from '../sources/kernel-sources.js';
import type { CgroupIdentity } from './cgroup.js';
import { discoverNamespaces, type NetnsTarget } from './discovery.js';
import type { NamespaceProvider, SampledNamespace } from './sampled-namespace.js';

function labelsOf(t: NetnsTarget): Record<string, string> {
  return {
    netns: t.id,
    ...(t.identity.podUid !== undefined ? { pod_uid: t.identity.podUid } : {}),
    ...(t.identity.containerId !== undefined ? { container_id: t.identity.containerId } : {}),
  };
}

export function allNamespaces(cfg: Config, log: Logger): NamespaceProvider {
  // Sources per namespace and representative pid: a new pid (the old one exited) gets new
  // paths, while the namespace's per-socket state lives on under the same key.
  type Entry = SampledNamespace & { readonly identity: CgroupIdentity };
  const cache = new Map<string, Entry>();
  let warnedUnreadable = false;
  return () => {
    const { targets, unreadable } = discoverNamespaces(cfg.procfs, (id, pid) => cache.get(`${id}/${pid}`)?.identity);
    if (unreadable > 0 && !warnedUnreadable) {
      warnedUnreadable = true;
      log.warn(
        { processes: unreadable },
        'cannot read some processes\' network namespace links; their namespaces are not sampled (needs root or CAP_SYS_PTRACE)',
      );
    }
    const next = new Map<string, Entry>();
    for (const t of targets) {
      const cacheKey = `${t.id}/${t.pid}`;
      next.set(
        cacheKey,
        cache.get(cacheKey) ?? { key: t.id, labels: labelsOf(t), sources: kernelSources(cfg, t), identity: t.identity },
      );
    }
    for (const [k, v] of cache) if (!next.has(k)) v.sources.dispose();
    cache.clear();
    for (const [k, v] of next) cache.set(k, v);
    return [...next.values()];
  };
}
