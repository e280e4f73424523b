/**
 * Whether every namespace is sampled within the interval: for a while, every snapshot the
 * exporter serves must hold each of our namespaces with at least its holder's listeners
 * (the first namespace also has its default-mode exporter's; a namespace left out of a
 * sample would be missing or short), and samples must come at the configured
 * rate by the exporter's own clock (a sample that overran the interval delays the next).
 */
import { pick, valueOf } from '../../lab/exposition.js';
import { sleep } from '../lib.js';
import type { NodeWideLab } from './lab.js';

export interface Coverage {
  readonly scrapes: number;
  /** Scrapes in which every one of our namespaces had all its listeners. */
  readonly complete: number;
  /** The namespace seen incomplete most often, and how often. */
  readonly worst?: { readonly inode: string; readonly misses: number };
  /** Samples per second by the exporter's timestamps, over the whole window. */
  readonly rate: number;
  /** The longest mean time between two samples, over consecutive scrapes. */
  readonly longestGapS: number;
  /** listenq_namespaces at the last scrape: ours plus the host's and any others on this machine. */
  readonly sampled: number;
}

export async function coverage(lab: NodeWideLab, seconds: number): Promise<Coverage> {
  const want = lab.P.listenersPerNamespace;
  const misses = new Map<string, number>();
  let scrapes = 0;
  let complete = 0;
  let sampled = NaN;
  const points: Array<{ total: number; at: number }> = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const ms = await lab.scrape();
    scrapes++;
    let ok = true;
    for (const s of lab.spaces) {
      const n = pick(ms, 'listenq_listeners', { netns: s.inode }).reduce((a, x) => a + x.value, 0);
      if (n < want) {
        ok = false;
        misses.set(s.inode, (misses.get(s.inode) ?? 0) + 1);
      }
    }
    if (ok) complete++;
    const total = valueOf(ms, 'listenq_samples_total');
    const at = valueOf(ms, 'listenq_last_sample_timestamp_seconds');
    if (total === undefined || at === undefined) throw new Error('no listenq_samples_total or listenq_last_sample_timestamp_seconds');
    points.push({ total, at });
    sampled = valueOf(ms, 'listenq_namespaces') ?? NaN;
    await sleep(1000);
  }
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last || last.at <= first.at) throw new Error(`no sample taken during ${seconds} s`);
  let longestGapS = 0;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    if (a && b && b.total > a.total) longestGapS = Math.max(longestGapS, (b.at - a.at) / (b.total - a.total));
  }
  const worst = [...misses.entries()].sort((x, y) => y[1] - x[1])[0];
  return {
    scrapes,
    complete,
    ...(worst ? { worst: { inode: worst[0], misses: worst[1] } } : {}),
    rate: (last.total - first.total) / (last.at - first.at),
    longestGapS,
    sampled,
  };
}
