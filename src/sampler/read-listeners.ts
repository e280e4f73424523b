/**
 * Which source gives one sample its listening sockets. sock_diag first: it is exact (the
 * whole set, with length, limit, device and drops) and costs no process start. Where it
 * cannot be asked (no addon, netlink refused, another namespace without CAP_SYS_ADMIN), ss
 * gives the same fields at every sample; where ss fails too, /proc/net/tcp{,6} give the
 * set and the lengths but no limit and no drops. Every sample reads the whole set, so a
 * socket that appears, disappears or is listened again with a new backlog shows at the
 * next sample.
 */
import type { Family } from '../net/ip-address.js';
import type { ListenerRecord } from '../listener/fields.js';
import type { KernelSources } from '../sources/kernel-sources.js';
import type { ParseResult } from '../sources/parse-result.js';
import type { SocketEndpoint } from '../sources/ss-listeners.js';
import { joinListeners } from './join-listeners.js';
import { timed, timedSync, type SourceOutcome, type Timed } from './outcome.js';
import type { SourceName } from './snapshot.js';

export interface ListenerReads {
  readonly records: readonly ListenerRecord[];
  /** Whether a source that lists each family's sockets answered. */
  readonly familiesKnown: Record<Family, boolean>;
  /** Read only when the SYN-queue collector was due; undefined when it was not or failed. */
  readonly synRecv?: readonly SocketEndpoint[];
  /** Which source gave the lengths: the probe between samples asks the same one. */
  readonly exact: boolean;
  readonly outcomes: Partial<Record<SourceName, SourceOutcome>>;
}

/** Refusals that nsenter would meet too: another namespace that cannot be entered. */
const REFUSED = new Set(['EPERM', 'EACCES']);

export async function readListeners(
  sources: KernelSources,
  synDue: boolean,
  knownDevices: ReadonlyMap<number, string>,
): Promise<ListenerReads> {
  const outcomes: Partial<Record<SourceName, SourceOutcome>> = {};
  const sockDiag = sources.sockDiag;
  const diag = sockDiag ? timedSync(() => sockDiag.listeners()) : undefined;
  if (diag) outcomes.sock_diag = diag;
  if (sockDiag && diag?.result) {
    let synRecv: readonly SocketEndpoint[] | undefined;
    if (synDue) {
      const syn = timedSync(() => sockDiag.synRecv());
      outcomes.syn_recv = syn;
      synRecv = syn.result?.records;
    }
    return { records: diag.result.records, familiesKnown: { ipv4: true, ipv6: true }, ...(synRecv ? { synRecv } : {}), exact: true, outcomes };
  }

  let ss: Timed<ParseResult<ListenerRecord>> | undefined;
  let synRecv: readonly SocketEndpoint[] | undefined;
  const code = (diag?.error as NodeJS.ErrnoException | undefined)?.code;
  if (!(sources.foreign && code !== undefined && REFUSED.has(code))) {
    if (synDue) {
      const both = await timed(() => sources.ssWithSynRecv());
      ss = { ...(both.result ? { result: both.result.listeners } : {}), ...(both.error ? { error: both.error } : {}), seconds: both.seconds };
      outcomes.syn_recv = { ...(both.result ? { result: both.result.synRecv } : {}), ...(both.error ? { error: both.error } : {}), seconds: both.seconds };
      synRecv = both.result?.synRecv.records;
    } else {
      ss = await timed(() => sources.ssListeners());
    }
    outcomes.ss = ss;
    if (ss.result && ss.result.rejected === 0) {
      return { records: ss.result.records, familiesKnown: { ipv4: true, ipv6: true }, ...(synRecv ? { synRecv } : {}), exact: true, outcomes };
    }
  }

  // ss failed, or printed lines it could not parse: /proc gives the set and the lengths.
  const tcp = await timed(() => sources.procTcp());
  const tcp6 = await timed(() => sources.procTcp6());
  outcomes.proc_net_tcp = tcp;
  outcomes.proc_net_tcp6 = tcp6;
  const proc = [...(tcp.result?.records ?? []), ...(tcp6.result?.records ?? [])];
  return {
    records: joinListeners(ss?.result, proc, knownDevices),
    familiesKnown: { ipv4: !!(ss?.result || tcp.result), ipv6: !!(ss?.result || tcp6.result) },
    ...(synRecv ? { synRecv } : {}),
    exact: false,
    outcomes,
  };
}
