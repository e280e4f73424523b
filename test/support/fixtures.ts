import { readFileSync } from 'node:fs';

/** Text captured from a real kernel by test/fixtures/capture.sh. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'latin1');
}
