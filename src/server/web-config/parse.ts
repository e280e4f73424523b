/**
 * Parses the text of a --web.config.file. Pure: no file is read here, so start-up and reload
 * share one set of rules and every rule is unit-testable. Errors are one line, name the
 * field and never echo a secret.
 */
import { parse as parseYaml } from 'yaml';
import { DUMMY_COST, MAX_BCRYPT_COST } from './bcrypt-costs.js';
import { bcryptCost } from './bcrypt-bytes.js';
import { fail, mapping, onlyKeys, optBoolean, stringMap } from './fields.js';
import { parseTls } from './parse-tls.js';
import { type ParsedWebConfig, WebConfigError } from './types.js';

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users'];
const HTTP_KEYS = ['http2', 'headers'];

/** Toolkit features this exporter does not implement; refusing them beats silently dropping them. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  rate_limit: 'not supported by listenq-exporter; remove it (a reverse proxy can rate-limit)',
};

/** The headers the toolkit lets a config set, with the values it allows (empty: any). */
const HEADERS: Readonly<Record<string, readonly string[]>> = {
  'Strict-Transport-Security': [],
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': [],
  'Content-Security-Policy': [],
};


/** Printable ASCII and tab: anything else cannot go into a header or would split one. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

function yamlRoot(text: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: false, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new WebConfigError(`not valid YAML: ${first}`);
  }
}

function users(value: unknown, warnings: string[]): Map<string, string> {
  const out = stringMap(value, 'basic_auth_users');
  for (const [name, hash] of out) {
    const where = `basic_auth_users.${name}`;
    if (name === '') throw fail('basic_auth_users', 'a username is empty');
    // Basic auth splits user and password at the first colon.
    if (name.includes(':')) throw fail(where, 'a username cannot contain ":"');
    // Minor versions a, b and y are the same algorithm; htpasswd writes $2y$, Go $2a$, others $2b$.
    const cost = bcryptCost(hash);
    if (cost === undefined) throw fail(where, 'not a bcrypt hash ($2a$, $2b$ or $2y$, two-digit cost, 53 characters)');
    if (cost < 4) throw fail(where, `bcrypt cost ${cost} is below 4`);
    if (cost > MAX_BCRYPT_COST) {
      throw fail(where, `bcrypt cost ${cost} is above ${MAX_BCRYPT_COST}, the most this exporter accepts (each check of a wrong password would take ${2 ** (cost - 10)} times as long as at cost 10); make a new hash with cost 10`);
    }
    if (cost !== DUMMY_COST) {
      warnings.push(`${where}: bcrypt cost ${cost}: unknown usernames are checked at cost ${DUMMY_COST}, so response times tell that this username exists; use cost ${DUMMY_COST} to keep usernames private`);
    }
  }
  return out;
}

function headers(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, v] of stringMap(value, 'http_server_config.headers')) {
    const where = `http_server_config.headers.${name}`;
    const allowed = HEADERS[name];
    if (!allowed) throw fail(where, `cannot be configured; allowed: ${Object.keys(HEADERS).join(', ')}`);
    if (!HEADER_VALUE.test(v)) throw fail(where, 'value has characters not allowed in a header');
    if (allowed.length > 0 && !allowed.includes(v)) throw fail(where, `expected one of ${allowed.join(', ')}`);
    // The toolkit documents a blank value as "unset".
    if (v !== '') out.set(name, v);
  }
  return out;
}

/** `baseDir` is the config file's directory: relative certificate paths are taken from it. */
export function parseWebConfig(text: string, baseDir: string): ParsedWebConfig {
  const root = mapping(yamlRoot(text), 'the file') ?? {};
  for (const key of Object.keys(root)) {
    const why = UNSUPPORTED[key];
    if (why) throw fail(key, why);
  }
  onlyKeys(root, TOP_KEYS, '');

  const warnings: string[] = [];
  const tls = parseTls(mapping(root['tls_server_config'], 'tls_server_config'), baseDir, warnings);
  const http = mapping(root['http_server_config'], 'http_server_config') ?? {};
  onlyKeys(http, HTTP_KEYS, 'http_server_config');
  if (optBoolean(http['http2'], 'http_server_config.http2') === true) {
    warnings.push('http_server_config.http2 is ignored: listenq-exporter serves HTTP/1.1 only');
  }
  return {
    config: { tls, users: users(root['basic_auth_users'], warnings), headers: headers(http['headers']) },
    warnings,
  };
}
