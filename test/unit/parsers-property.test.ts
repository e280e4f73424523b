/**
 * Property tests: arbitrary and mutated real text never makes a parser throw or yield a
 * count that is NaN, negative or fractional.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldPositions, fieldAt, fieldStarts } from '../../src/sources/line-fields.js';
import { type GroupFieldPositions, parseNetstat } from '../../src/sources/netstat.js';
import { parseTcpCounters } from '../../src/sources/snmp.js';
import { parseProcNetTcp } from '../../src/sources/proc-net-tcp.js';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { parseSysctlValue } from '../../src/sources/sysctls.js';
import { parseSsListenersAndSynRecv, parseSsSynRecv } from '../../src/sources/syn-recv.js';
import { fixture } from '../support/fixtures.js';

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Real text with random edits: characters replaced, lines cut, lines duplicated. */
function mutated(text: string) {
  const lines = text.split('\n');
  return fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant('replace' as const), line: fc.nat(), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 3 }) }),
        fc.record({ kind: fc.constant('cut' as const), line: fc.nat(), at: fc.nat() }),
        fc.record({ kind: fc.constant('dup' as const), line: fc.nat() }),
      ),
      { maxLength: 8 },
    )
    .map((edits) => {
      const out = [...lines];
      for (const e of edits) {
        const i = e.line % out.length;
        const l = out[i]!;
        if (e.kind === 'replace') {
          const at = e.at % (l.length + 1);
          out[i] = l.slice(0, at) + e.ch + l.slice(at + 1);
        } else if (e.kind === 'cut') {
          out[i] = l.slice(0, e.at % (l.length + 1));
        } else {
          out.splice(i, 0, l);
        }
      }
      return out.join('\n');
    });
}

const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 20 }).map((a) => a.join('\n')));

describe('parsers are total', () => {
  const listenerParsers: Array<[string, (t: string) => ReturnType<typeof parseSsListeners>, string]> = [
    ['ss listening', parseSsListeners, 'ss-listening.txt'],
    ['/proc/net/tcp', (t) => parseProcNetTcp(t, 'ipv4'), 'proc-net-tcp.txt'],
    ['/proc/net/tcp6', (t) => parseProcNetTcp(t, 'ipv6'), 'proc-net-tcp6.txt'],
  ];

  it.each(listenerParsers)('%s: records hold whole non-negative numbers, rejections are counted', (_n, parse, file) => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fixture(file))), (text) => {
        const r = parse(text);
        expect(isCount(r.rejected)).toBe(true);
        for (const rec of r.records) {
          expect(isCount(rec.queueLength) && isCount(rec.port) && rec.port <= 65535 && isCount(rec.inode) && rec.inode > 0).toBe(true);
          if (rec.limit !== undefined) expect(isCount(rec.limit)).toBe(true);
          expect(rec.address.length).toBeGreaterThan(0);
        }
        const lines = text.split('\n').filter((l) => l.trim() !== '').length;
        expect(r.records.length + r.rejected).toBeLessThanOrEqual(lines);
      }),
      { numRuns: 300 },
    );
  });

  it('netstat: values are whole non-negative numbers', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fixture('proc-net-netstat.txt'))), (text) => {
        const r = parseNetstat(text);
        expect(isCount(r.rejected)).toBe(true);
        for (const c of r.records) expect(isCount(c.value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('syn-recv and sysctl never throw', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fixture('ss-syn-recv.txt'))), (text) => {
        const r = parseSsSynRecv(text);
        expect(isCount(r.rejected)).toBe(true);
        for (const e of r.records) expect(isCount(e.port)).toBe(true);
        const s = parseSysctlValue(text);
        for (const v of s.records) expect(isCount(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the combined listener and SYN_RECV dump never throws, and loses no line', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(fixture('ss-listening-syn-recv.txt'))), (text) => {
        const { listeners, synRecv } = parseSsListenersAndSynRecv(text);
        const lines = text.split('\n').filter((l) => l.trim() !== '').length;
        expect(listeners.records.length + listeners.rejected + synRecv.records.length + synRecv.rejected).toBe(lines);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fields found by offset read as a split would', () => {
  const spaced = fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(' ', '  ', '\t', '\u00a0', '\u2003', 'ListenDrops', 'InSegs')), { maxLength: 20 }).map((a) => a.join(''));

  it('fieldStarts and fieldAt give the fields of split(/\\s+/), and FieldPositions the indexes of indexOf', () => {
    const positions = new FieldPositions();
    // The same arrays again and again, as a reader asks: what it remembers of one line never answers for another.
    const asked = [['ListenDrops'], ['InSegs', 'ListenDrops', ''], ['a', 'b']];
    fc.assert(
      fc.property(fc.oneof(spaced, anyText), fc.nat(asked.length - 1), (line, which) => {
        const split = line.trim() === '' ? [] : line.trim().split(/\s+/);
        expect(fieldStarts(line, 0, line.length).map((at) => fieldAt(line, at, line.length))).toEqual(split);
        const names = asked[which] ?? [];
        const expected = names.map((name) => ({ name, k: split.indexOf(name) })).filter((f) => f.k >= 0).sort((a, b) => a.k - b.k);
        expect(positions.find(line, names)).toEqual({ count: split.length, at: expected });
      }),
      { numRuns: 500 },
    );
  });

  it('a reader that keeps its positions parses every text as a fresh parse does', () => {
    const select = new Map([['TcpExt', new Set(['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'NoSuchField'])]]);
    const netstatKept: GroupFieldPositions = new Map();
    const snmpKept = new FieldPositions();
    fc.assert(
      fc.property(fc.oneof(mutated(fixture('proc-net-netstat.txt')), mutated(fixture('proc-net-snmp.txt')), anyText), (text) => {
        expect(parseNetstat(text, select, netstatKept)).toEqual(parseNetstat(text, select));
        expect(parseTcpCounters(text, snmpKept)).toEqual(parseTcpCounters(text));
      }),
      { numRuns: 500 },
    );
  });
});
