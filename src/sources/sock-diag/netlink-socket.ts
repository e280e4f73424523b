/**
 * A netlink socket from the native addon (native/netlink.c), optionally made inside another
 * network namespace. The reader side of the sock_diag source: it does I/O and throws;
 * the parsers beside it never do. Without the addon (not built, or unloadable) `open`
 * throws an error with code ENOSYS, and the sampler falls back to ss.
 */
import { createRequire } from 'node:module';

interface NetlinkAddon {
  open(protocol: number, netnsPath?: string): number;
  openFile(netnsPath: string, path: string): number;
  dump(fd: number, request: Buffer, seq: number, timeoutMs: number, replies?: number): Buffer;
  close(fd: number): void;
}

const ADDON_PATH = '../../../build/listenq_netlink.node';

function loadAddon(): NetlinkAddon | Error {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as NetlinkAddon;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

let addon: NetlinkAddon | Error | undefined;

/** The addon, loaded once per process (a module that was loaded cannot be unloaded anyway). */
function nativeAddon(): NetlinkAddon {
  addon ??= loadAddon();
  if (addon instanceof Error) {
    const err = new Error(`native netlink addon unavailable: ${addon.message.split('\n')[0]}`) as NodeJS.ErrnoException;
    err.code = 'ENOSYS';
    throw err;
  }
  return addon;
}

/** Whether the addon loaded: without it, other namespaces' files need nsenter instead. */
export function nativeAddonLoaded(): boolean {
  try {
    nativeAddon();
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens a file from inside another network namespace (setns, open, setns back; needs
 * CAP_SYS_ADMIN). /proc/sys/net resolves to the opener's namespace, and the descriptor
 * keeps showing that namespace's values at every read.
 */
export function openFileInNamespace(netnsPath: string, path: string): number {
  return nativeAddon().openFile(netnsPath, path);
}

export class NetlinkSocket {
  private fd: number | undefined;
  private seq = 0;

  /**
   * @param netnsPath a network namespace file (`/proc/<pid>/ns/net`) to make the socket in;
   *   entering it needs CAP_SYS_ADMIN. Undefined: the exporter's own namespace.
   */
  constructor(
    private readonly protocol: number,
    private readonly netnsPath?: string,
  ) {}

  /**
   * Sends one request and returns every reply message up to its end; or, with `replies`, a
   * batch of requests in one buffer and that many messages (each request is answered by
   * one: its reply, or an error). A request that fails or times out closes the socket (the
   * kernel answers EBUSY to a new dump while an old one is unread); the next call opens a
   * new one.
   */
  request(build: (seq: number) => Buffer, timeoutMs: number, replies = 0): Buffer {
    const lib = nativeAddon();
    this.fd ??= lib.open(this.protocol, this.netnsPath);
    this.seq = (this.seq + 1) >>> 0 || 1;
    try {
      return lib.dump(this.fd, build(this.seq), this.seq, Math.max(1, Math.round(timeoutMs)), replies);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    nativeAddon().close(fd);
  }
}
