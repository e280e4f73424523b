import { describe, expect, it } from 'vitest';
import { parseNetstat } from '../../src/sources/netstat.js';
import { parsePassiveOpens } from '../../src/sources/snmp.js';
import { parseSockstatInUse } from '../../src/sources/sockstat.js';
import { parseSysctlValue } from '../../src/sources/sysctls.js';
import { parseSsListenersAndSynRecv, parseSsSynRecv } from '../../src/sources/syn-recv.js';
import { fixture } from '../support/fixtures.js';

describe('parseNetstat', () => {
  it('reads TcpExt fields by header name from captured text', () => {
    const text = fixture('proc-net-netstat.txt');
    const { records, rejected } = parseNetstat(text);
    expect(rejected).toBe(0);
    const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0]!.split(/\s+/).slice(1);
    const values = lines[1]!.split(/\s+/).slice(1).map(Number);
    const tcpExt = records.filter((r) => r.group === 'TcpExt');
    expect(tcpExt).toHaveLength(names.length);
    const overflowIdx = names.indexOf('ListenOverflows');
    expect(tcpExt.find((r) => r.name === 'ListenOverflows')!.value).toBe(values[overflowIdx]);
    expect(values[overflowIdx]).toBeGreaterThan(0);
  });

  it('does not depend on field order and tolerates new fields', () => {
    const text = 'TcpExt: NewField ListenDrops ListenOverflows\nTcpExt: 7 5 3\n';
    expect(parseNetstat(text)).toEqual({
      records: [
        { group: 'TcpExt', name: 'NewField', value: 7 },
        { group: 'TcpExt', name: 'ListenDrops', value: 5 },
        { group: 'TcpExt', name: 'ListenOverflows', value: 3 },
      ],
      rejected: 0,
    });
  });

  it('counts a truncated value line and keeps the fields it has', () => {
    const r = parseNetstat('TcpExt: A B C\nTcpExt: 1 2\nIpExt: X\nIpExt: 9\n');
    expect(r.records.map((c) => c.name)).toEqual(['A', 'B', 'X']);
    expect(r.rejected).toBe(1);
  });

  it('rejects a header without values and values without header', () => {
    expect(parseNetstat('TcpExt: A B\nIpExt: X\nIpExt: 1\n')).toEqual({
      records: [{ group: 'IpExt', name: 'X', value: 1 }],
      rejected: 1,
    });
    expect(parseNetstat('garbage\n').rejected).toBe(1);
  });
});

describe('parseSysctlValue', () => {
  it.each([
    ['4096\n', [4096], 0],
    ['0', [0], 0],
    ['-1\n', [], 1],
    ['abc', [], 1],
    ['', [], 1],
  ])('%j', (text, records, rejected) => {
    expect(parseSysctlValue(text)).toEqual({ records, rejected });
  });
});

describe('parseSsSynRecv', () => {
  it('reads the local endpoints of captured SYN_RECV entries', () => {
    const { records, rejected } = parseSsSynRecv(fixture('ss-syn-recv.txt'));
    expect(rejected).toBe(0);
    expect(records.length).toBe(fixture('ss-syn-recv.txt').trim().split('\n').length);
    expect(records.every((r) => r.port === 8020 && r.address === '127.0.0.1' && r.family === 'ipv4')).toBe(true);
  });

  it('reads v4-mapped local addresses as IPv6 and counts bad lines', () => {
    const r = parseSsSynRecv('0 0 [::ffff:127.0.0.1]:8021 [::ffff:127.0.0.1]:40030\nnonsense\n0 0 [::1]:8021 [::1]:55664');
    expect(r.records).toEqual([
      { family: 'ipv6', address: '::ffff:127.0.0.1', port: 8021 },
      { family: 'ipv6', address: '::1', port: 8021 },
    ]);
    expect(r.rejected).toBe(1);
  });
});

describe('parsePassiveOpens', () => {
  it('reads Tcp PassiveOpens from captured /proc/net/snmp, agreeing with the general parser', () => {
    const text = fixture('proc-net-snmp.txt');
    const general = parseNetstat(text).records.find((r) => r.group === 'Tcp' && r.name === 'PassiveOpens')!.value;
    expect(parsePassiveOpens(text)).toBe(general);
    expect(general).toBeGreaterThan(0);
  });

  it('gives undefined for text without it', () => {
    expect(parsePassiveOpens('')).toBeUndefined();
    expect(parsePassiveOpens('Ip: A\nIp: 1\nTcp: ActiveOpens\nTcp: 5\n')).toBeUndefined();
    expect(parsePassiveOpens('Ip: A\nIp: 1\nTcp: PassiveOpens\nTcp: x\n')).toBeUndefined();
  });
});

describe('parseSockstatInUse', () => {
  it('reads TCP and TCP6 socket counts', () => {
    const v4 = 'sockets: used 24\nTCP: inuse 3 orphan 0 tw 11 alloc 41055 mem 107\nUDP: inuse 0 mem 0\n';
    expect(parseSockstatInUse(v4, 'TCP')).toBe(3);
    expect(parseSockstatInUse('TCP6: inuse 0\nUDP6: inuse 0\n', 'TCP6')).toBe(0);
    expect(parseSockstatInUse(v4, 'TCP6')).toBeUndefined();
    expect(parseSockstatInUse('TCP: inuse x', 'TCP')).toBeUndefined();
  });
});

describe('parseSsListenersAndSynRecv', () => {
  const text = fixture('ss-listening-syn-recv.txt');
  const lines = text.trim().split('\n');

  it('splits one captured ss run into its listeners and its SYN_RECV entries', () => {
    const { listeners, synRecv } = parseSsListenersAndSynRecv(text);
    expect(listeners.rejected).toBe(0);
    expect(synRecv.rejected).toBe(0);
    expect(listeners.records).toHaveLength(lines.filter((l) => l.startsWith('LISTEN')).length);
    expect(synRecv.records).toHaveLength(lines.filter((l) => l.startsWith('SYN-RECV')).length);
    expect(synRecv.records.length).toBeGreaterThan(0);
    expect(synRecv.records.every((r) => r.port === 8020 && r.address === '127.0.0.1')).toBe(true);
    // The capture's full queue (backlog 4) and its SYN-queue listener, with limits from ss.
    expect(listeners.records.find((r) => r.port === 8010)).toMatchObject({ depth: 5, limit: 4 });
    expect(listeners.records.find((r) => r.port === 8020)).toMatchObject({ limit: 16 });
  });

  it('counts a line of neither state as a rejected listener line', () => {
    const { listeners, synRecv } = parseSsListenersAndSynRecv(`${text}\nESTAB 0 0 127.0.0.1:1 127.0.0.1:2 ino:5 sk:1 <->\n`);
    expect(listeners.rejected).toBe(1);
    expect(synRecv.rejected).toBe(0);
  });
});
