/** Whether the server certificate has expired or soon will: a renewal that silently failed. */
export type ExpiryState = 'valid' | 'expiring' | 'expired';

/**
 * Warn when less than this is left, or less than a third of the certificate's lifetime if
 * that is shorter: cert-manager renews at two thirds, so past that point a renewal has
 * failed, and short-lived certificates (hours) do not warn at every rotation.
 */
const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function certificateExpiry(v: Validity, nowMs: number): { state: ExpiryState; daysLeft: number } {
  const left = v.notAfter.getTime() - nowMs;
  const daysLeft = Math.floor((left / DAY_MS) * 10) / 10;
  const lifetime = v.notAfter.getTime() - v.notBefore.getTime();
  if (left <= 0) return { state: 'expired', daysLeft };
  if (left < Math.min(EXPIRY_WARNING_DAYS * DAY_MS, lifetime / 3)) return { state: 'expiring', daysLeft };
  return { state: 'valid', daysLeft };
}
