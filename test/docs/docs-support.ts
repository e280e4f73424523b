/** The README and the documents under docs/, read for the docs tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every Markdown document under docs/, as repository paths (docs/x.md). */
export function docPaths(): string[] {
  return readdirSync(`${ROOT}docs`)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
}

/** Reads a file by its repository path; a missing file throws, so the test that asked fails. */
export function readDoc(path: string): string {
  return readFileSync(`${ROOT}${path}`, 'utf8');
}
