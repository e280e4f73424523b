/** When the server certificate counts as expiring: 14 days, or the last third of a short life. */
import { describe, expect, it } from 'vitest';
import { certificateExpiry } from '../../src/server/web-config/cert-expiry.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 2);
const cert = (fromDays: number, toDays: number) => ({ notBefore: new Date(NOW + fromDays * DAY), notAfter: new Date(NOW + toDays * DAY) });

describe('certificateExpiry', () => {
  it('warns inside the last 14 days of a 90-day certificate, not before', () => {
    expect(certificateExpiry(cert(-70, 20), NOW).state).toBe('valid');
    expect(certificateExpiry(cert(-80, 10), NOW)).toEqual({ state: 'expiring', daysLeft: 10 });
  });

  it('warns a short-lived certificate only in the last third of its life', () => {
    expect(certificateExpiry(cert(-0.5, 0.5), NOW).state).toBe('valid');
    expect(certificateExpiry(cert(-0.8, 0.2), NOW).state).toBe('expiring');
  });

  it('calls a certificate past its end expired', () => {
    expect(certificateExpiry(cert(-90, -1), NOW)).toEqual({ state: 'expired', daysLeft: -1 });
    expect(certificateExpiry(cert(-1, 0), NOW).state).toBe('expired');
  });
});
