/** The --web.config.file parser: the toolkit's field names and rules, one-line errors. */
import { describe, expect, it } from 'vitest';
import { parseWebConfig } from '../../src/server/web-config/parse.js';
import { WebConfigError } from '../../src/server/web-config/types.js';
import { HASHES } from '../support/web-config.js';

const BASE = '/etc/listenq';

function error(text: string): string {
  try {
    parseWebConfig(text, BASE);
  } catch (err) {
    expect(err).toBeInstanceOf(WebConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`accepted:\n${text}`);
}

describe('parseWebConfig', () => {
  it('reads every supported field of the exporter-toolkit format', () => {
    const { config, warnings } = parseWebConfig(
      `
tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca/clients.pem
  client_allowed_sans: [prometheus.test]
  min_version: TLS13
  max_version: TLS13
  curve_preferences: [X25519, CurveP256]
http_server_config:
  headers:
    X-Frame-Options: deny
    X-Content-Type-Options: nosniff
    Strict-Transport-Security: max-age=31536000
    Content-Security-Policy: ""
basic_auth_users:
  alice: ${HASHES.y.hash}
  bob: ${HASHES.a.hash}
  carol: ${HASHES.b.hash}
`,
      BASE,
    );
    expect(warnings).toEqual([]);
    expect(config.tls).toEqual({
      cert: { file: '/etc/listenq/server.crt' },
      key: { file: '/abs/server.key' },
      clientCa: { file: '/etc/listenq/ca/clients.pem' },
      clientAuth: 'RequireAndVerifyClientCert',
      clientAllowedSans: ['prometheus.test'],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      curves: ['X25519', 'P-256'],
      // Go's default: forward secrecy only, no CBC-SHA256.
      ciphers: [
        'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
        'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
        'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
      ],
    });
    expect([...config.users.keys()]).toEqual(['alice', 'bob', 'carol']);
    expect(config.users.get('alice')).toBe(HASHES.y.hash);
    // A blank header value means "unset", as the toolkit documents.
    expect([...config.headers]).toEqual([
      ['X-Frame-Options', 'deny'],
      ['X-Content-Type-Options', 'nosniff'],
      ['Strict-Transport-Security', 'max-age=31536000'],
    ]);
  });

  it('treats an empty file, or empty sections, as plain HTTP without auth', () => {
    for (const text of ['', '# nothing\n', 'tls_server_config:\nbasic_auth_users:\nhttp_server_config:\n']) {
      const { config } = parseWebConfig(text, BASE);
      expect(config.tls).toBeUndefined();
      expect(config.users.size).toBe(0);
      expect(config.headers.size).toBe(0);
    }
  });

  it('defaults to TLS 1.2-1.3 without client certificates, and takes inline PEM', () => {
    const { config } = parseWebConfig('tls_server_config:\n  cert: "CERT"\n  key: "KEY"\n', BASE);
    expect(config.tls).toMatchObject({
      cert: { inline: 'CERT' },
      key: { inline: 'KEY' },
      clientCa: undefined,
      clientAuth: 'NoClientCert',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      curves: [],
    });
  });

  it("accepts the toolkit's old RequireClientCert spelling", () => {
    const { config } = parseWebConfig(
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireClientCert}\n',
      BASE,
    );
    expect(config.tls?.clientAuth).toBe('RequireAnyClientCert');
  });

  it('accepts prefer_server_cipher_suites and http2 with a warning that they do nothing', () => {
    const { warnings } = parseWebConfig(
      `
tls_server_config:
  cert_file: a
  key_file: b
  prefer_server_cipher_suites: false
http_server_config:
  http2: true
`,
      BASE,
    );
    expect(warnings).toHaveLength(2);
    expect(warnings.join(' ')).toMatch(/prefer_server_cipher_suites is ignored.*http2 is ignored/);
  });

  it("maps cipher_suites to OpenSSL's names in the file's order, as the toolkit's allCiphers file lists them", () => {
    // testdata/web_config_noAuth_allCiphers.good.yml of the exporter-toolkit.
    const all = [
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
      'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
      'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
    ];
    const { config, warnings } = parseWebConfig(`tls_server_config: {cert_file: a, key_file: b, cipher_suites: [${all.join(', ')}]}`, BASE);
    expect(config.tls?.ciphers).toEqual([
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
      'ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA',
    ]);
    expect(warnings).toEqual([expect.stringMatching(/TLS 1\.3 suites cannot be chosen \(as in Go\)/)]);
    const one = parseWebConfig('tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]}', BASE);
    expect(one.config.tls?.ciphers).toEqual(['ECDHE-RSA-AES256-GCM-SHA384']);
    expect(one.warnings).toEqual([]);
  });

  it('warns that a user whose hash is not cost 10 can be told from an unknown name by timing', () => {
    const cost12 = HASHES.y.hash.replace('$10$', '$12$');
    const { warnings } = parseWebConfig(`basic_auth_users: {alice: "${HASHES.y.hash}", bob: "${cost12}"}`, BASE);
    expect(warnings).toEqual([expect.stringMatching(/^basic_auth_users\.bob: bcrypt cost 12: unknown usernames are checked at cost 10/)]);
  });

  it.each([
    ['tls_server_config: {cert_file: a}', /^tls_server_config: TLS needs key_file/],
    ['tls_server_config: {key_file: a}', /^tls_server_config: TLS needs cert_file/],
    ['tls_server_config: {min_version: TLS13}', /^tls_server_config: TLS needs cert_file/],
    ['tls_server_config: {cert_file: a, cert: b, key_file: c}', /set cert or cert_file, not both/],
    ['tls_server_config: {cert_file: a, key_file: b, certfile: c}', /^tls_server_config\.certfile: unknown field$/],
    ['basic_auth_user: {}', /^basic_auth_user: unknown field$/],
    ['http_server_config: {http3: true}', /^http_server_config\.http3: unknown field$/],
    [
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireCert}',
      /^tls_server_config\.client_auth_type: "RequireCert" is not one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert$/,
    ],
    ['tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}', /client_ca_file is set but client_auth_type is NoClientCert/],
    [
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}',
      /RequireAndVerifyClientCert needs client_ca_file/,
    ],
    [
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: VerifyClientCertIfGiven}',
      /VerifyClientCertIfGiven needs client_ca_file/,
    ],
    [
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: VerifyClientCertIfGiven, client_ca_file: c, client_allowed_sans: [x]}',
      /client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert/,
    ],
    ['tls_server_config: {cert_file: a, key_file: b, min_version: TLS10}', /min_version: TLS10 is not supported/],
    ['tls_server_config: {cert_file: a, key_file: b, max_version: TLS14}', /max_version: "TLS14" is not one of TLS12, TLS13/],
    ['tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}', /min_version is above max_version/],
    ['tls_server_config: {cert_file: a, key_file: b, curve_preferences: [P256]}', /curve_preferences\[0\]: unknown curve "P256"/],
    ['tls_server_config: {cert_file: [a], key_file: b}', /^tls_server_config\.cert_file: expected a string$/],
    ['basic_auth_users: {alice: 12345}', /^basic_auth_users\.alice: expected a string$/],
    ['basic_auth_users: [alice]', /^basic_auth_users: expected a mapping$/],
    ['basic_auth_users: {"a:b": x}', /^basic_auth_users\.a:b: a username cannot contain ":"$/],
    ['basic_auth_users: {"": x}', /a username is empty/],
    [`basic_auth_users: {alice: "${HASHES.y.hash.replace('$2y$', '$2x$')}"}`, /^basic_auth_users\.alice: not a bcrypt hash/],
    [`basic_auth_users: {alice: "${HASHES.y.hash.replace('$10$', '$03$')}"}`, /bcrypt cost 3 is below 4/],
    [`basic_auth_users: {alice: "${HASHES.y.hash.replace('$10$', '$15$')}"}`, /^basic_auth_users\.alice: bcrypt cost 15 is above 14, the most this exporter accepts/],
    [`basic_auth_users: {alice: "${HASHES.y.hash.replace('$10$', '$31$')}"}`, /bcrypt cost 31 is above 14/],
    // The toolkit's web_config_noAuth_inventedCiphers.bad.yml.
    ['tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048]}', /^tls_server_config\.cipher_suites\[0\]: unknown cipher "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"/],
    // Go lists RSA key exchange and CBC-SHA256 suites as insecure; the toolkit does not know them.
    ['tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256]}', /unknown cipher "TLS_RSA_WITH_AES_128_GCM_SHA256"/],
    ['tls_server_config: {cert_file: a, key_file: b, cipher_suites: [AES256-SHA]}', /unknown cipher "AES256-SHA"/],
    ['tls_server_config: {cert_file: a, key_file: b, max_version: TLS12, cipher_suites: [TLS_AES_128_GCM_SHA256]}', /lists only TLS 1\.3 suites, but max_version is TLS12/],
    ['tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_AES_128_GCM_SHA256]}', /lists only TLS 1\.3 suites, which cannot be chosen/],
    [`basic_auth_users: {alice: "${HASHES.y.hash.slice(0, -1)}"}`, /not a bcrypt hash/],
    ['http_server_config: {headers: {Server: x}}', /^http_server_config\.headers\.Server: cannot be configured; allowed: /],
    ['http_server_config: {headers: {X-Frame-Options: allow}}', /X-Frame-Options: expected one of deny, sameorigin/],
    ['http_server_config: {headers: {X-XSS-Protection: "1\\r\\nSet-Cookie: a=b"}}', /characters not allowed in a header/],
    ['rate_limit: {interval: 1s, burst: 20}', /^rate_limit: not supported by listenq-exporter/],
    ['- a\n- b', /^the file: expected a mapping$/],
    ['basic_auth_users:\n  alice: x\n  alice: y\n', /^not valid YAML: .*[Mm]ap keys must be unique/],
    ['tls_server_config: {cert_file: a\n', /^not valid YAML: /],
  ])('refuses %j', (text, why) => {
    expect(error(text)).toMatch(why);
  });

  it('never repeats a password hash or an inline key in an error', () => {
    const secret = 'plaintext-password-here';
    expect(error(`basic_auth_users: {alice: ${secret}}`)).not.toContain(secret);
    expect(error(`tls_server_config: {cert_file: a, key: "${secret}", key_file: b}`)).not.toContain(secret);
  });
});
