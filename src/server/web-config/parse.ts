/**
 * Parses the text of a --web.config.file. Pure: no file is read here, so start-up and reload
 * share one set of rules and every rule is unit-testable. Errors are one line, name the
 * field and never echo a secret.
 */
import { parse as parseYaml } from 'yaml';
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

/** Minor versions a, b and y are the same algorithm; htpasswd writes $2y$, Go and bcryptjs $2a$/$2b$. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

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

function users(value: unknown): Map<string, string> {
  const out = stringMap(value, 'basic_auth_users');
  for (const [name, hash] of out) {
    const where = `basic_auth_users.${name}`;
    if (name === '') throw fail('basic_auth_users', 'a username is empty');
    // Basic auth splits user and password at the first colon.
    if (name.includes(':')) throw fail(where, 'a username cannot contain ":"');
    const m = BCRYPT.exec(hash);
    if (!m) throw fail(where, 'not a bcrypt hash ($2a$, $2b$ or $2y$, two-digit cost, 53 characters)');
    const cost = Number(m[1]);
    if (cost < 4 || cost > 31) throw fail(where, `bcrypt cost ${cost} is outside 4-31`);
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
    config: { tls, users: users(root['basic_auth_users']), headers: headers(http['headers']) },
    warnings,
  };
}
