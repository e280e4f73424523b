/**
 * Network namespaces on this host, found through /proc: every process's `ns/net` link
 * names its namespace; one representative process per namespace (the lowest pid, the
 * most likely to be the pod's long-lived first process) is enough to read it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type CgroupIdentity, cgroupIdentity, parseCgroupFile } from './cgroup.js';

export interface NetnsTarget {
  /** The namespace's inode number, as in `net:[4026531840]`. */
  readonly id: string;
  readonly pid: number;
  /** The exporter's own namespace: read directly, without nsenter. */
  readonly self: boolean;
  readonly identity: CgroupIdentity;
}

interface ProcessNetns {
  readonly pid: number;
  readonly link: string;
}

/** `net:[4026531840]` -> `4026531840`. */
export function netnsId(link: string): string | undefined {
  return /^net:\[(\d+)\]$/.exec(link)?.[1];
}

/** Picks the lowest pid of each namespace. */
export function representatives(procs: readonly ProcessNetns[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of procs) {
    const id = netnsId(p.link);
    if (id === undefined) continue;
    const cur = out.get(id);
    if (cur === undefined || p.pid < cur) out.set(id, p.pid);
  }
  return out;
}

interface Discovery {
  readonly targets: NetnsTarget[];
  /** Processes whose namespace link could not be read (permission: CAP_SYS_PTRACE). */
  readonly unreadable: number;
}

/**
 * @param known identity already read for this namespace and representative pid; the
 *   cgroup file is read only for new pairs (a process's cgroup does not change under it
 *   in Kubernetes)
 */
export function discoverNamespaces(
  procfs: string,
  known: (id: string, pid: number) => CgroupIdentity | undefined = () => undefined,
): Discovery {
  const selfId = netnsId(readlinkSync(join(procfs, 'self', 'ns', 'net')));
  const procs: ProcessNetns[] = [];
  let unreadable = 0;
  for (const name of readdirSync(procfs)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      procs.push({ pid: Number(name), link: readlinkSync(join(procfs, name, 'ns', 'net')) });
    } catch (err) {
      // A process that exited between readdir and readlink is not a problem.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable++;
    }
  }
  const targets: NetnsTarget[] = [];
  for (const [id, pid] of representatives(procs)) {
    let identity = known(id, pid);
    if (identity === undefined) {
      try {
        identity = cgroupIdentity(parseCgroupFile(readFileSync(join(procfs, String(pid), 'cgroup'), 'latin1')).records);
      } catch {
        // Gone or unreadable: the namespace is still sampled, only without pod labels.
        identity = {};
      }
    }
    targets.push({ id, pid, self: id === selfId, identity });
  }
  return { targets, unreadable };
}
