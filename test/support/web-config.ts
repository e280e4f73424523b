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
