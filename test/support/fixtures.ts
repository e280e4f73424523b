import { readFileSync } from 'node:fs';

/** Text captured from a real kernel by test/fixtures/capture.sh. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'latin1');
}

/** Raw bytes captured from a real kernel (netlink replies) by test/fixtures/capture.sh. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}
