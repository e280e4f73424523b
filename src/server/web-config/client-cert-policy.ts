/**
 * The toolkit's client_auth_type and client_allowed_sans on top of Node's TLS. OpenSSL can
 * only "request" or "require and verify" a certificate during the handshake; the other Go
 * policies (require any, verify if given) and the SAN list are checked right after it.
 */
import { canonicalIp } from '../../net/ip-address.js';
import type { ClientAuthType } from './types.js';

interface VerifyMode {
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
}

export function verifyMode(clientAuth: ClientAuthType): VerifyMode {
  return {
    requestCert: clientAuth !== 'NoClientCert',
    rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
  };
}

interface PeerCertificate {
  readonly present: boolean;
  /** Chains to the configured client CA. */
  readonly authorized: boolean;
  /** Node's `subjectaltname` text, e.g. `DNS:a.example, IP Address:127.0.0.1`. */
  readonly subjectAltName: string | undefined;
}

/**
 * The SAN types Go's client_allowed_sans check reads (DNSNames, EmailAddresses,
 * IPAddresses, URIs), as Node names them; Registered IDs, directory and other names are not.
 */
const MATCHED_SAN_TYPES = ['DNS', 'email', 'IP Address', 'URI'];

/** SAN values without their type, as Go lists them for client_allowed_sans. */
export function sanValues(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  // Node quotes a value (JSON style) when it holds a comma or quote, so split outside quotes.
  for (const [, type, raw] of text.matchAll(/(?:^|, )([^:,]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    if (type === undefined || raw === undefined || !MATCHED_SAN_TYPES.includes(type)) continue;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        continue;
      }
    }
    out.push(type === 'IP Address' ? (canonicalIp(value) ?? value) : value);
  }
  return out;
}

function sanAllowed(allowed: readonly string[], found: readonly string[]): boolean {
  return allowed.some((a) => found.includes(canonicalIp(a) ?? a));
}

/** Why a connection must be closed, or undefined when the policy lets it through. */
export function refusal(clientAuth: ClientAuthType, allowedSans: readonly string[], peer: PeerCertificate): string | undefined {
  const required = clientAuth === 'RequireAnyClientCert' || clientAuth === 'RequireAndVerifyClientCert';
  const verified = clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert';
  if (required && !peer.present) return 'no client certificate';
  if (verified && peer.present && !peer.authorized) return 'client certificate not signed by client_ca';
  if (allowedSans.length > 0 && !sanAllowed(allowedSans, sanValues(peer.subjectAltName))) {
    return 'client certificate has no SAN listed in client_allowed_sans';
  }
  return undefined;
}
