/**
 * Builders for ListenerSample, field by field: hot paths never copy with
 * `{ ...l, depth }`, which takes V8's slow clone path on Node.js 20 (see listenerRecord).
 * Optional fields that are undefined are left out, so equal samples have equal shapes.
 */
import type { ListenerSample } from './snapshot.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function listenerSample(f: ListenerSample): ListenerSample {
  const l: Mutable<ListenerSample> = {
    family: f.family,
    address: f.address,
    port: f.port,
    slot: f.slot,
    inode: f.inode,
    depth: f.depth,
    peak: f.peak,
    fullSeconds: f.fullSeconds,
  };
  if (f.device !== undefined) l.device = f.device;
  if (f.limit !== undefined) l.limit = f.limit;
  if (f.synRecv !== undefined) l.synRecv = f.synRecv;
  if (f.process !== undefined) l.process = f.process;
  return l;
}

/** The sample, frozen, with its length, peak, full time or owner replaced. */
export function sampleWith(
  l: ListenerSample,
  c: Partial<Pick<ListenerSample, 'depth' | 'peak' | 'fullSeconds' | 'process'>>,
): ListenerSample {
  return Object.freeze(
    listenerSample({
      family: l.family,
      address: l.address,
      port: l.port,
      device: l.device,
      slot: l.slot,
      inode: l.inode,
      depth: c.depth ?? l.depth,
      limit: l.limit,
      peak: c.peak ?? l.peak,
      fullSeconds: c.fullSeconds ?? l.fullSeconds,
      synRecv: l.synRecv,
      process: c.process ?? l.process,
    }),
  );
}
