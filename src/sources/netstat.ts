/**
 * /proc/net/netstat (and /proc/net/snmp, same layout): pairs of lines, `Group: names...`
 * then `Group: values...`. Fields are read by header name, never by position, because
 * newer kernels add fields.
 */
import { FieldPositions, fieldAt, fieldStarts } from './line-fields.js';
import type { ParseResult } from './parse-result.js';

export interface KernelCounter {
  readonly group: string;
  readonly name: string;
  readonly value: number;
}

/** Which counters a parse keeps: group -> field names. */
export type CounterSelection = ReadonlyMap<string, ReadonlySet<string>>;

/** Where the fields of each group's names line stand, kept by a reader from read to read. */
export type GroupFieldPositions = Map<string, FieldPositions>;

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
 * @param positions with a selection: where each group's wanted fields stand
 */
export function parseNetstat(text: string, select?: CounterSelection, positions: GroupFieldPositions = new Map()): ParseResult<KernelCounter> {
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
    // With a selection, the first field says whether a line is values rather than a second
    // line of names; without one, every field must be a number.
    const nums = select ? undefined : valuesText?.trim().split(/\s+/);
    const isValues = valuesText !== undefined && (select ? VALUES_START_RE.test(valuesText) : nums?.every((n) => COUNT_RE.test(n)));
    if (group === undefined || namesText === undefined || valuesText === undefined || current?.group !== group || !isValues) {
      rejected++;
      pending = current;
      continue;
    }
    pending = undefined;
    if (skipped) continue;
    if (wanted) {
      let at = positions.get(group);
      if (!at) positions.set(group, (at = new FieldPositions()));
      rejected += pickWanted(group, namesText, valuesText, wanted, at, records);
      continue;
    }
    const names = namesText.trim().split(/\s+/);
    if (!nums) continue;
    if (names.length !== nums.length) rejected++;
    for (const [k, name] of names.entries()) {
      const num = nums[k];
      const counter = num === undefined ? undefined : kernelCounter(group, name, num);
      if (counter) records.push(counter);
    }
  }
  if (pending !== undefined) rejected++;
  return { records, rejected };
}

/**
 * The wanted counters of one pair of lines, in the line's order (first occurrence of each
 * name), appended to records; returns the lines rejected. Each wanted name is looked for
 * in the names line, and only its value is checked and converted: splitting both lines,
 * a new string for each of their 130-odd fields at every read, was most of a sample's parse.
 */
function pickWanted(
  group: string,
  namesText: string,
  valuesText: string,
  wanted: ReadonlySet<string>,
  positions: FieldPositions,
  records: KernelCounter[],
): number {
  let rejected = 0;
  const values = fieldStarts(valuesText, 0, valuesText.length);
  const { count, at } = positions.find(namesText, wanted);
  // As split(/\s+/) of the trimmed line counts them: an empty line is one empty field.
  if (Math.max(count, 1) !== Math.max(values.length, 1)) rejected++;
  for (const { name, k } of at) {
    const start = values[k];
    if (start === undefined) continue;
    const num = fieldAt(valuesText, start, valuesText.length);
    if (!COUNT_RE.test(num)) {
      rejected++;
      continue;
    }
    const counter = kernelCounter(group, name, num);
    if (counter) records.push(counter);
  }
  return rejected;
}

/** The counter a field holds, or undefined where its name or number cannot be one. */
function kernelCounter(group: string, name: string, num: string): KernelCounter | undefined {
  const value = Number(num);
  // Counters are unsigned in the kernel; anything else is corruption, not a value.
  return Number.isSafeInteger(value) && value >= 0 && NAME_RE.test(name) ? { group, name, value } : undefined;
}
