/** What one sample publishes. Snapshots are frozen: collectors only read them. */
import type { Family } from '../net/ip-address.js';
import type { SysctlValues } from '../sources/sysctls.js';

export const SOURCES = ['ss', 'proc_net_tcp', 'proc_net_tcp6', 'netstat', 'sysctl', 'syn_recv'] as const;
export type SourceName = (typeof SOURCES)[number];

export interface ListenerSample {
  readonly family: Family;
  readonly address: string;
  readonly port: number;
  readonly device?: string;
  /** Position within the sockets sharing family/address/port/device; stable while it lives. */
  readonly slot: number;
  readonly inode: number;
  readonly depth: number;
  readonly limit?: number;
  readonly peak: number;
  readonly fullSeconds: number;
  readonly synRecv?: number;
}

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

export interface Snapshot {
  readonly timestampSeconds: number;
  /** At most --max-listeners of them, the most loaded first chosen. */
  readonly listeners: readonly ListenerSample[];
  /** Listening sockets by family before the cap. */
  readonly listenerCounts: Readonly<Record<Family, number>>;
  /** Sockets left out by the cap. */
  readonly listenersDropped: number;
  /** Absent when /proc/net/netstat could not be read at this sample. */
  readonly tcpExt?: Readonly<Partial<Record<TcpExtField, number>>>;
  readonly sysctls: Readonly<SysctlValues>;
  /** Only the sources that are enabled. */
  readonly sources: Readonly<Partial<Record<SourceName, SourceStatus>>>;
  readonly samplesTotal: number;
}
