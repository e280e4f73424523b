/**
 * HTTP basic auth against bcrypt hashes. bcrypt is deliberately slow (~150 ms at cost 10
 * in bcryptjs), so: compares run one at a time off the event loop's critical path (async
 * bcryptjs), a short queue bounds the CPU a flood of guesses can take, and successes are
 * cached so a scraper pays the cost once, not every scrape.
 */
import { compare } from 'bcryptjs';
import { createHash } from 'node:crypto';

type AuthResult = 'ok' | 'denied' | 'busy';

const MAX_CACHED = 64;
const MAX_WAITING = 8;

interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** `Authorization: Basic base64(user:password)`, split at the first colon. */
export function parseBasicAuth(header: string | undefined): Credentials | undefined {
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface State {
  readonly users: ReadonlyMap<string, string>;
  /** Digests of (user, hash, password) that matched; never the password itself. */
  readonly verified: Set<string>;
}

export class BasicAuth {
  private state: State;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(users: ReadonlyMap<string, string>) {
    this.state = { users, verified: new Set() };
  }

  get enabled(): boolean {
    return this.state.users.size > 0;
  }

  /** One assignment: a request sees the old users or the new ones, never a mix. */
  swap(users: ReadonlyMap<string, string>): void {
    this.state = { users, verified: new Set() };
  }

  async check(header: string | undefined): Promise<AuthResult> {
    const state = this.state;
    const creds = parseBasicAuth(header);
    if (!creds || state.users.size === 0) return 'denied';
    const hash = state.users.get(creds.user);
    const key = createHash('sha256').update(`${creds.user}\0${hash ?? ''}\0${creds.password}`).digest('hex');
    if (hash !== undefined && state.verified.has(key)) return 'ok';
    if (this.waiting >= MAX_WAITING) return 'busy';
    // An unknown user still costs one bcrypt run (against a real hash of the same cost), so
    // response time does not tell which usernames exist.
    const against = hash ?? state.users.values().next().value!;
    const matched = await this.serialized(() => compare(creds.password, against));
    if (!matched || hash === undefined) return 'denied';
    if (state.verified.size >= MAX_CACHED) state.verified.clear();
    state.verified.add(key);
    return 'ok';
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    this.waiting++;
    const run = this.queue.then(work).finally(() => this.waiting--);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
