/** What one sample publishes. Snapshots are frozen: collectors only read them. */
import type { Family } from '../net/ip-address.js';
import type { ListenerSample } from '../listener/fields.js';
import type { SysctlValues } from '../sources/sysctls.js';

export const SOURCES = ['sock_diag', 'ss', 'proc_net_tcp', 'proc_net_tcp6', 'netstat', 'sysctl', 'syn_recv'] as const;
export type SourceName = (typeof SOURCES)[number];

export interface SourceStatus {
  readonly up: boolean;
  readonly durationSeconds: number;
  readonly errorsTotal: number;
  readonly rejectedLinesTotal: number;
}

/** TcpExt counters exported, by kernel field name. */
export const TCPEXT_FIELDS = [
  'ListenOverflows',
  'ListenDrops',
  'TCPReqQFullDrop',
  'TCPReqQFullDoCookies',
  'SyncookiesSent',
  'SyncookiesRecv',
  'SyncookiesFailed',
  'EmbryonicRsts',
] as const;
export type TcpExtField = (typeof TCPEXT_FIELDS)[number];

/** One network namespace's part of a snapshot. */
export interface NamespaceSnapshot {
  /** Labels that name the namespace (--namespaces=all); empty in the default mode. */
  readonly labels: Readonly<Record<string, string>>;
  /** At most --max-listeners over all namespaces, the most loaded kept. */
  readonly listeners: readonly ListenerSample[];
  /** Listening sockets by family before the cap. */
  readonly listenerCounts: Readonly<Record<Family, number>>;
  /** Whether a source that lists each family's sockets answered. */
  readonly familiesKnown: Readonly<Record<Family, boolean>>;
  /** Absent when the namespace's netstat could not be read at this sample. */
  readonly tcpExt?: Readonly<Partial<Record<TcpExtField, number>>>;
  readonly sysctls: Readonly<SysctlValues>;
}

export interface Snapshot {
  readonly timestampSeconds: number;
  readonly namespaces: readonly NamespaceSnapshot[];
  /** Sockets left out by the cap. */
  readonly listenersDropped: number;
  /** With --collector.process-names: sockets whose owner could not be found. */
  readonly listenersUnattributed?: number;
  /** Only the sources that are enabled. */
  readonly sources: Readonly<Partial<Record<SourceName, SourceStatus>>>;
  readonly samplesTotal: number;
}
