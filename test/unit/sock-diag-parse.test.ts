/**
 * The sock_diag and rtnetlink parsers on replies captured from a real kernel by
 * test/fixtures/capture.sh (the same namespace as the ss and /proc fixtures), with literal
 * expected tables; then cut and garbled replies, which must never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getLinkRequest, inetDiagExactRequest, inetDiagRequest, setBatchSeq, splitReply, tcpDiagRequest } from '../../src/sources/sock-diag/netlink-messages.js';
import { parseExactLengths, parseInetDiag, parseInetDiagLengths } from '../../src/sources/sock-diag/parse-inet-diag.js';
import { parseLinks } from '../../src/sources/sock-diag/parse-links.js';
import { fixtureBytes } from '../support/fixtures.js';

type Row = [address: string, port: number, ifindex: number, state: number, rqueue: number, wqueue: number, inode: number, drops: number | undefined];

const rows = (name: string): Row[] =>
  parseInetDiag(fixtureBytes(name)).records.map((s) => [s.address, s.port, s.ifindex, s.state, s.rqueue, s.wqueue, s.inode, s.drops]);

describe('parseInetDiag on captured LISTEN dumps', () => {
  it('reads every AF_INET listener: length, limit, interface, inode and drops', () => {
    const parsed = parseInetDiag(fixtureBytes('sock-diag-listen-inet.bin'));
    expect(parsed).toMatchObject({ rejected: 0, complete: true });
    expect(parsed.errno).toBeUndefined();
    expect(rows('sock-diag-listen-inet.bin')).toEqual([
      ['0.0.0.0', 8030, 5, 10, 0, 16, 354286, 0],
      ['0.0.0.0', 8001, 0, 10, 0, 16, 354267, 0],
      ['0.0.0.0', 8008, 1, 10, 0, 16, 354272, 0],
      ['0.0.0.0', 8036, 15, 10, 0, 16, 354283, 0],
      ['0.0.0.0', 8035, 13, 10, 0, 16, 354264, 0],
      ['0.0.0.0', 8033, 9, 10, 0, 16, 354273, 0],
      ['127.0.0.1', 8012, 0, 10, 0, 0, 354265, 0],
      // listen(4) with 20 clients: length 5 (limit + 1) and 60 drops at this socket.
      ['127.0.0.1', 8010, 0, 10, 5, 4, 354280, 60],
      // An SO_REUSEPORT pair: two sockets, told apart by inode.
      ['127.0.0.1', 8011, 0, 10, 6, 8, 354271, 0],
      ['127.0.0.1', 8011, 0, 10, 6, 8, 354270, 0],
      ['127.0.0.1', 8020, 0, 10, 0, 16, 354284, 3],
    ]);
  });

  it('reads every AF_INET6 listener: wildcards, v4-mapped, link-local with its scope', () => {
    expect(rows('sock-diag-listen-inet6.bin')).toEqual([
      ['::', 8031, 7, 10, 0, 16, 354269, 0],
      ['::', 8004, 0, 10, 3, 16, 354268, 0],
      ['::', 8003, 0, 10, 0, 16, 354285, 0],
      ['::', 8034, 11, 10, 0, 16, 354276, 0],
      ['fe80::1', 8007, 3, 10, 0, 16, 354274, 0],
      ['::ffff:127.0.0.1', 8006, 0, 10, 1, 16, 354281, 0],
      ['fe80::2', 8032, 5, 10, 0, 16, 354277, 0],
      ['::1', 8005, 0, 10, 3, 16, 354287, 0],
    ]);
  });

  it('reads SYN_RECV entries by their local endpoint, without meminfo', () => {
    expect(rows('sock-diag-syn-recv-inet.bin')).toEqual([
      ['127.0.0.1', 8020, 0, 3, 0, 0, 0, undefined],
      ['127.0.0.1', 8020, 0, 3, 0, 0, 0, undefined],
      ['127.0.0.1', 8020, 0, 3, 0, 0, 0, undefined],
    ]);
    expect(parseInetDiag(fixtureBytes('sock-diag-syn-recv-inet6.bin'))).toEqual({ records: [], rejected: 0, complete: true });
  });
});

describe('parseInetDiagLengths, the probe\'s parser', () => {
  it('reads inode and length of every listener, as the full parser does', () => {
    expect(parseInetDiagLengths(fixtureBytes('sock-diag-listen-inet.bin'))).toEqual({
      records: [
        { inode: 354286, queueLength: 0 },
        { inode: 354267, queueLength: 0 },
        { inode: 354272, queueLength: 0 },
        { inode: 354283, queueLength: 0 },
        { inode: 354264, queueLength: 0 },
        { inode: 354273, queueLength: 0 },
        { inode: 354265, queueLength: 0 },
        { inode: 354280, queueLength: 5 },
        { inode: 354271, queueLength: 6 },
        { inode: 354270, queueLength: 6 },
        { inode: 354284, queueLength: 0 },
      ],
      rejected: 0,
      complete: true,
    });
  });

  it('keeps no SYN_RECV entry and counts no whole message rejected', () => {
    expect(parseInetDiagLengths(fixtureBytes('sock-diag-syn-recv-inet.bin'))).toEqual({ records: [], rejected: 0, complete: true });
  });
});

describe('parseLinks on captured RTM_NEWLINK answers', () => {
  it.each([
    [1, 'lo'],
    [3, 'vq0'],
    [5, 'br[1]'],
    [7, 'v6]'],
    [9, '<i>x'],
    [11, 'q"uote'],
    [13, 'back\\slash'],
    [15, 'n][<"\\x12345678'],
  ])('interface %i is %s', (index, name) => {
    expect(parseLinks(fixtureBytes(`rtnetlink-link-${index}.bin`))).toEqual({ records: [{ index, name }], rejected: 0 });
  });
});

describe('parseExactLengths on a captured batch of lookups', () => {
  it('reads each answered listener and counts the lookup the kernel refused (wrong cookie: ENOENT)', () => {
    expect(parseExactLengths(fixtureBytes('sock-diag-exact-lengths.bin'))).toEqual({
      // 127.0.0.1:9003 (listen(8), empty) and 127.0.0.1:9001 (listen(2), 3 queued).
      records: [
        { inode: 1212708, queueLength: 0 },
        { inode: 1212706, queueLength: 3 },
      ],
      rejected: 0,
      refused: 1,
    });
  });

  it('never throws on a cut batch, and a cut batch never holds every answer', () => {
    const whole = fixtureBytes('sock-diag-exact-lengths.bin');
    for (let n = 0; n < whole.length; n++) {
      const parsed = parseExactLengths(whole.subarray(0, n));
      expect(parsed.records.length + parsed.refused).toBeLessThan(3);
    }
  });
});

describe('cut and garbled replies', () => {
  const whole = fixtureBytes('sock-diag-listen-inet.bin');

  it('a reply cut anywhere is never complete, never throws, and keeps only whole messages', () => {
    for (let n = 0; n < whole.length; n++) {
      const parsed = parseInetDiag(whole.subarray(0, n));
      expect(parsed.complete).toBe(false);
      expect(parsed.records.length).toBeLessThanOrEqual(11);
      for (const r of parsed.records) expect(rows('sock-diag-listen-inet.bin').map((x) => x[6])).toContain(r.inode);
    }
  });

  it('a message too short for inet_diag_msg, or of another family, is rejected', () => {
    const msg = Buffer.from(whole.subarray(0, whole.readUInt32LE(0)));
    const short = Buffer.from(msg.subarray(0, 40));
    short.writeUInt32LE(40, 0);
    const done = whole.subarray(whole.length - 20);
    expect(parseInetDiag(Buffer.concat([short, done]))).toMatchObject({ records: [], rejected: 1, complete: true });
    const alien = Buffer.from(msg);
    alien.writeUInt8(1, 16); // AF_UNIX
    expect(parseInetDiag(Buffer.concat([alien, done]))).toMatchObject({ records: [], rejected: 1, complete: true });
  });

  it('an attribute that overruns its message rejects that message only', () => {
    const first = whole.readUInt32LE(0);
    const bad = Buffer.from(whole);
    bad.writeUInt16LE(0xfff0, 16 + 72); // the first attribute's length
    const parsed = parseInetDiag(bad);
    expect(parsed.rejected).toBe(1);
    expect(parsed.records).toHaveLength(10);
    expect(first).toBeGreaterThan(16 + 72);
  });

  it('reports the kernel error of an NLMSG_ERROR answer', () => {
    const err = Buffer.alloc(36);
    err.writeUInt32LE(36, 0);
    err.writeUInt16LE(2, 4);
    err.writeInt32LE(-1, 16);
    expect(parseInetDiag(err)).toEqual({ records: [], rejected: 0, complete: true, errno: -1 });
    expect(parseLinks(err)).toEqual({ records: [], rejected: 0, errno: -1 });
  });

  it('never throws on arbitrary bytes, and accounts for every message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const parsed = parseInetDiag(bytes);
        const split = splitReply(bytes);
        expect(parsed.records.length + parsed.rejected).toBe(split.messages.length + split.malformed);
        expect(parseInetDiagLengths(bytes).complete).toBe(parsed.complete);
        parseExactLengths(bytes);
        parseLinks(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('requests', () => {
  it('a LISTEN dump with meminfo is the 72 bytes the kernel expects', () => {
    const req = inetDiagRequest(10, 1 << 10, true, 7);
    expect(req.toString('hex')).toBe(
      '48000000' + '1400' + '0103' + '07000000' + '00000000' + '0a' + '06' + '40' + '00' + '00040000' + '00'.repeat(48),
    );
  });

  it('the one dump of both families is the older TCPDIAG_GETSOCK request, 76 bytes', () => {
    expect(tcpDiagRequest(1 << 10, true, 7).toString('hex')).toBe(
      '4c000000' + '1200' + '0103' + '07000000' + '00000000' + '00' + '00' + '00' + '40' + '00'.repeat(48) + '00040000' + '00000000',
    );
  });

  it('an exact request carries the sockid as the dump gave it, without a dump flag, and a batch takes one sequence number', () => {
    const sockid = Buffer.alloc(48, 0xab);
    const req = inetDiagExactRequest(2, sockid, 3);
    expect(req.toString('hex')).toBe('48000000' + '1400' + '0100' + '03000000' + '00000000' + '02' + '06' + '00' + '00' + '00040000' + 'ab'.repeat(48));
    const batch = Buffer.concat([req, inetDiagExactRequest(10, sockid, 3)]);
    setBatchSeq(batch, 0x01020304);
    expect([batch.readUInt32LE(8), batch.readUInt32LE(72 + 8), batch.readUInt8(72 + 16)]).toEqual([0x01020304, 0x01020304, 10]);
  });

  it('a link request asks for one index and an acknowledgement', () => {
    const req = getLinkRequest(5, 9);
    expect(req.length).toBe(32);
    expect(req.readUInt16LE(4)).toBe(18);
    expect(req.readUInt16LE(6)).toBe(0x5);
    expect(req.readInt32LE(20)).toBe(5);
  });
});
