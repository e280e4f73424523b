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

export function parseNetstat(text: string): ParseResult<KernelCounter> {
  const records: KernelCounter[] = [];
  let rejected = 0;
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = 0; i < lines.length; i++) {
    const header = /^(\w+):\s(.*)$/.exec(lines[i]!);
    const values = i + 1 < lines.length ? /^(\w+):\s(.*)$/.exec(lines[i + 1]!) : null;
    if (!header || !values || values[1] !== header[1]) {
      rejected++;
      continue;
    }
    const names = header[2]!.trim().split(/\s+/);
    const nums = values[2]!.trim().split(/\s+/);
    // A line of values must be all numbers; a second line of names is a broken pair.
    if (!nums.every((n) => /^-?\d+$/.test(n))) {
      rejected++;
      continue;
    }
    i++;
    if (names.length !== nums.length) rejected++;
    const n = Math.min(names.length, nums.length);
    for (let k = 0; k < n; k++) {
      const value = Number(nums[k]);
      // Counters are unsigned in the kernel; anything else is corruption, not a value.
      if (!Number.isSafeInteger(value) || value < 0 || !/^\w+$/.test(names[k]!)) continue;
      records.push({ group: header[1]!, name: names[k]!, value });
    }
  }
  return { records, rejected };
}
