/**
 * Which process owns each listening socket, found as `ss -p` finds it: by matching socket
 * inodes against the `socket:[N]` links in /proc/<pid>/fd. That walks every descriptor of
 * every process, so it is redone only when the set of listening sockets changes. Reading
 * another user's descriptors needs root or CAP_SYS_PTRACE; sockets whose owner could not
 * be seen stay unattributed.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** `socket:[12345]` -> 12345. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

interface Owners {
  readonly names: ReadonlyMap<number, string>;
  readonly unattributed: number;
}

function scanSocketOwners(procfs: string, wanted: ReadonlySet<number>): Owners {
  const names = new Map<number, string>();
  for (const pid of readdirSync(procfs)) {
    if (names.size === wanted.size) break;
    if (!/^\d+$/.test(pid)) continue;
    let fds: string[];
    try {
      fds = readdirSync(join(procfs, pid, 'fd'));
    } catch {
      continue; // exited, or another user's process without CAP_SYS_PTRACE
    }
    let comm: string | undefined;
    for (const fd of fds) {
      let inode: number | undefined;
      try {
        inode = socketInode(readlinkSync(join(procfs, pid, 'fd', fd)));
      } catch {
        continue;
      }
      if (inode === undefined || !wanted.has(inode) || names.has(inode)) continue;
      try {
        comm ??= readFileSync(join(procfs, pid, 'comm'), 'utf8').trim();
      } catch {
        break;
      }
      names.set(inode, comm);
    }
  }
  return { names, unattributed: wanted.size - names.size };
}

/** Caches the scan until the set of sockets changes. */
export class SocketOwners {
  private key = '';
  private owners: Owners = { names: new Map(), unattributed: 0 };

  constructor(private readonly procfs: string) {}

  resolve(inodes: readonly number[]): Owners {
    const key = [...inodes].sort((a, b) => a - b).join(',');
    if (key !== this.key) {
      this.owners = scanSocketOwners(this.procfs, new Set(inodes));
      this.key = key;
    }
    return this.owners;
  }
}
