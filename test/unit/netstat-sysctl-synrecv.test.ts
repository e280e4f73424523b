import { describe, expect, it } from 'vitest';
import { parseNetstat } from '../../src/sources/netstat.js';
import { parseTcpCounters } from '../../src/sources/snmp.js';
import { parseSockstatInUse } from '../../src/sources/sockstat.js';
import { parseSysctlValue } from '../../src/sources/sysctls.js';
import { parseSsListenersAndSynRecv, parseSsSynRecv } from '../../src/sources/syn-recv.js';
import { fixture } from '../support/fixtures.js';

const SYN_RECV_8020 = { family: 'ipv4', address: '127.0.0.1', port: 8020 };

describe('parseNetstat', () => {
  const { records, rejected } = parseNetstat(fixture('proc-net-netstat.txt'));
  const value = (group: string, name: string) => records.find((r) => r.group === group && r.name === name)?.value;

  it('reads every field of the captured /proc/net/netstat by header name', () => {
    expect(rejected).toBe(0);
    const perGroup = Object.fromEntries(['TcpExt', 'IpExt', 'MPTcpExt'].map((g) => [g, records.filter((r) => r.group === g).length]));
    expect(perGroup).toEqual({ TcpExt: 135, IpExt: 18, MPTcpExt: 76 });
    expect(records).toHaveLength(229);
    // Every non-zero counter of the capture (60 overflows at the listen(4) socket, 3
    // TCP_DEFER_ACCEPT drops at 8020), in file order.
    expect(records.filter((r) => r.value !== 0)).toEqual([
      { group: 'TcpExt', name: 'ListenOverflows', value: 60 },
      { group: 'TcpExt', name: 'ListenDrops', value: 60 },
      { group: 'TcpExt', name: 'TCPPureAcks', value: 24 },
      { group: 'TcpExt', name: 'TCPLostRetransmit', value: 30 },
      { group: 'TcpExt', name: 'TCPTimeouts', value: 51 },
      { group: 'TcpExt', name: 'TCPDeferAcceptDrop', value: 3 },
      { group: 'TcpExt', name: 'TCPSynRetrans', value: 45 },
      { group: 'TcpExt', name: 'TCPDelivered', value: 27 },
      { group: 'TcpExt', name: 'TcpTimeoutRehash', value: 45 },
      { group: 'IpExt', name: 'InOctets', value: 7556 },
      { group: 'IpExt', name: 'OutOctets', value: 7556 },
      { group: 'IpExt', name: 'InNoECTPkts', value: 129 },
    ]);
  });

  it('finds each counter the exporter exports', () => {
    const exported = ['ListenOverflows', 'ListenDrops', 'TCPReqQFullDrop', 'TCPReqQFullDoCookies', 'SyncookiesSent', 'SyncookiesRecv', 'SyncookiesFailed', 'EmbryonicRsts'];
    expect(exported.map((n) => [n, value('TcpExt', n)])).toEqual([
      ['ListenOverflows', 60],
      ['ListenDrops', 60],
      ['TCPReqQFullDrop', 0],
      ['TCPReqQFullDoCookies', 0],
      ['SyncookiesSent', 0],
      ['SyncookiesRecv', 0],
      ['SyncookiesFailed', 0],
      ['EmbryonicRsts', 0],
    ]);
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

  it('keeps only the selected counters, and checks only their values', () => {
    const select = new Map([['TcpExt', new Set(['ListenOverflows', 'ListenDrops', 'NoSuchField'])]]);
    expect(parseNetstat(fixture('proc-net-netstat.txt'), select)).toEqual({
      records: [
        { group: 'TcpExt', name: 'ListenOverflows', value: 60 },
        { group: 'TcpExt', name: 'ListenDrops', value: 60 },
      ],
      rejected: 0,
    });
    const onlyAB = new Map([['TcpExt', new Set(['A', 'B'])]]);
    // A bad selected value is rejected; a bad value of a field or group not asked for is not read.
    expect(parseNetstat('TcpExt: A B C\nTcpExt: 1 x y\nIpExt: X Y\nIpExt: 5 z\n', onlyAB)).toEqual({
      records: [{ group: 'TcpExt', name: 'A', value: 1 }],
      rejected: 1,
    });
    // Pairs are still checked in every group: a names line without values is rejected.
    expect(parseNetstat('IpExt: X\nTcpExt: A\nTcpExt: 4\n', onlyAB)).toEqual({ records: [{ group: 'TcpExt', name: 'A', value: 4 }], rejected: 1 });
  });

  it.each([
    // A second names line: the first is rejected, the second pairs with the values.
    ['TcpExt: A B\nTcpExt: C D\nTcpExt: 1 2\n', [{ group: 'TcpExt', name: 'C', value: 1 }, { group: 'TcpExt', name: 'D', value: 2 }], 1],
    // Values before their names line: rejected, and the names line pairs with the next.
    ['TcpExt: 7 8\nTcpExt: A\nTcpExt: 5\n', [{ group: 'TcpExt', name: 'A', value: 5 }], 1],
    // A names line at the end has no partner; an unparseable one between pairs is skipped.
    ['Ip: F\nIp: 3\n???\nTcpExt: A\nTcpExt: 4\nIpExt: X\n', [{ group: 'Ip', name: 'F', value: 3 }, { group: 'TcpExt', name: 'A', value: 4 }], 2],
    ['\n\n', [], 0],
  ])('pairs the lines of %j', (text, records, rejected) => {
    expect(parseNetstat(text)).toEqual({ records, rejected });
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
    // Three clients of the TCP_DEFER_ACCEPT listener, whose handshakes wait for data.
    expect(parseSsSynRecv(fixture('ss-syn-recv.txt'))).toEqual({ records: [SYN_RECV_8020, SYN_RECV_8020, SYN_RECV_8020], rejected: 0 });
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

describe('parseTcpCounters', () => {
  it('reads Tcp PassiveOpens and InSegs from captured /proc/net/snmp, agreeing with the general parser', () => {
    const text = fixture('proc-net-snmp.txt');
    expect(parseTcpCounters(text)).toEqual({ passiveOpens: 24, inSegs: 141 });
    expect(parseNetstat(text).records.filter((r) => r.group === 'Tcp' && r.name.endsWith('Opens'))).toEqual([
      { group: 'Tcp', name: 'ActiveOpens', value: 42 },
      { group: 'Tcp', name: 'PassiveOpens', value: 24 },
    ]);
  });

  it.each([
    ['', {}],
    ['Ip: A\nIp: 1\nTcp: ActiveOpens\nTcp: 5\n', {}],
    ['Ip: A\nIp: 1\nTcp: PassiveOpens InSegs\nTcp: x 7\n', { inSegs: 7 }],
    ['Ip: A\nIp: 1\nTcp: InSegs PassiveOpens\nTcp: 9 -1\n', { inSegs: 9 }],
    ['Ip: A\nIp: 1\nTcp: PassiveOpens InSegs\nUdp: 3 4\n', {}],
  ])('leaves out what %j does not hold', (text, counters) => {
    expect(parseTcpCounters(text)).toEqual(counters);
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

  it('splits one captured ss run into its listeners and its SYN_RECV entries', () => {
    const { listeners, synRecv } = parseSsListenersAndSynRecv(text);
    expect(listeners.rejected).toBe(0);
    expect(synRecv.rejected).toBe(0);
    // [family, address, port, device, length, limit, drops, inode], in dump order.
    expect(listeners.records.map((r) => [r.family, r.address, r.port, r.device, r.queueLength, r.limit, r.drops, r.inode])).toEqual([
      ['ipv4', '0.0.0.0', 8030, 'br[1]', 0, 16, 0, 354286],
      ['ipv4', '0.0.0.0', 8001, undefined, 0, 16, 0, 354267],
      ['ipv4', '0.0.0.0', 8008, 'lo', 0, 16, 0, 354272],
      ['ipv4', '0.0.0.0', 8036, 'n][<"\\x12345678', 0, 16, 0, 354283],
      ['ipv4', '0.0.0.0', 8035, 'back\\slash', 0, 16, 0, 354264],
      ['ipv4', '0.0.0.0', 8033, '<i>x', 0, 16, 0, 354273],
      ['ipv4', '127.0.0.1', 8012, undefined, 0, 0, 0, 354265],
      // listen(4) with 20 clients: length 5 (limit + 1), 60 drops at this socket.
      ['ipv4', '127.0.0.1', 8010, undefined, 5, 4, 60, 354280],
      ['ipv4', '127.0.0.1', 8011, undefined, 6, 8, 0, 354271],
      ['ipv4', '127.0.0.1', 8011, undefined, 6, 8, 0, 354270],
      // The TCP_DEFER_ACCEPT listener: its SYN_RECV clients below, 3 drops.
      ['ipv4', '127.0.0.1', 8020, undefined, 0, 16, 3, 354284],
      ['ipv6', '::', 8031, 'v6]', 0, 16, 0, 354269],
      ['ipv6', '::', 8004, undefined, 3, 16, 0, 354268],
      ['ipv6', '::', 8003, undefined, 0, 16, 0, 354285],
      ['ipv6', '::', 8034, 'q"uote', 0, 16, 0, 354276],
      ['ipv6', 'fe80::1', 8007, 'vq0', 0, 16, 0, 354274],
      ['ipv6', '::ffff:127.0.0.1', 8006, undefined, 1, 16, 0, 354281],
      ['ipv6', 'fe80::2', 8032, 'br[1]', 0, 16, 0, 354277],
      ['ipv6', '::1', 8005, undefined, 3, 16, 0, 354287],
    ]);
    expect(synRecv.records).toEqual([SYN_RECV_8020, SYN_RECV_8020, SYN_RECV_8020]);
  });

  it('counts a line of neither state as a rejected listener line', () => {
    const { listeners, synRecv } = parseSsListenersAndSynRecv(`${text}\nESTAB 0 0 127.0.0.1:1 127.0.0.1:2 ino:5 sk:1 <->\n`);
    expect(listeners.rejected).toBe(1);
    expect(synRecv.rejected).toBe(0);
  });
});
