/**
 * HTTP basic auth against bcrypt hashes, as the exporter-toolkit does it: the password is
 * compared as the bytes the client sent, every outcome (failures too) is cached, and an
 * unknown username costs a check against a fixed cost-10 hash, like a real one of cost 10.
 * bcrypt itself runs on a worker thread behind a fair, bounded queue (bcrypt-queue.ts), so
 * a flood of guesses neither blocks the event loop nor locks real scrapers out.
 */
import { createHash } from 'node:crypto';
import { DUMMY_HASH } from './bcrypt-costs.js';
import { BcryptQueue } from './bcrypt-queue.js';

type AuthResult = 'ok' | 'denied' | 'busy';

const MAX_VERIFIED = 64;
/** Wrong guesses remembered; a repeated guess is then answered without bcrypt. */
const MAX_REFUSED = 4096;

interface Credentials {
  /** Undefined when the name is not valid UTF-8: no configured user can have it. */
  readonly user: string | undefined;
  readonly password: Uint8Array;
  /** Digest of the raw `user:password` bytes: the cache key, never the password itself. */
  readonly key: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `Authorization: Basic base64(user:password)`, split at the first colon, as raw bytes. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64');
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return undefined;
  let user: string | undefined;
  try {
    user = strictUtf8.decode(decoded.subarray(0, colon));
  } catch {
    user = undefined;
  }
  return {
    user,
    password: new Uint8Array(decoded.subarray(colon + 1)),
    key: createHash('sha256').update(decoded).digest('hex'),
  };
}

interface State {
  readonly users: ReadonlyMap<string, string>;
  readonly verified: Set<string>;
  readonly refused: Set<string>;
  /** Checks under way, so that the same credentials sent many times at once cost one. */
  readonly inFlight: Map<string, Promise<AuthResult>>;
}

const fresh = (users: ReadonlyMap<string, string>): State => ({
  users,
  verified: new Set(),
  refused: new Set(),
  inFlight: new Map(),
});

function sameUsers(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, hash]) => b.get(name) === hash);
}

export class BasicAuth {
  private state: State;
  private readonly queue: BcryptQueue;

  constructor(users: ReadonlyMap<string, string>, queue = new BcryptQueue()) {
    this.state = fresh(users);
    this.queue = queue;
    if (users.size > 0) queue.warm();
  }

  get enabled(): boolean {
    return this.state.users.size > 0;
  }

  /**
   * One assignment: a request sees the old users or the new ones, never a mix. A changed
   * user list also drops the caches and every queued check (each is asked again of the new
   * list, once), so no check for the old list, however slow, holds up the new one. An
   * unchanged list (a certificate rotation) keeps its caches.
   */
  swap(users: ReadonlyMap<string, string>): void {
    if (sameUsers(this.state.users, users)) return;
    this.state = fresh(users);
    this.queue.reset();
    if (users.size > 0) this.queue.warm();
  }

  /** `client` is the peer address; checks are shared fairly between addresses. */
  check(header: string | undefined, client = ''): Promise<AuthResult> {
    const creds = parseBasicAuth(header);
    if (!creds) return Promise.resolve('denied');
    return this.checkCredentials(creds, client, true);
  }

  close(): void {
    this.queue.reset();
  }

  private checkCredentials(creds: Credentials, client: string, retryAfterSwap: boolean): Promise<AuthResult> {
    const state = this.state;
    if (state.users.size === 0) return Promise.resolve('denied');
    if (state.verified.has(creds.key)) return Promise.resolve('ok');
    if (state.refused.has(creds.key)) return Promise.resolve('denied');
    const pending = state.inFlight.get(creds.key);
    if (pending) return pending;
    const run = this.verify(state, creds, client, retryAfterSwap).finally(() => state.inFlight.delete(creds.key));
    state.inFlight.set(creds.key, run);
    return run;
  }

  private async verify(state: State, creds: Credentials, client: string, retryAfterSwap: boolean): Promise<AuthResult> {
    const hash = creds.user === undefined ? undefined : state.users.get(creds.user);
    const outcome = await this.queue.check(client, creds.password, hash ?? DUMMY_HASH);
    // A swap answered the queued check: ask again, once, against the users now in force,
    // so that a reload does not turn a waiting scraper away.
    if (outcome === 'busy' && retryAfterSwap && this.state !== state) return this.checkCredentials(creds, client, false);
    if (outcome === 'busy') return 'busy';
    const ok = outcome === 'match' && hash !== undefined;
    remember(ok ? state.verified : state.refused, ok ? MAX_VERIFIED : MAX_REFUSED, creds.key);
    return ok ? 'ok' : 'denied';
  }
}

/** Bounded: the oldest entry goes first (a Set iterates in insertion order). */
function remember(set: Set<string>, max: number, key: string): void {
  if (set.size >= max) {
    const oldest = set.values().next();
    if (!oldest.done) set.delete(oldest.value);
  }
  set.add(key);
}
