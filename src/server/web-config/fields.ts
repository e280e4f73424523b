/** Typed readers for the plain values YAML gives; every error names the field's path. */
import { WebConfigError } from './types.js';

export type Mapping = Readonly<Record<string, unknown>>;

export const fail = (where: string, why: string) => new WebConfigError(`${where}: ${why}`);

/** null and a missing key both mean "not set", as in the toolkit's Go structs. */
export function mapping(value: unknown, where: string): Mapping | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(where, 'expected a mapping');
  return value as Mapping;
}

/** The toolkit decodes strictly: a misspelt key is an error, not a silently ignored setting. */
export function onlyKeys(m: Mapping, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(m)) {
    if (!allowed.includes(key)) throw fail(where ? `${where}.${key}` : key, 'unknown field');
  }
}

export function optString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fail(where, 'expected a string');
  return value;
}

export function optBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw fail(where, 'expected true or false');
  return value;
}

export function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail(where, 'expected a list of strings');
  return value.map((v, i) => {
    if (typeof v !== 'string') throw fail(`${where}[${i}]`, 'expected a string');
    return v;
  });
}

export function stringMap(value: unknown, where: string): Map<string, string> {
  const m = mapping(value, where);
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(m ?? {})) {
    if (typeof v !== 'string') throw fail(`${where}.${k}`, 'expected a string');
    out.set(k, v);
  }
  return out;
}
