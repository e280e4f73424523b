/**
 * Every command-line flag, its environment variable, default and help text. The parser,
 * `--help`, the README flag table test and the Helm chart's args test all read this table.
 */

type FlagKind =
  | { readonly type: 'string' }
  | { readonly type: 'path' }
  | { readonly type: 'boolean' }
  | { readonly type: 'duration'; readonly minMs: number; readonly maxMs: number }
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'listen-address' };

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly default: string;
  readonly help: string;
  /** An empty value means "not set" instead of being refused. */
  readonly optional?: boolean;
}

const HOUR_MS = 3_600_000;

export const FLAGS = [
  {
    name: 'web.listen-address',
    kind: { type: 'listen-address' },
    default: ':9839',
    help: 'Address to listen on for HTTP, host:port; an empty host listens on all addresses.',
  },
  {
    name: 'web.telemetry-path',
    kind: { type: 'string' },
    default: '/metrics',
    help: 'Path under which to expose metrics.',
  },
  {
    name: 'web.config.file',
    kind: { type: 'path' },
    optional: true,
    default: '',
    help: 'Prometheus exporter-toolkit web config (YAML) enabling TLS, client certificates and basic auth; re-read when it or its certificate files change. Empty: plain HTTP, no auth.',
  },
  {
    name: 'path.procfs',
    kind: { type: 'path' },
    default: '/proc',
    help: 'procfs mount point; every /proc file the exporter reads hangs off it.',
  },
  {
    name: 'sample.interval',
    kind: { type: 'duration', minMs: 50, maxMs: HOUR_MS },
    default: '1s',
    help: 'How often the kernel is sampled: every listening socket (sock_diag, or ss or /proc/net/tcp{,6} where it is unavailable), /proc/net/netstat and the sysctls.',
  },
  {
    name: 'sample.fast-interval',
    kind: { type: 'duration', minMs: 0, maxMs: HOUR_MS },
    default: '200ms',
    help: 'Period of the cheap probe between samples that catches short bursts in peaks and full time; it reads /proc/net/dev or /proc/net/snmp and asks for the listeners\' lengths again only when a connection arrived. A queue full for longer than this is always seen. 0s turns it off.',
  },
  {
    name: 'peak.window',
    kind: { type: 'duration', minMs: 1000, maxMs: 24 * HOUR_MS },
    default: '2m',
    help: 'Window over which listenq_accept_queue_peak_length keeps the largest length seen.',
  },
  {
    name: 'source.timeout',
    kind: { type: 'duration', minMs: 10, maxMs: 5 * 60_000 },
    default: '2s',
    help: 'Time limit for one run of any source (a sock_diag dump gives up, an ss process is killed when it passes it).',
  },
  {
    name: 'source.sock-diag',
    kind: { type: 'boolean' },
    default: 'true',
    help: 'Ask the kernel for the listening sockets in-process through sock_diag netlink (exact length, limit, device and drops, no process start). Off, or where netlink is refused: ss at every sample, and /proc/net/tcp{,6} when ss fails.',
  },
  {
    name: 'ss.path',
    kind: { type: 'path' },
    default: 'ss',
    help: 'The ss binary (iproute2), the fallback where sock_diag cannot be asked in-process; a bare name is looked up on PATH.',
  },
  {
    name: 'collector.syn-queue',
    kind: { type: 'boolean' },
    default: 'true',
    help: 'Count SYN_RECV sockets per listener (listenq_syn_queue_length); its cost grows with the number of connections.',
  },
  {
    name: 'collector.syn-queue.interval',
    kind: { type: 'duration', minMs: 50, maxMs: HOUR_MS },
    default: '30s',
    help: 'How often the SYN-queue collector runs; it runs as part of a sample, never more often than --sample.interval. Where a namespace has traffic but no sign of a lasting half-open connection (no SYN-ACK retransmit, SYN-queue drop, cookie or accept-queue drop since its last run, which found none), namespaces take turns: one run a sample.',
  },
  {
    name: 'namespaces',
    kind: { type: 'enum', values: ['self', 'all'] },
    default: 'self',
    help: 'self: the network namespace the exporter runs in. all: every network namespace on the host (one DaemonSet for all pods), found through /proc/<pid>/ns/net, labelled netns, pod_uid and container_id; needs hostPID, CAP_SYS_PTRACE to see other processes, and CAP_SYS_ADMIN to enter each namespace for sock_diag (limits and drops; without it lengths come from /proc/<pid>/net/tcp{,6}).',
  },
  {
    name: 'collector.process-names',
    kind: { type: 'boolean' },
    default: 'false',
    help: 'Add a process label with the owning process\'s name, found through /proc/<pid>/fd (redone only when the set of listening sockets changes); other users\' processes need root or CAP_SYS_PTRACE.',
  },
  {
    name: 'max-listeners',
    kind: { type: 'integer', min: 1, max: 1_000_000 },
    default: '2000',
    help: 'Most listening sockets exported (5 series each); beyond it the most loaded (highest peak fill) are kept and listenq_listeners_dropped says how many were left out.',
  },
  {
    name: 'log.level',
    kind: { type: 'enum', values: ['debug', 'info', 'warn', 'error'] },
    default: 'info',
    help: 'Only log messages with the given severity or above.',
  },
  {
    name: 'log.format',
    kind: { type: 'enum', values: ['json', 'logfmt'] },
    default: 'json',
    help: 'Output format of log messages: json (one object per line) or logfmt (human-readable).',
  },
] as const satisfies readonly FlagSpec[];

export type FlagName = (typeof FLAGS)[number]['name'];

const ENV_PREFIX = 'LISTENQ_';

/** `web.listen-address` -> `LISTENQ_WEB_LISTEN_ADDRESS`. */
export function envVarFor(flagName: string): string {
  return ENV_PREFIX + flagName.toUpperCase().replace(/[.-]/g, '_');
}
