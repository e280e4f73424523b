/**
 * The parsed --web.config.file, in the Prometheus exporter-toolkit format. Paths are
 * absolute (relative ones are taken from the file's directory, as the toolkit does).
 */

/** crypto/tls ClientAuthType names, as the toolkit spells them. */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;

export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** PEM text either inline in the file or in a file next to it. */
export type PemSource = { readonly file: string } | { readonly inline: string };

export interface TlsSettings {
  readonly cert: PemSource;
  readonly key: PemSource;
  readonly clientCa: PemSource | undefined;
  readonly clientAuth: ClientAuthType;
  readonly clientAllowedSans: readonly string[];
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** OpenSSL group names, in preference order; empty means Node's default. */
  readonly curves: readonly string[];
  /** OpenSSL names of the TLS 1.2 suites allowed, in preference order (never empty). */
  readonly ciphers: readonly string[];
}

export interface WebConfig {
  /** Absent: plain HTTP. */
  readonly tls: TlsSettings | undefined;
  /** username -> bcrypt hash; empty: no basic auth. */
  readonly users: ReadonlyMap<string, string>;
  /** Extra response headers, already checked against the toolkit's allowed set. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface ParsedWebConfig {
  readonly config: WebConfig;
  /** Settings accepted for compatibility but without effect here, one sentence each. */
  readonly warnings: readonly string[];
}

export class WebConfigError extends Error {}
