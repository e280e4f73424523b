/**
 * `ss -tnH state syn-recv`: one line per half-open connection. Only the local address and
 * port matter: they say which listener the request belongs to. Its cost follows the
 * number of connections (the kernel walks the established hash), hence its own interval.
 */
import type { ParseResult } from './parse-result.js';
import { runCommand } from './run-command.js';
import { canonicalIp } from '../net/ip-address.js';
import { parseMemo } from './parse-memo.js';
import { parseSsEndpoint, type SocketEndpoint } from './ss-listeners.js';

const SS_SYN_RECV_ARGS = ['-tnH', 'state', 'syn-recv'] as const;

export function parseSsSynRecv(text: string): ParseResult<SocketEndpoint> {
  const records: SocketEndpoint[] = [];
  const canonical = parseMemo(canonicalIp);
  let rejected = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'SYN-RECV') fields.shift();
    const local = fields.length >= 4 && /^\d+$/.test(fields[0]!) ? parseSsEndpoint(fields[2]!, canonical) : undefined;
    if (!local) {
      rejected++;
      continue;
    }
    records.push(local);
  }
  return { records, rejected };
}

/** @param command as for readSsListeners */
export async function readSsSynRecv(command: readonly string[], timeoutMs: number): Promise<ParseResult<SocketEndpoint>> {
  const [file, ...prefix] = command;
  return parseSsSynRecv(await runCommand(file!, [...prefix, ...SS_SYN_RECV_ARGS], { timeoutMs }));
}
