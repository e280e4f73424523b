import { describe, expect, it } from 'vitest';
import { canonicalIp, decodeProcHexAddress, formatIp, parseIpText } from '../../src/net/ip-address.js';

describe('canonical IP text', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:1', '::ffff:127.0.0.1'],
  ])('%s -> %s (RFC 5952)', (input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });

  it.each(['1.2.3', '256.1.1.1', '1::2::3', 'fe80::1%eth0', '', 'abc', '1:2:3:4:5:6:7:8:9'])('rejects %j', (bad) => {
    expect(parseIpText(bad)).toBeUndefined();
  });

  it('decodes /proc hex words in host byte order (little endian)', () => {
    expect(formatIp(decodeProcHexAddress('0100007F', true)!)).toBe('127.0.0.1');
    expect(formatIp(decodeProcHexAddress('00000000000000000000000001000000', true)!)).toBe('::1');
    expect(formatIp(decodeProcHexAddress('0000000000000000FFFF00000100007F', true)!)).toBe('::ffff:127.0.0.1');
    expect(formatIp(decodeProcHexAddress('000080FE000000000000000001000000', true)!)).toBe('fe80::1');
    expect(formatIp(decodeProcHexAddress('7F000001', false)!)).toBe('127.0.0.1');
    expect(decodeProcHexAddress('0100007')).toBeUndefined();
    expect(decodeProcHexAddress('0100007G')).toBeUndefined();
  });
});
