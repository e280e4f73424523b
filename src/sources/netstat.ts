/**
 * /proc/net/netstat (and /proc/net/snmp, same layout): pairs of lines, `Group: names...`
 * then `Group: values...`. Fields are read by header name, never by position, because
 * newer kernels add fields.
 */
import type { ParseResult } from './parse-result.js';

export interface KernelCounter {
  readonly group: string;
  readonly name: string;
  readonly value: number;
}

const LINE_RE = /^(\w+):\s(.*)$/;

export function parseNetstat(text: string): ParseResult<KernelCounter> {
  const records: KernelCounter[] = [];
  let rejected = 0;
  // The line waiting for its partner: a names line, or a line that did not parse (null).
  // A line that cannot start a pair (no partner, or not followed by its values) counts
  // as rejected once, and the line after it is tried as a names line in turn.
  let pending: RegExpExecArray | null | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const current = LINE_RE.exec(line);
    if (pending === undefined) {
      pending = current;
      continue;
    }
    const group = pending?.[1];
    const namesText = pending?.[2];
    const valuesText = current?.[2];
    // A line of values must be all numbers; a second line of names is a broken pair.
    const nums = valuesText?.trim().split(/\s+/);
    if (group === undefined || namesText === undefined || current?.[1] !== group || !nums?.every((n) => /^-?\d+$/.test(n))) {
      rejected++;
      pending = current;
      continue;
    }
    pending = undefined;
    const names = namesText.trim().split(/\s+/);
    if (names.length !== nums.length) rejected++;
    let k = 0;
    for (const name of names) {
      const num = nums[k++];
      if (num === undefined) break;
      const value = Number(num);
      // Counters are unsigned in the kernel; anything else is corruption, not a value.
      if (!Number.isSafeInteger(value) || value < 0 || !/^\w+$/.test(name)) continue;
      records.push({ group, name, value });
    }
  }
  if (pending !== undefined) rejected++;
  return { records, rejected };
}
