/**
 * /proc/<pid>/cgroup: which Kubernetes pod and container a process belongs to, read from
 * the cgroup path the container runtime made. Covers the systemd and cgroupfs cgroup
 * drivers and the containerd, CRI-O and Docker path forms, on cgroup v1 and v2.
 */
import type { ParseResult } from '../sources/parse-result.js';

interface CgroupEntry {
  readonly hierarchy: number;
  readonly controllers: string;
  readonly path: string;
}

export interface CgroupIdentity {
  readonly podUid?: string;
  readonly containerId?: string;
}

/** `hierarchy-ID:controller-list:cgroup-path` per line. */
export function parseCgroupFile(text: string): ParseResult<CgroupEntry> {
  const records: CgroupEntry[] = [];
  let rejected = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [, hierarchy, controllers, path] = /^(\d+):([^:]*):(\/.*)$/.exec(line.trim()) ?? [];
    if (hierarchy === undefined || controllers === undefined || path === undefined) {
      rejected++;
      continue;
    }
    records.push({ hierarchy: Number(hierarchy), controllers, path });
  }
  return { records, rejected };
}

const UID = '[0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}';
// cgroupfs: /kubepods/burstable/pod<uid>/...; systemd: kubepods-burstable-pod<uid_>.slice
const POD_RE = new RegExp(`(?:^|/)(?:kubepods(?:-[a-z]+)*-)?pod(${UID})(?:\\.slice)?(?:/|$)`);
// Last component: <id>, cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope,
// containerd-<id>.scope; never CRI-O's monitor process (crio-conmon-<id>).
const CONTAINER_RE = /(?:^|\/)(?:(?:cri-containerd|crio|docker|containerd|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;

function identityOfPath(path: string): CgroupIdentity {
  const podUid = POD_RE.exec(path)?.[1];
  const containerId = /crio-conmon-/.test(path) ? undefined : CONTAINER_RE.exec(path)?.[1];
  return {
    ...(podUid !== undefined ? { podUid: podUid.replace(/_/g, '-') } : {}),
    ...(containerId !== undefined ? { containerId } : {}),
  };
}

/**
 * Pod UID and container ID from a process's cgroup entries. The cgroup v2 entry (`0::`)
 * is authoritative when present; on v1 the first entry that names a pod or container wins.
 */
export function cgroupIdentity(entries: readonly CgroupEntry[]): CgroupIdentity {
  const ordered = [...entries.filter((e) => e.hierarchy === 0 && e.controllers === ''), ...entries];
  for (const e of ordered) {
    const id = identityOfPath(e.path);
    if (id.podUid !== undefined || id.containerId !== undefined) return id;
  }
  return {};
}
