import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListenerRecord } from '../../src/listener/fields.js';
import type { ParseResult } from '../../src/sources/parse-result.js';
import { parseProcNetTcp, readListenSection } from '../../src/sources/proc-net-tcp.js';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { fixture } from '../support/fixtures.js';

/** A record as [address, port, queue length, inode]: what /proc/net/tcp{,6} know of a listener. */
type Row = [string, number, number, number];
const rows = (r: ParseResult<ListenerRecord>): Row[] => r.records.map((x) => [x.address, x.port, x.queueLength, x.inode]);

// The LISTEN rows of the captured files (test/fixtures/capture.sh), in file order.
const V4_LISTENERS: Row[] = [
  ['0.0.0.0', 8030, 0, 354286],
  ['0.0.0.0', 8001, 0, 354267],
  ['0.0.0.0', 8008, 0, 354272],
  ['0.0.0.0', 8036, 0, 354283],
  ['0.0.0.0', 8035, 0, 354264],
  ['0.0.0.0', 8033, 0, 354273],
  ['127.0.0.1', 8012, 0, 354265],
  // listen(4) with 20 clients: rx_queue 5, the limit + 1 the kernel allows.
  ['127.0.0.1', 8010, 5, 354280],
  // The two members of an SO_REUSEPORT group (backlog 8, 12 clients between them).
  ['127.0.0.1', 8011, 6, 354271],
  ['127.0.0.1', 8011, 6, 354270],
  ['127.0.0.1', 8020, 0, 354284],
];
const V6_LISTENERS: Row[] = [
  ['::', 8031, 0, 354269],
  // Dual stack (v6only=0): its 2 IPv4 and 1 IPv6 clients queue here.
  ['::', 8004, 3, 354268],
  ['::', 8003, 0, 354285],
  ['::', 8034, 0, 354276],
  // Link-local: /proc has no scope, so no device.
  ['fe80::1', 8007, 0, 354274],
  ['::ffff:127.0.0.1', 8006, 1, 354281],
  ['fe80::2', 8032, 0, 354277],
  ['::1', 8005, 3, 354287],
];

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const LISTEN_8030 = '   0: 00000000:1F5E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 354286 1 0000000045aaadd2 100 0 0 10 0';
// A connection row of the same capture (a client of 8010).
const ESTABLISHED =
  '  12: 0100007F:1F4A 0100007F:D82E 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000003ab41cc 20 0 0 10 -1';

describe('parseProcNetTcp on captured /proc/net/tcp{,6}', () => {
  const v4 = parseProcNetTcp(fixture('proc-net-tcp.txt'), 'ipv4');
  const v6 = parseProcNetTcp(fixture('proc-net-tcp6.txt'), 'ipv6');

  it('returns exactly the LISTEN rows, with no limit, device or drops, and rejects nothing', () => {
    expect(v4.rejected).toBe(0);
    expect(v6.rejected).toBe(0);
    expect(rows(v4)).toEqual(V4_LISTENERS);
    expect(rows(v6)).toEqual(V6_LISTENERS);
    for (const r of v4.records) expect(r.family).toBe('ipv4');
    for (const r of v6.records) expect(r.family).toBe('ipv6');
    for (const r of [...v4.records, ...v6.records]) expect([r.limit, r.device, r.drops]).toEqual([undefined, undefined, undefined]);
  });

  it('agrees with ss captured at the same moment on address, port and depth of every socket', () => {
    const ss = parseSsListeners(fixture('ss-listening.txt')).records;
    const byInode = new Map([...v4.records, ...v6.records].map((r) => [r.inode, r]));
    expect(ss.map((s) => s.inode).sort()).toEqual([...byInode.keys()].sort());
    for (const s of ss) {
      const p = byInode.get(s.inode);
      expect(p && [p.family, p.address, p.port, p.queueLength], `inode ${s.inode}`).toEqual([s.family, s.address, s.port, s.queueLength]);
    }
  });

  it('skips a row seen twice and counts malformed rows', () => {
    const text = [
      HEADER,
      LISTEN_8030,
      LISTEN_8030,
      '   9: 0100007F:1F4A 00000000:0000 0A 00000000:zzzz 00:00000000 00000000     0        0 1 1',
      '  10: 0100007F 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 2 1',
      '  11: garbage',
      '  12: 0100007F:1F4A 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 0 1',
      '  13: 0100007F:1F4A 00000000:00', // truncated mid-row
    ].join('\n');
    const r = parseProcNetTcp(text, 'ipv4');
    expect(rows(r)).toEqual([['0.0.0.0', 8030, 0, 354286]]);
    expect(r.rejected).toBe(5);
  });

  it('rejects an IPv6-length address in the IPv4 file', () => {
    const line =
      '   1: 00000000000000000000000000000000:1F44 00000000000000000000000000000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 354268 4 0000000077d8c5cd 100 0 0 10 0';
    expect(parseProcNetTcp(line, 'ipv6').records).toHaveLength(1);
    expect(parseProcNetTcp(line, 'ipv4')).toEqual({ records: [], rejected: 1 });
  });
});

describe('readListenSection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lq-proc-'));

  it('stops after the first non-LISTEN row instead of reading every connection', () => {
    const text = fixture('proc-net-tcp.txt');
    // Many connections after the listeners: the read must not go through them.
    const big = text.trimEnd() + '\n' + `${ESTABLISHED}\n`.repeat(20_000);
    const path = join(dir, 'tcp');
    writeFileSync(path, big);
    const section = readListenSection(path, 1000);
    expect(section.length).toBeLessThan(200_000);
    expect(rows(parseProcNetTcp(section, 'ipv4'))).toEqual(V4_LISTENERS);
  });

  it('reads to EOF when every row is a listener, including a last line without newline', () => {
    // The kernel prints listeners first: the header and the 8 LISTEN rows, nothing after.
    const text = fixture('proc-net-tcp6.txt').split('\n').slice(0, 1 + V6_LISTENERS.length).join('\n');
    const path = join(dir, 'tcp6');
    writeFileSync(path, text);
    expect(readListenSection(path, 1000)).toBe(text);
    expect(rows(parseProcNetTcp(text, 'ipv6'))).toEqual(V6_LISTENERS);
  });

  it('throws for a missing file (the sampler turns it into source_up 0)', () => {
    expect(() => readListenSection(join(dir, 'missing'), 1000)).toThrow(/ENOENT/);
  });
});
