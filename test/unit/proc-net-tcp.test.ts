import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcNetTcp, readListenSection } from '../../src/sources/proc-net-tcp.js';
import { parseSsListeners } from '../../src/sources/ss-listeners.js';
import { fixture } from '../support/fixtures.js';

describe('parseProcNetTcp on captured /proc/net/tcp{,6}', () => {
  const v4 = parseProcNetTcp(fixture('proc-net-tcp.txt'), 'ipv4');
  const v6 = parseProcNetTcp(fixture('proc-net-tcp6.txt'), 'ipv6');

  it('returns only LISTEN rows and rejects nothing', () => {
    expect(v4.rejected).toBe(0);
    expect(v6.rejected).toBe(0);
    const listenRows = (t: string) => t.split('\n').filter((l) => / 0A /.test(l)).length;
    expect(v4.records).toHaveLength(listenRows(fixture('proc-net-tcp.txt')));
    expect(v6.records).toHaveLength(listenRows(fixture('proc-net-tcp6.txt')));
  });

  it('agrees with ss captured at the same moment on address, port and depth of every socket', () => {
    const ss = parseSsListeners(fixture('ss-listening.txt')).records;
    const proc = [...v4.records, ...v6.records];
    expect(proc).toHaveLength(ss.length);
    for (const s of ss) {
      const p = proc.find((r) => r.inode === s.inode);
      expect(p, `inode ${s.inode}`).toBeDefined();
      expect([p!.family, p!.address, p!.port, p!.depth]).toEqual([s.family, s.address, s.port, s.depth]);
      expect(p!.limit).toBeUndefined();
    }
  });

  it('skips a row seen twice and counts malformed rows', () => {
    const rows = fixture('proc-net-tcp.txt').split('\n');
    const listen = rows.find((l) => / 0A /.test(l))!;
    const text = [
      rows[0]!,
      listen,
      listen,
      '   9: 0100007F:1F4A 00000000:0000 0A 00000000:zzzz 00:00000000 00000000     0        0 1 1',
      '  10: 0100007F 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 2 1',
      '  11: garbage',
      '  12: 0100007F:1F4A 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 0 1',
      '  13: 0100007F:1F4A 00000000:00', // truncated mid-row
    ].join('\n');
    const r = parseProcNetTcp(text, 'ipv4');
    expect(r.records).toHaveLength(1);
    expect(r.rejected).toBe(5);
  });

  it('rejects an IPv6-length address in the IPv4 file', () => {
    const line = fixture('proc-net-tcp6.txt').split('\n').find((l) => / 0A /.test(l))!;
    expect(parseProcNetTcp(line, 'ipv4')).toEqual({ records: [], rejected: 1 });
  });
});

describe('readListenSection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lq-proc-'));

  it('stops after the first non-LISTEN row instead of reading every connection', () => {
    const text = fixture('proc-net-tcp.txt');
    const established = text.split('\n').find((l) => / 01 /.test(l))!;
    // Many connections after the listeners: the read must not go through them.
    const big = text.trimEnd() + '\n' + `${established}\n`.repeat(20_000);
    const path = join(dir, 'tcp');
    writeFileSync(path, big);
    const section = readListenSection(path, 1000);
    expect(section.length).toBeLessThan(200_000);
    expect(parseProcNetTcp(section, 'ipv4').records).toEqual(parseProcNetTcp(text, 'ipv4').records);
  });

  it('reads to EOF when every row is a listener, including a last line without newline', () => {
    const text = fixture('proc-net-tcp6.txt')
      .split('\n')
      .filter((l) => l.startsWith('  sl') || / 0A /.test(l))
      .join('\n');
    const path = join(dir, 'tcp6');
    writeFileSync(path, text);
    expect(readListenSection(path, 1000)).toBe(text);
  });

  it('throws for a missing file (the sampler turns it into source_up 0)', () => {
    expect(() => readListenSection(join(dir, 'missing'), 1000)).toThrow(/ENOENT/);
  });
});
