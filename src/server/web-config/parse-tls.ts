/** `tls_server_config`: pure checks; the PEM files themselves are read by tls-material.ts. */
import { resolve } from 'node:path';
import { fail, type Mapping, onlyKeys, optBoolean, optString, stringList } from './fields.js';
import { CLIENT_AUTH_TYPES, type ClientAuthType, type PemSource, type TlsSettings, type TlsVersion } from './types.js';

const WHERE = 'tls_server_config';

const KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_ca_file',
  'client_auth_type',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
] as const;

const VERSIONS: Readonly<Record<string, TlsVersion>> = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** Go's crypto/tls curve names -> OpenSSL group names. */
const CURVES: Readonly<Record<string, string>> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/**
 * Go's crypto/tls CipherSuites() (the suites Go does not call insecure) -> OpenSSL names, in
 * Go's preference order. The toolkit refuses any other name ("unknown cipher"). Without
 * cipher_suites Go offers all of these and nothing else: no RSA key exchange, no CBC-SHA256,
 * so that is the default here too (Node's own list also has RSA key exchange and DHE).
 */
const TLS12_CIPHERS: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
};
/** TLS 1.3 suites: known names, but as in Go not configurable (OpenSSL's default three). */
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** OpenSSL names of the TLS 1.2 suites to allow, in the file's order (Go's list without one). */
function ciphers(m: Mapping, minVersion: TlsVersion, maxVersion: TlsVersion, warnings: string[]): string[] {
  const where = `${WHERE}.cipher_suites`;
  const names = stringList(m['cipher_suites'], where);
  if (names.length === 0) return Object.values(TLS12_CIPHERS);
  const out: string[] = [];
  names.forEach((name, i) => {
    const openssl = TLS12_CIPHERS[name];
    if (openssl) out.push(openssl);
    else if (!TLS13_CIPHERS.includes(name)) {
      throw fail(`${where}[${i}]`, `unknown cipher ${JSON.stringify(name)}; known: ${[...Object.keys(TLS12_CIPHERS), ...TLS13_CIPHERS].join(', ')}`);
    }
  });
  if (out.length < names.length) {
    warnings.push(`${where}: TLS 1.3 suites cannot be chosen (as in Go); TLS 1.3 connections use OpenSSL's TLS 1.3 suites`);
  }
  // With min_version TLS13 the TLS 1.2 list is never used.
  if (out.length === 0 && minVersion === 'TLSv1.3') return Object.values(TLS12_CIPHERS);
  if (out.length === 0) {
    if (maxVersion === 'TLSv1.2') throw fail(where, 'lists only TLS 1.3 suites, but max_version is TLS12: no TLS 1.2 suite would be left');
    throw fail(where, 'lists only TLS 1.3 suites, which cannot be chosen (as in Go): TLS 1.2 would have none; list TLS 1.2 suites, leave cipher_suites out or set min_version TLS13');
  }
  return out;
}

function pem(m: Mapping, inlineKey: string, fileKey: string, baseDir: string): PemSource | undefined {
  const inline = optString(m[inlineKey], `${WHERE}.${inlineKey}`);
  const file = optString(m[fileKey], `${WHERE}.${fileKey}`);
  if (inline && file) throw fail(WHERE, `set ${inlineKey} or ${fileKey}, not both`);
  if (file) return { file: resolve(baseDir, file) };
  if (inline) return { inline };
  return undefined;
}

function clientAuthType(m: Mapping): ClientAuthType {
  const raw = optString(m['client_auth_type'], `${WHERE}.client_auth_type`) ?? '';
  if (raw === '') return 'NoClientCert';
  // The toolkit still accepts this old spelling.
  if (raw === 'RequireClientCert') return 'RequireAnyClientCert';
  const found = CLIENT_AUTH_TYPES.find((t) => t === raw);
  if (!found) throw fail(`${WHERE}.client_auth_type`, `${JSON.stringify(raw)} is not one of ${CLIENT_AUTH_TYPES.join(', ')}`);
  return found;
}

function version(m: Mapping, key: 'min_version' | 'max_version', dflt: TlsVersion): TlsVersion {
  const raw = optString(m[key], `${WHERE}.${key}`);
  if (raw === undefined || raw === '') return dflt;
  const v = VERSIONS[raw];
  if (v) return v;
  if (raw === 'TLS10' || raw === 'TLS11') throw fail(`${WHERE}.${key}`, `${raw} is not supported; use TLS12 or TLS13`);
  throw fail(`${WHERE}.${key}`, `${JSON.stringify(raw)} is not one of TLS12, TLS13`);
}

/** Undefined when the section sets nothing (the toolkit then serves plain HTTP). */
export function parseTls(value: Mapping | undefined, baseDir: string, warnings: string[]): TlsSettings | undefined {
  if (!value || Object.keys(value).length === 0) return undefined;
  onlyKeys(value, KEYS, WHERE);

  const cert = pem(value, 'cert', 'cert_file', baseDir);
  const key = pem(value, 'key', 'key_file', baseDir);
  const clientCa = pem(value, 'client_ca', 'client_ca_file', baseDir);
  // Unlike the toolkit, a section with only e.g. min_version is an error rather than plain
  // HTTP: whoever wrote it expected TLS.
  if (!cert) throw fail(WHERE, 'TLS needs cert_file (or cert)');
  if (!key) throw fail(WHERE, 'TLS needs key_file (or key)');

  const clientAuth = clientAuthType(value);
  if (clientCa && clientAuth === 'NoClientCert') {
    throw fail(WHERE, 'client_ca_file is set but client_auth_type is NoClientCert');
  }
  // Without a CA of its own, verification would fall back to the public root CAs, so any
  // certificate bought anywhere would pass.
  if (!clientCa && (clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert')) {
    throw fail(WHERE, `client_auth_type ${clientAuth} needs client_ca_file (or client_ca)`);
  }

  const clientAllowedSans = stringList(value['client_allowed_sans'], `${WHERE}.client_allowed_sans`);
  if (clientAllowedSans.length > 0 && clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
    throw fail(WHERE, 'client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
  }

  const minVersion = version(value, 'min_version', 'TLSv1.2');
  const maxVersion = version(value, 'max_version', 'TLSv1.3');
  if (minVersion > maxVersion) throw fail(WHERE, 'min_version is above max_version');

  const curves = stringList(value['curve_preferences'], `${WHERE}.curve_preferences`).map((c, i) => {
    const name = CURVES[c];
    if (!name) throw fail(`${WHERE}.curve_preferences[${i}]`, `unknown curve ${JSON.stringify(c)}`);
    return name;
  });

  const cipherList = ciphers(value, minVersion, maxVersion, warnings);
  if (optBoolean(value['prefer_server_cipher_suites'], `${WHERE}.prefer_server_cipher_suites`) !== undefined) {
    warnings.push('tls_server_config.prefer_server_cipher_suites is ignored: the server always prefers its own cipher order');
  }

  return { cert, key, clientCa, clientAuth, clientAllowedSans, minVersion, maxVersion, curves, ciphers: cipherList };
}
