/**
 * Attributes half-open connections to listeners. A SYN_RECV entry shows the address the
 * client connected to, which is the listener's own address or falls under its wildcard.
 * The kernel does not say which socket of an SO_REUSEPORT group owns a request, so a
 * group's count goes to its lowest slot.
 */
import type { Family } from '../net/ip-address.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import type { ListenerSample } from '../listener/fields.js';

type Target = Pick<ListenerSample, 'family' | 'address' | 'port' | 'device' | 'slot' | 'inode'>;

const WILDCARD: Record<Family, string> = { ipv4: '0.0.0.0', ipv6: '::' };

/** Returns SYN_RECV counts by listener inode; listeners with none are absent. */
export function attributeSynRecv(targets: readonly Target[], synRecv: readonly SocketEndpoint[]): Map<number, number> {
  const byPort = new Map<number, Target[]>();
  for (const t of targets) {
    const list = byPort.get(t.port);
    if (list) list.push(t);
    else byPort.set(t.port, [t]);
  }
  const counts = new Map<number, number>();
  for (const e of synRecv) {
    const candidates = (byPort.get(e.port) ?? []).filter((t) => t.family === e.family);
    let matches = candidates.filter((t) => t.address === e.address);
    if (matches.length === 0) matches = candidates.filter((t) => t.address === WILDCARD[e.family]);
    if (matches.length === 0) continue;
    const sameDevice = matches.filter((t) => (t.device ?? '') === (e.device ?? ''));
    if (sameDevice.length > 0) matches = sameDevice;
    const owner = matches.reduce((a, b) => (b.slot < a.slot ? b : a));
    counts.set(owner.inode, (counts.get(owner.inode) ?? 0) + 1);
  }
  return counts;
}
