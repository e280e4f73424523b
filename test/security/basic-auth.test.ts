/**
 * Basic auth against bcrypt hashes written by other tools, compared as raw bytes; cached
 * outcomes (failures too), atomic swaps that reset the check queue, and a queue shared
 * fairly between client addresses. bcrypt runs on the real worker thread throughout.
 */
import { describe, expect, it } from 'vitest';
import { BasicAuth, parseBasicAuth } from '../../src/server/web-config/basic-auth.js';
import { DUMMY_HASH } from '../../src/server/web-config/bcrypt-costs.js';
import { BcryptQueue, type CheckOutcome, clientKey } from '../../src/server/web-config/bcrypt-queue.js';
import { basicHeader, basicHeaderBytes, HASHES, LATIN1 } from '../support/web-config.js';

const users = (entries: Array<[string, string]>) => new Map(entries);

/** The real queue, recording which hash each check was run against. */
class RecordingQueue extends BcryptQueue {
  readonly hashes: string[] = [];
  override check(client: string, password: Uint8Array, hash: string): Promise<CheckOutcome> {
    this.hashes.push(hash);
    return super.check(client, password, hash);
  }
}

describe('parseBasicAuth', () => {
  it('splits user and password at the first colon, keeping the password as bytes', () => {
    const c = parseBasicAuth(basicHeader('alice', 'a:b:c'));
    expect(c?.user).toBe('alice');
    expect(Buffer.from(c!.password).toString()).toBe('a:b:c');
    const empty = parseBasicAuth(`basic ${Buffer.from('bob:').toString('base64')}`);
    expect(empty?.user).toBe('bob');
    expect(empty?.password).toHaveLength(0);
  });

  it('keeps bytes that are not UTF-8 as they are, and gives a non-UTF-8 name no user', () => {
    expect(Buffer.from(parseBasicAuth(basicHeaderBytes('alice', LATIN1.password))!.password)).toEqual(LATIN1.password);
    const badName = Buffer.concat([Buffer.from([0x61, 0xff]), Buffer.from(':pw')]).toString('base64');
    expect(parseBasicAuth(`Basic ${badName}`)?.user).toBeUndefined();
  });

  it.each([undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`])(
    'finds no credentials in %j',
    (header) => {
      expect(parseBasicAuth(header)).toBeUndefined();
    },
  );
});

describe('clientKey', () => {
  it('groups IPv6 peers by /64 and reads v4-mapped peers as IPv4', () => {
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientKey('2001:db8:1:2::5')).toBe(clientKey('2001:db8:1:2:ffff::9'));
    expect(clientKey('2001:db8:1:2::5')).not.toBe(clientKey('2001:db8:1:3::5'));
  });
});

describe('BasicAuth', () => {
  it('accepts $2y$, $2a$ and $2b$ hashes made by libxcrypt', async () => {
    const auth = new BasicAuth(users([['y', HASHES.y.hash], ['a', HASHES.a.hash], ['b', HASHES.b.hash]]));
    for (const [user, h] of [['y', HASHES.y], ['a', HASHES.a], ['b', HASHES.b]] as const) {
      expect(await auth.check(basicHeader(user, h.password))).toBe('ok');
      expect(await auth.check(basicHeader(user, `${h.password}x`))).toBe('denied');
    }
    auth.close();
  });

  it('compares the raw bytes: a password that is not UTF-8 matches its libxcrypt hash', async () => {
    const auth = new BasicAuth(users([['alice', LATIN1.hash]]));
    expect(await auth.check(basicHeaderBytes('alice', LATIN1.password))).toBe('ok');
    // The same text as UTF-8 is other bytes, and so another password.
    expect(await auth.check(basicHeader('alice', LATIN1.password.toString('latin1')))).toBe('denied');
    auth.close();
  });

  it('denies unknown users, missing headers, and everyone when no users are configured', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    expect(await auth.check(basicHeader('mallory', HASHES.y.password))).toBe('denied');
    expect(await auth.check(undefined)).toBe('denied');
    const none = new BasicAuth(new Map());
    expect(none.enabled).toBe(false);
    expect(await none.check(basicHeader('alice', HASHES.y.password))).toBe('denied');
    auth.close();
  });

  it('checks an unknown user against the fixed cost-10 dummy, whatever the configured costs', async () => {
    const queue = new RecordingQueue();
    const cost12 = HASHES.y.hash.replace('$10$', '$12$');
    const auth = new BasicAuth(users([['alice', cost12]]), queue);
    expect(await auth.check(basicHeader('mallory', 'guess'))).toBe('denied');
    expect(queue.hashes).toEqual([DUMMY_HASH]);
    auth.close();
  });

  it('caches every outcome: a repeated password, right or wrong, costs no second bcrypt run', async () => {
    const queue = new RecordingQueue();
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]), queue);
    const good = basicHeader('alice', HASHES.y.password);
    const bad = basicHeader('alice', 'guess');
    const unknown = basicHeader('mallory', 'guess');
    for (let i = 0; i < 5; i++) {
      expect(await auth.check(good)).toBe('ok');
      expect(await auth.check(bad)).toBe('denied');
      expect(await auth.check(unknown)).toBe('denied');
    }
    // Ten at once with the same wrong password share one run too.
    const burst = await Promise.all(Array.from({ length: 10 }, () => auth.check(basicHeader('alice', 'other'))));
    expect(new Set(burst)).toEqual(new Set(['denied']));
    expect(queue.hashes).toHaveLength(4);
    auth.close();
  });

  it('swaps users at once: the old password stops working, cached or not', async () => {
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]));
    const oldHeader = basicHeader('alice', HASHES.y.password);
    expect(await auth.check(oldHeader)).toBe('ok');
    auth.swap(users([['alice', HASHES.a.hash]]));
    expect(await auth.check(oldHeader)).toBe('denied');
    expect(await auth.check(basicHeader('alice', HASHES.a.password))).toBe('ok');
    auth.close();
  });

  it('keeps its caches when a reload leaves the users as they were (a certificate rotation)', async () => {
    const queue = new RecordingQueue();
    const auth = new BasicAuth(users([['alice', HASHES.y.hash]]), queue);
    expect(await auth.check(basicHeader('alice', HASHES.y.password))).toBe('ok');
    auth.swap(users([['alice', HASHES.y.hash]]));
    expect(await auth.check(basicHeader('alice', HASHES.y.password))).toBe('ok');
    expect(queue.hashes).toHaveLength(1);
    auth.close();
  });

  it('recovers at once from slow checks when the users change: queued checks are asked again of the new users', async () => {
    // Cost 14, the highest accepted: seconds per check on this machine.
    const slow = '$2b$14$WRuBEmM6s0qJOj3IGFeu3eoFmnAGoDj/hVYEjc6E5R.cFJ1mx288a';
    const queue = new RecordingQueue();
    const auth = new BasicAuth(users([['alice', slow]]), queue);
    const waiting = [
      auth.check(basicHeader('alice', 'guess'), '192.0.2.1'),
      auth.check(basicHeader('alice', HASHES.y.password), '192.0.2.1'),
    ];
    auth.swap(users([['alice', HASHES.y.hash]]));
    // The cost-14 runs were dropped, not waited for: both were checked against the new hash.
    expect(await Promise.all(waiting)).toEqual(['denied', 'ok']);
    expect(queue.hashes).toEqual([slow, slow, HASHES.y.hash, HASHES.y.hash]);
    auth.close();
  });
});

describe('BcryptQueue', () => {
  const cost4 = '$2b$04$WRuBEmM6s0qJOj3IGFeu3eoFmnAGoDj/hVYEjc6E5R.cFJ1mx288a';
  const pw = (s: string) => new Uint8Array(Buffer.from(s));

  it('gives each address a few waiting checks and answers the rest busy', async () => {
    const queue = new BcryptQueue({ perClient: 4, total: 64 });
    // One runs at once, four wait: the sixth and later are turned away.
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => queue.check('a', pw(`g${i}`), cost4)));
    expect(results.filter((r) => r === 'mismatch')).toHaveLength(5);
    expect(results.filter((r) => r === 'busy')).toHaveLength(3);
    expect(await queue.check('a', pw('again'), cost4)).toBe('mismatch');
    queue.reset();
  });

  it('serves a newcomer after at most one more check of a flooding address', async () => {
    const queue = new BcryptQueue({ perClient: 4, total: 64 });
    const order: string[] = [];
    const track = (name: string, p: Promise<CheckOutcome>) => p.then((r) => order.push(`${name}:${r}`));
    const flood = Array.from({ length: 5 }, (_, i) => track(`a${i}`, queue.check('a', pw(`g${i}`), cost4)));
    const newcomer = track('b', queue.check('b', pw('x'), cost4));
    await Promise.all([...flood, newcomer]);
    expect(order.indexOf('b:mismatch')).toBeLessThanOrEqual(2);
    queue.reset();
  });

  it('when full, takes the turn from the address holding the most', async () => {
    const queue = new BcryptQueue({ perClient: 4, total: 4 });
    const flood = Array.from({ length: 5 }, (_, i) => queue.check('a', pw(`g${i}`), cost4));
    const newcomer = queue.check('b', pw('x'), cost4);
    expect(await newcomer).toBe('mismatch');
    const floodResults = await Promise.all(flood);
    expect(floodResults.filter((r) => r === 'busy')).toHaveLength(1);
    queue.reset();
  });
});
