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

/** Which counters a parse keeps: group -> field names. */
export type CounterSelection = ReadonlyMap<string, ReadonlySet<string>>;

const COUNT_RE = /^-?\d+$/;
const NAME_RE = /^\w+$/;
/** Text whose first field is a number: a line of values rather than of names. */
const VALUES_START_RE = /^\s*-?\d+(\s|$)/;

interface GroupLine {
  readonly group: string;
  readonly rest: string;
}

/** `Group: fields...` split at its colon, or null for any other line. No regex over the whole line: lines run to 2 KB. */
function groupLine(line: string): GroupLine | null {
  const colon = line.indexOf(':');
  if (colon <= 0 || !/\s/.test(line.charAt(colon + 1))) return null;
  const group = line.slice(0, colon);
  return NAME_RE.test(group) ? { group, rest: line.slice(colon + 2) } : null;
}

/**
 * @param select only these counters become records, and only their values are checked: a
 *   sample wants 8 of the file's 200-odd counters, and checking and converting every field
 *   was most of its cost. The lines of other groups are still paired, so a broken pair
 *   counts as rejected as before.
 */
export function parseNetstat(text: string, select?: CounterSelection): ParseResult<KernelCounter> {
  const records: KernelCounter[] = [];
  let rejected = 0;
  // The line waiting for its partner: a names line, or a line that did not parse (null).
  // A line that cannot start a pair (no partner, or not followed by its values) counts
  // as rejected once, and the line after it is tried as a names line in turn.
  let pending: GroupLine | null | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const current = groupLine(line);
    if (pending === undefined) {
      pending = current;
      continue;
    }
    const group = pending?.group;
    const namesText = pending?.rest;
    const valuesText = current?.rest;
    const wanted = group === undefined ? undefined : select?.get(group);
    const skipped = select !== undefined && wanted === undefined;
    const nums = skipped ? [] : valuesText?.trim().split(/\s+/);
    // A line of values must be all numbers; a second line of names is a broken pair. With
    // a selection, the first field says which of the two a line is.
    const isValues =
      valuesText !== undefined && (select ? VALUES_START_RE.test(valuesText) : nums?.every((n) => COUNT_RE.test(n)));
    if (group === undefined || namesText === undefined || current?.group !== group || !isValues || !nums) {
      rejected++;
      pending = current;
      continue;
    }
    pending = undefined;
    if (skipped) continue;
    const names = namesText.trim().split(/\s+/);
    if (names.length !== nums.length) rejected++;
    // With a selection, each wanted name is looked for in the line rather than each of the
    // line's 130-odd names in the set: hashing every name, new strings at every read, was
    // most of what was left of the parse.
    const fields = wanted ? wantedIndexes(names, wanted) : names.keys();
    for (const k of fields) {
      const name = names[k];
      const num = nums[k];
      if (name === undefined || num === undefined) continue;
      if (wanted && !COUNT_RE.test(num)) {
        rejected++;
        continue;
      }
      const value = Number(num);
      // Counters are unsigned in the kernel; anything else is corruption, not a value.
      if (!Number.isSafeInteger(value) || value < 0 || !NAME_RE.test(name)) continue;
      records.push({ group, name, value });
    }
  }
  if (pending !== undefined) rejected++;
  return { records, rejected };
}

/** Where the wanted names stand in a names line, in the line's order (first occurrence of each). */
function wantedIndexes(names: readonly string[], wanted: ReadonlySet<string>): number[] {
  const at: number[] = [];
  for (const name of wanted) {
    const k = names.indexOf(name);
    if (k >= 0) at.push(k);
  }
  return at.sort((a, b) => a - b);
}
