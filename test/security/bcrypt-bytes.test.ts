/**
 * The byte-level bcrypt against two independent implementations: bcryptjs (for passwords
 * that are valid UTF-8, where both see the same bytes) and libxcrypt's hashes.
 */
import bcryptjs from 'bcryptjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blowfishInitialState } from '../../src/server/web-config/blowfish-constants.js';
import { bcryptCost, bcryptMatches } from '../../src/server/web-config/bcrypt-bytes.js';
import { HASHES, LATIN1 } from '../support/web-config.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('bcrypt over bytes', () => {
  it('derives Blowfish constants from pi: first and last P and S words as published', () => {
    const s = blowfishInitialState();
    expect([s[0], s[17], s[18], s[18 + 1023]].map((w) => w!.toString(16))).toEqual(['243f6a88', '8979fb1b', 'd1310ba6', '3ac372e6']);
  });

  it('matches libxcrypt hashes, the non-UTF-8 one included, and nothing else', () => {
    for (const h of Object.values(HASHES)) {
      expect(bcryptMatches(bytes(h.password), h.hash)).toBe(true);
      expect(bcryptMatches(bytes(`${h.password}.`), h.hash)).toBe(false);
    }
    expect(bcryptMatches(LATIN1.password, LATIN1.hash)).toBe(true);
    expect(bcryptMatches(bytes(LATIN1.password.toString('latin1')), LATIN1.hash)).toBe(false);
  });

  it('agrees with bcryptjs on random UTF-8 passwords, long ones and NULs included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary-ascii', minLength: 60, maxLength: 90 })), (password) => {
        const hash = bcryptjs.hashSync(password, 4);
        expect(bcryptMatches(bytes(password), hash)).toBe(true);
        expect(bcryptMatches(bytes(`${password}x`), hash)).toBe(Buffer.byteLength(password) >= 72);
      }),
      { numRuns: 60 },
    );
  });

  it('uses the first 72 bytes only, like every bcrypt', () => {
    const long = 'p'.repeat(72);
    const hash = bcryptjs.hashSync(long, 4);
    expect(bcryptMatches(bytes(`${long}anything`), hash)).toBe(true);
    expect(bcryptMatches(bytes(long.slice(1)), hash)).toBe(false);
  });

  it('reads the cost, and refuses what is not a bcrypt hash', () => {
    expect(bcryptCost(HASHES.y.hash)).toBe(10);
    expect(bcryptCost('$1$abc')).toBeUndefined();
    expect(() => bcryptMatches(bytes('x'), 'plain')).toThrow(/not a bcrypt hash/);
  });
});
