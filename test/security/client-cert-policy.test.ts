/** The Go client_auth_type policies and client_allowed_sans, as decided after Node's handshake. */
import { describe, expect, it } from 'vitest';
import { refusal, sanValues, verifyMode } from '../../src/server/web-config/client-cert-policy.js';
import { CLIENT_AUTH_TYPES } from '../../src/server/web-config/types.js';

const none = { present: false, authorized: false, subjectAltName: undefined };
const trusted = { present: true, authorized: true, subjectAltName: 'DNS:prometheus.test' };
const untrusted = { present: true, authorized: false, subjectAltName: 'DNS:prometheus.test' };

describe('client certificate policy', () => {
  it('lets OpenSSL refuse in the handshake only for RequireAndVerifyClientCert', () => {
    expect(CLIENT_AUTH_TYPES.map((t) => [t, verifyMode(t)])).toEqual([
      ['NoClientCert', { requestCert: false, rejectUnauthorized: false }],
      ['RequestClientCert', { requestCert: true, rejectUnauthorized: false }],
      ['RequireAnyClientCert', { requestCert: true, rejectUnauthorized: false }],
      ['VerifyClientCertIfGiven', { requestCert: true, rejectUnauthorized: false }],
      ['RequireAndVerifyClientCert', { requestCert: true, rejectUnauthorized: true }],
    ]);
  });

  it('matches crypto/tls: which peers each policy lets through', () => {
    const table = CLIENT_AUTH_TYPES.map((t) => [
      t,
      [none, untrusted, trusted].map((peer) => refusal(t, [], peer) === undefined),
    ]);
    expect(table).toEqual([
      ['NoClientCert', [true, true, true]],
      ['RequestClientCert', [true, true, true]],
      ['RequireAnyClientCert', [false, true, true]],
      ['VerifyClientCertIfGiven', [true, false, true]],
      ['RequireAndVerifyClientCert', [false, false, true]],
    ]);
  });

  it('checks client_allowed_sans against DNS, IP, URI and e-mail SANs', () => {
    const peer = (san: string) => ({ present: true, authorized: true, subjectAltName: san });
    expect(refusal('RequireAndVerifyClientCert', ['prometheus.test'], trusted)).toBeUndefined();
    expect(refusal('RequireAndVerifyClientCert', ['other.test'], trusted)).toMatch(/no SAN listed/);
    // Node prints IPv6 SANs in full; the config may use the short form.
    expect(refusal('RequireAnyClientCert', ['::1'], peer('IP Address:0:0:0:0:0:0:0:1'))).toBeUndefined();
    expect(refusal('RequireAnyClientCert', ['spiffe://ns/sa/prom'], peer('URI:spiffe://ns/sa/prom'))).toBeUndefined();
    expect(refusal('RequireAnyClientCert', ['ops@example.test'], peer('email:ops@example.test'))).toBeUndefined();
    expect(refusal('RequireAnyClientCert', ['prometheus.test'], none)).toBe('no client certificate');
  });

  it('ignores Registered-ID, directory and other names, which Go does not match either', () => {
    const peer = (san: string) => ({ present: true, authorized: true, subjectAltName: san });
    expect(sanValues('Registered ID:1.2.3.4, DirName:CN=x, othername:UPN::a@b, DNS:ok.test')).toEqual(['ok.test']);
    expect(refusal('RequireAnyClientCert', ['1.2.3.4'], peer('Registered ID:1.2.3.4'))).toMatch(/no SAN listed/);
  });

  it('reads the SAN list as Node prints it, quoted values included', () => {
    expect(sanValues('DNS:a.test, IP Address:127.0.0.1, URI:"https://x.test/a,b", DNS:"c, \\"d\\""')).toEqual([
      'a.test',
      '127.0.0.1',
      'https://x.test/a,b',
      'c, "d"',
    ]);
    expect(sanValues(undefined)).toEqual([]);
  });
});
