/**
 * The status page for terminals (`curl host:9839/`): the same sections as the HTML, as
 * aligned columns, with kernel names made printable.
 */
import { SOURCES, type Snapshot, TCPEXT_FIELDS } from '../sampler/snapshot.js';
import { kernelName, SYSCTLS } from '../sources/sysctls.js';
import {
  count,
  endpoint,
  listenerCount,
  NONE,
  namespaceText,
  nodeWide,
  optional,
  percent,
  seconds,
  utc,
} from './cell-text.js';
import { type ListenerRow, listenerRows } from './listener-rows.js';
import { AGE_GAP, type PageInfo, type PageTemplate, templateOf } from './page-template.js';
import { columns, printable } from './terminal-text.js';

const BAR_WIDTH = 10;

function bar(r: ListenerRow): string {
  if (r.fill === undefined) return NONE;
  const filled = Math.round(Math.min(1, r.fill) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent(r.fill)}${r.full ? ' FULL' : ''}`;
}

/** Column indexes that hold numbers, right-aligned. */
function numeric(header: readonly string[], names: readonly string[]): Set<number> {
  return new Set(header.flatMap((h, i) => (names.includes(h) ? [i] : [])));
}

function listenersSection(snap: Snapshot, withNamespace: boolean): string {
  const rows = listenerRows(snap);
  const withProcess = rows.some((r) => r.sample.process !== undefined) || snap.listenersUnattributed !== undefined;
  const header = [
    ...(withNamespace ? ['NAMESPACE'] : []),
    'ADDRESS:PORT',
    'DEVICE',
    'SLOT',
    ...(withProcess ? ['PROCESS'] : []),
    'LENGTH',
    'LIMIT',
    'PEAK',
    'FILL',
    'FULL_SECONDS',
    'DROPS',
    'SYN_RECV',
  ];
  const cells = rows.map((r) => {
    const l = r.sample;
    return [
      ...(withNamespace ? [printable(namespaceText(r.namespace))] : []),
      printable(endpoint(l)),
      printable(l.device ?? NONE),
      String(l.slot),
      ...(withProcess ? [printable(l.process ?? NONE)] : []),
      String(l.queueLength),
      optional(l.limit),
      String(l.peak),
      bar(r),
      seconds(l.fullSeconds),
      optional(l.drops),
      optional(l.synRecv),
    ];
  });
  const lines = [`LISTENERS: ${rows.length} of ${rows.length + snap.listenersDropped}, fullest first`];
  if (snap.listenersDropped > 0) {
    lines.push(
      `${count(snap.listenersDropped, 'listening socket')} not shown: there are more than --max-listeners, and the least loaded are left out (as in /metrics).`,
    );
  }
  if (snap.listenersUnattributed !== undefined && snap.listenersUnattributed > 0) {
    lines.push(`${count(snap.listenersUnattributed, 'socket')} whose owning process could not be found.`);
  }
  lines.push(rows.length === 0 ? 'No listening sockets.' : columns(header, cells, numeric(header, ['SLOT', 'LENGTH', 'LIMIT', 'PEAK', 'FULL_SECONDS', 'DROPS', 'SYN_RECV'])));
  return lines.join('\n');
}

function namespaceSections(snap: Snapshot, withNamespace: boolean): string {
  const ns = (labels: Readonly<Record<string, string>>) => (withNamespace ? [printable(namespaceText(labels))] : []);
  const nsHead = withNamespace ? ['NAMESPACE'] : [];
  const counterHead = [...nsHead, 'IPV4_LISTENERS', 'IPV6_LISTENERS', ...TCPEXT_FIELDS];
  const counters = snap.namespaces.map((n) => [
    ...ns(n.labels),
    listenerCount(n, 'ipv4'),
    listenerCount(n, 'ipv6'),
    ...TCPEXT_FIELDS.map((f) => optional(n.tcpExt?.[f])),
  ]);
  const settingHead = [...nsHead, ...SYSCTLS.map(kernelName)];
  const settings = snap.namespaces.map((n) => [...ns(n.labels), ...SYSCTLS.map((s) => optional(n.sysctls[s.name]))]);
  const allNumeric = (head: readonly string[]) => new Set(head.flatMap((h, i) => (h === 'NAMESPACE' ? [] : [i])));
  return [
    'NAMESPACE COUNTERS (TcpExt, since the namespace was created)',
    columns(counterHead, counters, allNumeric(counterHead)),
    '',
    'NAMESPACE SETTINGS',
    columns(settingHead, settings, allNumeric(settingHead)),
  ].join('\n');
}

function sourcesSection(snap: Snapshot): string {
  const header = ['SOURCE', 'LAST_RUN', 'TOOK_MS', 'ERRORS', 'REJECTED_LINES'];
  const rows = SOURCES.flatMap((name) => {
    const s = snap.sources[name];
    return s ? [[name, s.up ? 'up' : 'DOWN', (s.durationSeconds * 1000).toFixed(1), String(s.errorsTotal), String(s.rejectedLinesTotal)]] : [];
  });
  const sample = `Sample ${snap.samplesTotal} taken ${utc(snap.timestampSeconds)}, ${AGE_GAP} ago.`;
  return ['SOURCES', columns(header, rows, new Set([2, 3, 4])), '', sample].join('\n');
}

function page(info: PageInfo, meta: string, sections: readonly string[]): string {
  const links = `${printable(info.telemetryPath)}  /healthz  /readyz  (HTML: open / in a browser, or ?format=html)`;
  return `listenq-exporter ${info.version}: ${meta}\n\n${[...sections, links].join('\n\n')}\n`;
}

export function renderStatusText(snap: Snapshot | undefined, info: PageInfo): PageTemplate {
  if (snap === undefined) return templateOf(page(info, 'no sample yet: the first one is being taken', []));
  const withNamespace = nodeWide(snap.namespaces);
  const mode = withNamespace ? `, ${count(snap.namespaces.length, 'network namespace')}` : '';
  const meta = `sample taken ${utc(snap.timestampSeconds)}, ${AGE_GAP} ago, ${count(snap.samplesTotal, 'sample')}${mode}`;
  return templateOf(page(info, meta, [listenersSection(snap, withNamespace), namespaceSections(snap, withNamespace), sourcesSection(snap)]));
}
