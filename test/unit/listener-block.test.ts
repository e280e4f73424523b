/**
 * The per-socket families are rendered without prom-client for speed; this holds their
 * text to what prom-client prints for the same points, in both formats, and checks the
 * caches hand out new text when a socket changes.
 */
import { type LabelValues, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ListenerBlock } from '../../src/metrics/listener-block.js';
import { type ExpositionFormat, LISTENER_FAMILIES, METRICS } from '../../src/metrics/catalog.js';
import { type Point, snapshotMetric } from '../../src/metrics/snapshot-metrics.js';
import type { ListenerSample } from '../../src/listener/fields.js';
import type { NamespaceSnapshot } from '../../src/sampler/snapshot.js';

const socket = (over: Partial<ListenerSample>): ListenerSample =>
  Object.freeze({ family: 'ipv4', address: '0.0.0.0', port: 80, slot: 0, inode: 1, queueLength: 0, peak: 0, fullSeconds: 0, ...over });

function ns(listeners: ListenerSample[], labels: Record<string, string> = {}): NamespaceSnapshot {
  return {
    labels,
    listeners,
    listenerCounts: { ipv4: 0, ipv6: 0 },
    familiesKnown: { ipv4: true, ipv6: true },
    sysctls: {},
  };
}

/** What the prom-client collectors printed for these sockets before ListenerBlock. */
async function viaPromClient(namespaces: NamespaceSnapshot[], format: ExpositionFormat): Promise<string> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
  const points = Object.fromEntries(LISTENER_FAMILIES.map((k) => [k, [] as Point[]])) as Record<(typeof LISTENER_FAMILIES)[number], Point[]>;
  for (const n of namespaces) {
    for (const l of n.listeners) {
      const labels: LabelValues<string> = { family: l.family, address: l.address, port: l.port, slot: l.slot };
      if (l.device !== undefined) labels['device'] = l.device;
      if (l.process !== undefined) labels['process'] = l.process;
      Object.assign(labels, n.labels);
      points.acceptQueueLength.push({ labels, value: l.queueLength });
      if (l.limit !== undefined) points.acceptQueueLimit.push({ labels, value: l.limit });
      points.acceptQueuePeakLength.push({ labels, value: l.peak });
      points.acceptQueueFullSeconds.push({ labels, value: l.fullSeconds });
      if (l.synRecv !== undefined) points.synQueueLength.push({ labels, value: l.synRecv });
    }
  }
  for (const key of LISTENER_FAMILIES) registry.registerMetric(snapshotMetric(METRICS[key], () => points[key]));
  const text = await registry.metrics();
  // prom-client ends the text format with one newline and OpenMetrics with "# EOF".
  return format === 'openmetrics' ? text.replace(/\n# EOF\n$/, '') : text.replace(/\n$/, '');
}

const namespaces = [
  ns([
    socket({ inode: 1, limit: 128, queueLength: 3, peak: 7, fullSeconds: 0.25, synRecv: 2 }),
    socket({ inode: 2, family: 'ipv6', address: '::', port: 443, slot: 1, device: 'eth0', limit: 4096, process: 'nginx' }),
    socket({ inode: 3, address: '127.0.0.1', port: 9000, device: 'we"ird\\dev\nx' }),
  ]),
  ns([socket({ inode: 4, port: 8080, limit: 511, queueLength: 512, peak: 512, fullSeconds: 12.5 })], {
    netns: '4026532000',
    pod_uid: '0b1c',
    container_id: 'abc',
  }),
];

describe('ListenerBlock', () => {
  for (const format of ['prometheus', 'openmetrics'] as const) {
    it(`prints what prom-client prints for the same sockets (${format})`, async () => {
      expect(new ListenerBlock().render(namespaces, format)).toBe(await viaPromClient(namespaces, format));
      expect(new ListenerBlock().render([], format)).toBe(await viaPromClient([], format));
    });
  }

  it('reuses its text while the sockets are the same objects and redoes it when one changes', () => {
    const block = new ListenerBlock();
    const first = block.families(namespaces);
    expect(block.families([...namespaces])).toBe(first);
    const changed = socket({ inode: 1, limit: 128, queueLength: 9, peak: 9, fullSeconds: 0.25, synRecv: 2 });
    const next = [ns([changed, ...namespaces[0]!.listeners.slice(1)]), namespaces[1]!];
    const second = block.families(next);
    expect(second).not.toBe(first);
    expect(second[0]).toContain('listenq_accept_queue_length{family="ipv4",address="0.0.0.0",port="80",slot="0"} 9');
    expect(second[0]).not.toContain('port="80",slot="0"} 3');
    // The same socket object in a namespace whose labels changed is printed with the new labels.
    const relabelled = block.families([namespaces[0]!, ns(namespaces[1]!.listeners as ListenerSample[], { netns: '1' })]);
    expect(relabelled[0]).toContain('port="8080",slot="0",netns="1"} 512');
  });
});
