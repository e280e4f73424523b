/**
 * The namespace counters and sysctl gauges: the catalog names, per metric, the TcpExt field
 * or sysctl the sampler reads, and the registry exports each value under that metric only.
 * The compiler already refuses a field with no metric or two; this holds the literal
 * mapping, the HELP texts that quote the kernel's names, and the points.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, SYSCTL_METRICS, TCPEXT_METRICS } from '../../src/metrics/catalog.js';
import { snapshotPoints } from '../../src/metrics/registry.js';
import { type Snapshot, TCPEXT_FIELDS } from '../../src/sampler/snapshot.js';
import { kernelName, SYSCTLS } from '../../src/sources/sysctls.js';

describe('namespace metrics in the catalog', () => {
  it('maps each TcpExt field the sampler reads to one counter', () => {
    expect(Object.fromEntries(TCPEXT_METRICS.map((k) => [METRICS[k].tcpExt, METRICS[k].name]))).toEqual({
      ListenOverflows: 'listenq_listen_overflows_total',
      ListenDrops: 'listenq_listen_drops_total',
      TCPReqQFullDrop: 'listenq_syn_queue_drops_total',
      TCPReqQFullDoCookies: 'listenq_syn_queue_cookies_total',
      SyncookiesSent: 'listenq_syncookies_sent_total',
      SyncookiesRecv: 'listenq_syncookies_received_total',
      SyncookiesFailed: 'listenq_syncookies_failed_total',
      EmbryonicRsts: 'listenq_embryonic_resets_total',
    });
    expect(TCPEXT_METRICS).toHaveLength(TCPEXT_FIELDS.length);
    for (const k of TCPEXT_METRICS) expect(METRICS[k].help).toContain(`(TcpExt ${METRICS[k].tcpExt})`);
  });

  it('maps each sysctl the sampler reads to one gauge whose HELP starts with its kernel name', () => {
    expect(Object.fromEntries(SYSCTL_METRICS.map((k) => [METRICS[k].sysctl, METRICS[k].name]))).toEqual({
      somaxconn: 'listenq_somaxconn',
      maxSynBacklog: 'listenq_max_syn_backlog',
      syncookies: 'listenq_syncookies_mode',
      abortOnOverflow: 'listenq_abort_on_overflow',
    });
    expect(SYSCTLS.map(kernelName)).toEqual([
      'net.core.somaxconn',
      'net.ipv4.tcp_max_syn_backlog',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.tcp_abort_on_overflow',
    ]);
    for (const k of SYSCTL_METRICS) {
      const sysctl = SYSCTLS.find((s) => s.name === METRICS[k].sysctl);
      expect(sysctl && METRICS[k].help.startsWith(`${kernelName(sysctl)}: `)).toBe(true);
    }
  });
});

describe('snapshotPoints for a namespace', () => {
  const snap: Snapshot = {
    timestampSeconds: 1,
    namespaces: [
      {
        labels: { netns: 'net:[1]' },
        listeners: [],
        listenerCounts: { ipv4: 0, ipv6: 0 },
        familiesKnown: { ipv4: true, ipv6: true },
        tcpExt: { ListenOverflows: 11, ListenDrops: 12, TCPReqQFullDrop: 13, SyncookiesFailed: 17 },
        sysctls: { somaxconn: 4096, syncookies: 1 },
      },
    ],
    listenersDropped: 0,
    sources: {},
    samplesTotal: 1,
  };
  const points = snapshotPoints(snap, { version: 'test', host: () => undefined });

  it('exports each TcpExt value under its own counter, and nothing for a field the kernel did not give', () => {
    const labels = { netns: 'net:[1]' };
    expect(points.listenOverflows).toEqual([{ labels, value: 11 }]);
    expect(points.listenDrops).toEqual([{ labels, value: 12 }]);
    expect(points.synQueueDrops).toEqual([{ labels, value: 13 }]);
    expect(points.syncookiesFailed).toEqual([{ labels, value: 17 }]);
    expect(points.synQueueCookies).toEqual([]);
    expect(points.syncookiesSent).toEqual([]);
    expect(points.syncookiesReceived).toEqual([]);
    expect(points.embryonicResets).toEqual([]);
  });

  it('exports each sysctl under its own gauge', () => {
    const labels = { netns: 'net:[1]' };
    expect(points.somaxconn).toEqual([{ labels, value: 4096 }]);
    expect(points.syncookiesMode).toEqual([{ labels, value: 1 }]);
    expect(points.maxSynBacklog).toEqual([]);
    expect(points.abortOnOverflow).toEqual([]);
  });
});
