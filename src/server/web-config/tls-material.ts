/**
 * Reads the certificate, key and client CA a TlsSettings names, and proves they load into
 * an OpenSSL context before anything is served or swapped with them.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { fail } from './fields.js';
import type { Validity } from './cert-expiry.js';
import type { ClientAuthType, PemSource, TlsSettings } from './types.js';

export interface TlsMaterial {
  readonly context: SecureContextOptions;
  readonly clientAuth: ClientAuthType;
  readonly allowedSans: readonly string[];
  /** Validity of the server (leaf) certificate: the file's first certificate. */
  readonly validity: Validity;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function readPem(src: PemSource, field: string): string {
  if ('inline' in src) return src.inline;
  try {
    return readFileSync(src.file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw fail(`tls_server_config.${field}_file`, `cannot read ${src.file}: ${e.code ?? e.message}`);
  }
}

function leafValidity(certPem: string): Validity {
  const first = certPem.match(CERT_BLOCK)?.[0];
  if (!first) throw fail('tls_server_config.cert', 'holds no PEM certificate');
  try {
    const x = new X509Certificate(first);
    return { notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) };
  } catch (err) {
    throw fail('tls_server_config.cert', `the certificate does not parse: ${String(err)}`);
  }
}

function checkCa(text: string): void {
  const blocks = text.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw fail('tls_server_config.client_ca', 'holds no PEM certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw fail('tls_server_config.client_ca', `a certificate does not parse: ${String(err)}`);
    }
  }
}

/** Files whose change must trigger a reload, besides the config file itself. */
export function tlsFiles(tls: TlsSettings | undefined): string[] {
  if (!tls) return [];
  return [tls.cert, tls.key, tls.clientCa].flatMap((s) => (s && 'file' in s ? [s.file] : []));
}

export function loadTlsMaterial(tls: TlsSettings): TlsMaterial {
  const cert = readPem(tls.cert, 'cert');
  const key = readPem(tls.key, 'key');
  const ca = tls.clientCa ? readPem(tls.clientCa, 'client_ca') : undefined;
  if (ca !== undefined) checkCa(ca);
  const context: SecureContextOptions = {
    cert,
    key,
    ...(ca !== undefined ? { ca } : {}),
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ...(tls.curves.length > 0 ? { ecdhCurve: tls.curves.join(':') } : {}),
    // TLS 1.2 names only: Node then leaves the TLS 1.3 suites at OpenSSL's default, as Go does.
    ciphers: tls.ciphers.join(':'),
    // The toolkit's prefer_server_cipher_suites defaults to true.
    honorCipherOrder: true,
  };
  try {
    createSecureContext(context);
  } catch (err) {
    // OpenSSL's reason ("key values mismatch", "bad end line") names no key material.
    throw fail('tls_server_config', `certificate and key do not load: ${(err as Error).message}`);
  }
  return { context, clientAuth: tls.clientAuth, allowedSans: tls.clientAllowedSans, validity: leafValidity(cert) };
}
