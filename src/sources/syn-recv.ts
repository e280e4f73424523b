/**
 * SYN_RECV from ss: one line per half-open connection. Only the local address and port
 * matter: they say which listener the request belongs to. Its cost follows the number of
 * connections (the kernel walks the established hash), hence its own interval. It comes
 * from the same ss run as the listener dump (`ss -tnHe state listening state syn-recv`):
 * one process start instead of two, which is most of what either costs.
 */
import type { ParseResult } from './parse-result.js';
import { type CommandLine, runCommand } from './run-command.js';
import { canonicalIp } from '../net/ip-address.js';
import { parseMemo } from './parse-memo.js';
import type { ListenerRecord } from '../listener/fields.js';
import { parseSsEndpoint, parseSsListeners, requireNetlinkAnswer, type SocketEndpoint, SS_LISTENING_ARGS } from './ss-listeners.js';

export function parseSsSynRecv(text: string): ParseResult<SocketEndpoint> {
  const records: SocketEndpoint[] = [];
  const canonical = parseMemo(canonicalIp);
  let rejected = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'SYN-RECV') fields.shift();
    // Recv-Q, Send-Q, local and peer address; only the local one is read.
    const [recvQ, , localText, peer] = fields;
    const local = peer !== undefined && localText !== undefined && recvQ !== undefined && /^\d+$/.test(recvQ) ? parseSsEndpoint(localText, canonical) : undefined;
    if (!local) {
      rejected++;
      continue;
    }
    records.push(local);
  }
  return { records, rejected };
}

const SS_LISTENING_AND_SYN_RECV_ARGS = [...SS_LISTENING_ARGS, 'state', 'syn-recv'] as const;

export interface SsListenersAndSynRecv {
  readonly listeners: ParseResult<ListenerRecord>;
  readonly synRecv: ParseResult<SocketEndpoint>;
}

/** Asked for two states, ss prints a State column first, which tells the lines apart. */
export function parseSsListenersAndSynRecv(text: string): SsListenersAndSynRecv {
  const listening: string[] = [];
  const synRecv: string[] = [];
  for (const line of text.split('\n')) (line.trimStart().startsWith('SYN-RECV') ? synRecv : listening).push(line);
  return { listeners: parseSsListeners(listening.join('\n')), synRecv: parseSsSynRecv(synRecv.join('\n')) };
}

/** @param command as for readSsListeners */
export async function readSsListenersAndSynRecv(command: CommandLine, timeoutMs: number): Promise<SsListenersAndSynRecv> {
  const [file, ...prefix] = command;
  const both = parseSsListenersAndSynRecv(await runCommand(file, [...prefix, ...SS_LISTENING_AND_SYN_RECV_ARGS], { timeoutMs }));
  requireNetlinkAnswer(both.listeners);
  return both;
}
