/** Basic auth against bcrypt hashes written by other tools, atomic swaps, and its CPU bound. */
import { describe, expect, it } from 'vitest';
import { BasicAuth, parseBasicAuth } from '../../src/server/web-config/basic-auth.js';
import { basicHeader, HASHES } from '../support/web-config.js';

const users = (entries: Array<[string, string]>) => new Map(entries);

describe('parseBasicAuth', () => {
  it('splits user and password at the first colon', () => {
    expect(parseBasicAuth(basicHeader('alice', 'a:b:c'))).toEqual({ user: 'alice', password: 'a:b:c' });
    expect(parseBasicAuth(`basic ${Buffer.from('bob:').toString('base64')}`)).toEqual({ user: 'bob', password: '' });
  });

  it.each([undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`])(
    'finds no credentials in %j',
    (header) => {
      expect(parseBasicAuth(header)).toBeUndefined();
    },
  );
});

describe('BasicAuth', () => {
  it('accepts $2y$, $2a$ and $2b$ hashes made by libxcrypt', async () => {
    const auth = new BasicAuth(
      users([
        ['y', HASHES.y.hash],
        ['a', HASHES.a.hash],
        ['b', HASHES.b.hash],
      ]),
    );
    for (const [user, h] of [['y', HASHES.y], ['a', HASHES.a], ['b', HASHES.b]] as const) {
      expect(await auth.check(basicHeader(user, h.password))).toBe('ok');
      expect(await auth.check(basicHeader(user, `${h.password}x`))).toBe('denied');
    }
  });

  it('denies unknown users, missing headers, and everyone when no users are configured', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    expect(await auth.check(basicHeader('mallory', HASHES.y.password))).toBe('denied');
    expect(await auth.check(undefined)).toBe('denied');
    const none = new BasicAuth(new Map());
    expect(none.enabled).toBe(false);
    expect(await none.check(basicHeader('alice', HASHES.y.password))).toBe('denied');
  });

  it('answers a known password from its cache, without another bcrypt run', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    const header = basicHeader('alice', HASHES.y.password);
    expect(await auth.check(header)).toBe('ok');
    const t = performance.now();
    for (let i = 0; i < 20; i++) expect(await auth.check(header)).toBe('ok');
    // 20 bcrypt runs at cost 10 take seconds; 20 cache hits take well under a millisecond each.
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('swaps users at once: the old password stops working, cached or not', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    const oldHeader = basicHeader('alice', HASHES.y.password);
    expect(await auth.check(oldHeader)).toBe('ok');
    auth.swap(users([['alice', HASHES.a.hash]]));
    expect(await auth.check(oldHeader)).toBe('denied');
    expect(await auth.check(basicHeader('alice', HASHES.a.password))).toBe('ok');
  });

  it('runs one bcrypt at a time and turns away guesses beyond a short queue', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => auth.check(basicHeader('alice', `guess-${i}`))));
    expect(results.filter((r) => r === 'denied')).toHaveLength(8);
    expect(results.filter((r) => r === 'busy')).toHaveLength(4);
    // The queue drains: a right password gets through afterwards.
    expect(await auth.check(basicHeader('alice', HASHES.y.password))).toBe('ok');
  });
});
