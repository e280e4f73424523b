/**
 * Known passwords with bcrypt hashes made by libxcrypt (Python's crypt module), not by
 * bcryptjs: the exporter must accept hashes written by other tools, with every prefix
 * htpasswd, Go and bcryptjs use. Cost 10 is the Prometheus docs' recipe.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export const HASHES = {
  y: { password: 'scrape-secret', hash: '$2y$10$2FdvHZyFNZa0ZvVVSYG3veLRshFsgsTj5ePCqTcI0QSrtNt9cKqfu' },
  a: { password: 'rotated-secret', hash: '$2a$10$UMNaCIpHzDxv2GWx0K1qSeNwJkq5CJSsKPvcaR1WfhCgBcA5y5yYa' },
  b: { password: 'third-secret', hash: '$2b$10$WRuBEmM6s0qJOj3IGFeu3eoFmnAGoDj/hVYEjc6E5R.cFJ1mx288a' },
} as const;

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Writes a web config as YAML (the object uses the file's own field names). */
export function writeWebConfig(path: string, config: Record<string, unknown>): void {
  writeFileSync(path, stringify(config));
}

/**
 * A password that is not valid UTF-8 (ISO 8859-1 "é"), hashed by libxcrypt from the raw
 * bytes: python3 -c "import ctypes; c=ctypes.CDLL('libcrypt.so.1'); c.crypt.restype=ctypes.c_char_p;
 * c.crypt_gensalt.restype=ctypes.c_char_p; print(c.crypt(b'caf\xe9-latin1', c.crypt_gensalt(b'$2b$', 10, None, 0)))"
 */
export const LATIN1 = {
  password: Buffer.from('caf\xe9-latin1', 'latin1'),
  hash: '$2b$10$JqcJtZiKCsYYdfe6IZ8fBeykjDVoY6bTQ0PNe9ExKHaCEplUoOZcW',
} as const;

/** Basic credentials from raw bytes (a password need not be UTF-8). */
export function basicHeaderBytes(user: string, password: Uint8Array): string {
  return `Basic ${Buffer.concat([Buffer.from(`${user}:`), password]).toString('base64')}`;
}
