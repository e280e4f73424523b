/** Certificate, key and client CA loading: what passes reaches OpenSSL intact, what fails names the field. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWebConfig, watchedFiles } from '../../src/server/web-config/load.js';
import { WebConfigError } from '../../src/server/web-config/types.js';
import { makePki, type TestPki } from '../support/certs.js';
import { writeWebConfig } from '../support/web-config.js';

let pki: TestPki;
let file: string;

beforeAll(() => {
  pki = makePki();
  file = join(pki.dir, 'web.yml');
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

function loadError(config: Record<string, unknown>): string {
  writeWebConfig(file, config);
  try {
    loadWebConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(WebConfigError);
    return (err as Error).message;
  }
  throw new Error('loaded');
}

describe('loadWebConfig', () => {
  it('loads certificate, key and client CA, with paths relative to the config file', () => {
    writeWebConfig(file, {
      tls_server_config: {
        cert_file: 'server.crt',
        key_file: 'server.key',
        client_ca_file: pki.caCert,
        client_auth_type: 'RequireAndVerifyClientCert',
        curve_preferences: ['X25519', 'CurveP256'],
      },
    });
    const loaded = loadWebConfig(file);
    expect(loaded.tls?.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(loaded.tls?.context).toMatchObject({
      cert: readFileSync(pki.serverCert, 'utf8'),
      key: readFileSync(pki.serverKey, 'utf8'),
      ca: readFileSync(pki.caCert, 'utf8'),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ecdhCurve: 'X25519:P-256',
    });
    expect(watchedFiles(file)).toEqual([file, pki.serverCert, pki.serverKey, pki.caCert]);
  });

  it('takes inline PEM as the toolkit does', () => {
    writeWebConfig(file, {
      tls_server_config: { cert: readFileSync(pki.serverCert, 'utf8'), key: readFileSync(pki.serverKey, 'utf8') },
    });
    expect(loadWebConfig(file).tls?.clientAuth).toBe('NoClientCert');
    expect(watchedFiles(file)).toEqual([file]);
  });

  it('refuses a key that does not belong to the certificate', () => {
    expect(loadError({ tls_server_config: { cert_file: pki.serverCert, key_file: pki.clientKey } })).toMatch(
      /^tls_server_config: certificate and key do not load: .*key values mismatch/,
    );
  });

  it('refuses missing files, naming the field and the path', () => {
    expect(loadError({ tls_server_config: { cert_file: 'nope.crt', key_file: pki.serverKey } })).toBe(
      `tls_server_config.cert_file: cannot read ${join(pki.dir, 'nope.crt')}: ENOENT`,
    );
  });

  it('refuses a client CA file without a certificate in it', () => {
    const junk = join(pki.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(
      loadError({
        tls_server_config: {
          cert_file: pki.serverCert,
          key_file: pki.serverKey,
          client_ca_file: junk,
          client_auth_type: 'RequireAndVerifyClientCert',
        },
      }),
    ).toBe('tls_server_config.client_ca: holds no PEM certificate');
  });

  it('says when the config file itself cannot be read', () => {
    expect(() => loadWebConfig(join(pki.dir, 'absent.yml'))).toThrow('cannot read the file: ENOENT');
    expect(watchedFiles(join(pki.dir, 'absent.yml'))).toEqual([join(pki.dir, 'absent.yml')]);
  });
});
