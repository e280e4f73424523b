import { describe, expect, it } from 'vitest';
import { parseSsEndpoint, parseSsListeners } from '../../src/sources/ss-listeners.js';
import { fixture } from '../support/fixtures.js';

describe('parseSsListeners on captured `ss -tnHe state listening`', () => {
  const { records, rejected } = parseSsListeners(fixture('ss-listening.txt'));
  const byPort = (port: number) => records.filter((r) => r.port === port);

  it('reads every listener and rejects nothing', () => {
    expect(rejected).toBe(0);
    expect(records).toHaveLength(fixture('ss-listening.txt').trim().split('\n').length);
  });

  it('reads depth and limit of a full backlog-4 queue as 5 and 4', () => {
    expect(byPort(8010)).toEqual([{ family: 'ipv4', address: '127.0.0.1', port: 8010, depth: 5, limit: 4, inode: expect.any(Number) }]);
  });

  it('covers every address form', () => {
    expect(byPort(8001)[0]).toMatchObject({ family: 'ipv4', address: '0.0.0.0' });
    expect(byPort(8008)[0]).toMatchObject({ family: 'ipv4', address: '0.0.0.0', device: 'lo' });
    expect(byPort(8005)[0]).toMatchObject({ family: 'ipv6', address: '::1', depth: 3 });
    expect(byPort(8003)[0]).toMatchObject({ family: 'ipv6', address: '::' });
    expect(byPort(8004)[0]).toMatchObject({ family: 'ipv6', address: '::', depth: 3 });
    expect(byPort(8007)[0]).toMatchObject({ family: 'ipv6', address: 'fe80::1', device: 'vq0' });
    expect(byPort(8006)[0]).toMatchObject({ family: 'ipv6', address: '::ffff:127.0.0.1', depth: 1 });
    expect(byPort(8012)[0]).toMatchObject({ limit: 0 });
  });

  it('keeps both sockets of an SO_REUSEPORT group, told apart by inode', () => {
    const group = byPort(8011);
    expect(group).toHaveLength(2);
    expect(new Set(group.map((r) => r.inode)).size).toBe(2);
  });
});

describe('ss text formats from the facts file', () => {
  // Lines as `ss -ltnHe` prints them (with a State column), incl. the ip-netns-exec cgroup form.
  const text = [
    'LISTEN 0      16                0.0.0.0:8001      0.0.0.0:* ino:130077 sk:ac cgroup:unreachable:1 <->',
    'LISTEN 0      16             0.0.0.0%lo:8008      0.0.0.0:* ino:130078 sk:ad cgroup:unreachable:1 <->',
    'LISTEN 0      16                  [::1]:8005         [::]:* ino:130079 sk:ae cgroup:unreachable:1 v6only:1 <->',
    'LISTEN 0      16                   [::]:8003         [::]:* ino:130080 sk:af cgroup:unreachable:1 v6only:1 <->',
    'LISTEN 2      16                      *:8004            *:* ino:130081 sk:b0 cgroup:unreachable:1 v6only:0 <->',
    'LISTEN 0      16          [fe80::1]%vq0:8007         [::]:* ino:130082 sk:b1 cgroup:unreachable:1 v6only:1 <->',
    'LISTEN 1      16     [::ffff:127.0.0.1]:8006            *:* ino:130083 sk:b2 cgroup:unreachable:1 v6only:0 <->',
  ].join('\n');

  it('parses all seven forms', () => {
    const { records, rejected } = parseSsListeners(text);
    expect(rejected).toBe(0);
    expect(records.map((r) => [r.family, r.address, r.port, r.device, r.depth, r.limit, r.inode])).toEqual([
      ['ipv4', '0.0.0.0', 8001, undefined, 0, 16, 130077],
      ['ipv4', '0.0.0.0', 8008, 'lo', 0, 16, 130078],
      ['ipv6', '::1', 8005, undefined, 0, 16, 130079],
      ['ipv6', '::', 8003, undefined, 0, 16, 130080],
      ['ipv6', '::', 8004, undefined, 2, 16, 130081],
      ['ipv6', 'fe80::1', 8007, 'vq0', 0, 16, 130082],
      ['ipv6', '::ffff:127.0.0.1', 8006, undefined, 1, 16, 130083],
    ]);
  });
});

describe('malformed ss output', () => {
  it('counts bad lines and keeps the good ones', () => {
    const good = '0 16 0.0.0.0:8001 0.0.0.0:* ino:1 sk:1 <->';
    const text = [
      good,
      'garbage',
      '0 16 0.0.0.0:8001 0.0.0.0:*', // no inode (ss without -e)
      'x 16 0.0.0.0:80 0.0.0.0:* ino:2',
      '0 -1 0.0.0.0:80 0.0.0.0:* ino:3',
      '0 16 0.0.0.0:99999 0.0.0.0:* ino:4',
      '0 16 [::1:80 [::]:* ino:5',
      '0 16 300.0.0.1:80 0.0.0.0:* ino:6',
      '0 16 0.0.0.0%:80 0.0.0.0:* ino:7',
      '0 16 [1.2.3.4]:80 [::]:* ino:8',
      '0 1', // truncated mid-row
    ].join('\n');
    const { records, rejected } = parseSsListeners(text);
    expect(records).toHaveLength(1);
    expect(records[0]!.inode).toBe(1);
    expect(rejected).toBe(10);
  });

  it('reads endpoints independently of the rest of the line', () => {
    expect(parseSsEndpoint('*:80')).toEqual({ family: 'ipv6', address: '::', port: 80 });
    expect(parseSsEndpoint('[::]%eth0:443')).toEqual({ family: 'ipv6', address: '::', port: 443, device: 'eth0' });
    expect(parseSsEndpoint('80')).toBeUndefined();
  });
});

describe('addresses repeated within one parse', () => {
  it('gives each line its own canonical address, and rejects a bad one every time it appears', () => {
    const text = [
      '0 16 [0:0:0::1]:8001 [::]:* ino:1 sk:1 <->',
      '0 16 [::1]:8002 [::]:* ino:2 sk:2 <->',
      '0 16 [0:0:0::1]:8003 [::]:* ino:3 sk:3 <->',
      '0 16 127.0.0.1:8004 0.0.0.0:* ino:4 sk:4 <->',
      '0 16 127.0.0.1:8005 0.0.0.0:* ino:5 sk:5 <->',
      '0 16 127.0.0.256:8006 0.0.0.0:* ino:6 sk:6 <->',
      '0 16 127.0.0.256:8007 0.0.0.0:* ino:7 sk:7 <->',
    ].join('\n');
    const { records, rejected } = parseSsListeners(text);
    expect(records.map((r) => [r.family, r.address, r.port])).toEqual([
      ['ipv6', '::1', 8001],
      ['ipv6', '::1', 8002],
      ['ipv6', '::1', 8003],
      ['ipv4', '127.0.0.1', 8004],
      ['ipv4', '127.0.0.1', 8005],
    ]);
    expect(rejected).toBe(2);
  });
});
