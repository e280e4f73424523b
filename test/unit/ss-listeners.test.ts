import { describe, expect, it } from 'vitest';
import { parseSsEndpoint, parseSsListeners } from '../../src/sources/ss-listeners.js';
import { fixture } from '../support/fixtures.js';

describe('parseSsListeners on captured `ss -tnmHeO state listening`', () => {
  const { records, rejected } = parseSsListeners(fixture('ss-listening.txt'));

  it('reads every listener, with its device, length, limit and drops', () => {
    expect(rejected).toBe(0);
    expect(records.map((r) => [r.family, r.address, r.port, r.device, r.queueLength, r.limit, r.drops])).toEqual([
      ['ipv4', '0.0.0.0', 8030, 'br[1]', 0, 16, 0],
      ['ipv4', '0.0.0.0', 8001, undefined, 0, 16, 0],
      ['ipv4', '0.0.0.0', 8008, 'lo', 0, 16, 0],
      ['ipv4', '0.0.0.0', 8036, 'n][<"\\x12345678', 0, 16, 0],
      ['ipv4', '0.0.0.0', 8035, 'back\\slash', 0, 16, 0],
      ['ipv4', '0.0.0.0', 8033, '<i>x', 0, 16, 0],
      ['ipv4', '127.0.0.1', 8012, undefined, 0, 0, 0],
      ['ipv4', '127.0.0.1', 8010, undefined, 5, 4, 60],
      ['ipv4', '127.0.0.1', 8011, undefined, 6, 8, 0],
      ['ipv4', '127.0.0.1', 8011, undefined, 6, 8, 0],
      ['ipv4', '127.0.0.1', 8020, undefined, 0, 16, 3],
      ['ipv6', '::', 8031, 'v6]', 0, 16, 0],
      ['ipv6', '::', 8004, undefined, 3, 16, 0],
      ['ipv6', '::', 8003, undefined, 0, 16, 0],
      ['ipv6', '::', 8034, 'q"uote', 0, 16, 0],
      ['ipv6', 'fe80::1', 8007, 'vq0', 0, 16, 0],
      ['ipv6', '::ffff:127.0.0.1', 8006, undefined, 1, 16, 0],
      ['ipv6', 'fe80::2', 8032, 'br[1]', 0, 16, 0],
      ['ipv6', '::1', 8005, undefined, 3, 16, 0],
    ]);
  });

  it('keeps both sockets of an SO_REUSEPORT group, told apart by inode', () => {
    const group = records.filter((r) => r.port === 8011);
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
    expect(records.map((r) => [r.family, r.address, r.port, r.device, r.queueLength, r.limit, r.inode])).toEqual([
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

describe('interface names in the local address', () => {
  // Every byte a name may hold that could trip an address parser, in names of up to 15
  // bytes, on IPv4, IPv6, the dual-stack wildcard and link-local addresses. ('%' cannot
  // reach a real name, the kernel expands it as a template, but the parser takes it too.)
  const names = ['br[1]', 'v6]', '[x', 'a%b', '<i>x', 'q"uote', 'back\\slash', 'n][<"\\x12345678', '%]%[%'];
  it.each(names)('%s', (device) => {
    expect(parseSsEndpoint(`0.0.0.0%${device}:80`)).toEqual({ family: 'ipv4', address: '0.0.0.0', port: 80, device });
    expect(parseSsEndpoint(`[::]%${device}:80`)).toEqual({ family: 'ipv6', address: '::', port: 80, device });
    expect(parseSsEndpoint(`*%${device}:80`)).toEqual({ family: 'ipv6', address: '::', port: 80, device });
    expect(parseSsEndpoint(`[fe80::1]%${device}:8007`)).toEqual({ family: 'ipv6', address: 'fe80::1', port: 8007, device });
  });

  it('rejects an empty name and text after a bracketed address that is not a name', () => {
    expect(parseSsEndpoint('0.0.0.0%:80')).toBeUndefined();
    expect(parseSsEndpoint('[::]%:80')).toBeUndefined();
    expect(parseSsEndpoint('[::]x:80')).toBeUndefined();
    expect(parseSsEndpoint('[::1:80')).toBeUndefined();
  });
});
