/**
 * The whitespace-separated fields of one line of a counters file (/proc/net/snmp,
 * /proc/net/netstat), found by offset instead of by splitting the line: the probe and the
 * sample want 2 and 14 of a line's 130-odd fields, and a split made a string of every one
 * of them at every read. Whitespace is what `\s` matches, as `split(/\s+/)` splits at it.
 */

function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13) || c === 0xa0) return true;
  return c > 0xff && (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff);
}

/** Where each field of `text` starts, for the fields that lie wholly in [from, to). */
export function fieldStarts(text: string, from: number, to: number): number[] {
  const starts: number[] = [];
  let inField = false;
  for (let i = from; i < to; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inField) starts.push(i);
    inField = !space;
  }
  return starts;
}

/** The field that starts at `start`, up to whitespace or `to`. */
export function fieldAt(text: string, start: number, to: number): string {
  let end = start;
  while (end < to && !isSpace(text.charCodeAt(end))) end++;
  return text.slice(start, end);
}

/** The position in `starts` (the fieldStarts of all of `line`) of the first field equal to `name`, or -1. */
function fieldIndex(line: string, starts: readonly number[], name: string): number {
  if (name === '') return -1;
  for (let at = line.indexOf(name); at >= 0; at = line.indexOf(name, at + 1)) {
    const end = at + name.length;
    if (end < line.length && !isSpace(line.charCodeAt(end))) continue;
    // A field starts here only if it is one of the starts: binary search.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = starts[mid] ?? 0;
      if (s === at) return mid;
      if (s < at) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return -1;
}

/** Named fields of one names line: where each stands, in the line's order, and how many fields it has. */
export interface NamedFields {
  readonly count: number;
  /** The first field of each name the line has, by index. */
  readonly at: ReadonlyArray<{ readonly name: string; readonly k: number }>;
}

/**
 * Where named fields stand in a names line (`Tcp: RtoAlgorithm RtoMin ...`), remembered
 * while the line and the names asked for are the same: the line is for the life of a
 * kernel, and finding a name's place means counting the fields before it, a scan of the
 * 2 KB TcpExt line at every read. One per reader of one file's group.
 */
export class FieldPositions {
  private last: { readonly line: string; readonly names: Iterable<string>; readonly found: NamedFields } | undefined;

  find(line: string, names: Iterable<string>): NamedFields {
    const last = this.last;
    if (last !== undefined && last.names === names && last.line === line) return last.found;
    const starts = fieldStarts(line, 0, line.length);
    const at: Array<{ readonly name: string; readonly k: number }> = [];
    for (const name of names) {
      const k = fieldIndex(line, starts, name);
      if (k >= 0) at.push({ name, k });
    }
    at.sort((a, b) => a.k - b.k);
    const found = { count: starts.length, at };
    this.last = { line, names, found };
    return found;
  }
}
