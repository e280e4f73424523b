/** Thin I/O around the parser: read the file, then the PEM files it names. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseWebConfig } from './parse.js';
import { loadTlsMaterial, type TlsMaterial, tlsFiles } from './tls-material.js';
import { type ParsedWebConfig, type WebConfig, WebConfigError } from './types.js';

export interface LoadedWebConfig {
  readonly path: string;
  readonly config: WebConfig;
  readonly tls: TlsMaterial | undefined;
  readonly warnings: readonly string[];
}

function readAndParse(path: string): ParsedWebConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new WebConfigError(`cannot read the file: ${e.code ?? e.message}`);
  }
  return parseWebConfig(text, dirname(resolve(path)));
}

export function loadWebConfig(path: string): LoadedWebConfig {
  const parsed = readAndParse(path);
  const tls = parsed.config.tls ? loadTlsMaterial(parsed.config.tls) : undefined;
  return { path, config: parsed.config, tls, warnings: parsed.warnings };
}

/**
 * The config file and every PEM file it currently names: a change to any of them is a
 * reload (certificate rotation rewrites only the PEM files). Falls back to the config file
 * alone while it does not parse.
 */
export function watchedFiles(path: string): string[] {
  try {
    return [path, ...tlsFiles(readAndParse(path).config.tls)];
  } catch {
    return [path];
  }
}
