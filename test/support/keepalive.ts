/** A scraper inside a test namespace that reuses one connection for every scrape. */
import { fileURLToPath } from 'node:url';
import { parseExposition, type Sample } from '../../lab/exposition.js';
import { type Netns, PYTHON } from '../../lab/netns.js';
import { assertValidScrape, OPENMETRICS_ACCEPT } from './scrape-validity.js';

const SCRAPER = fileURLToPath(new URL('./keepalive-scraper.py', import.meta.url));

export interface KeepAliveScraper {
  metrics(): Promise<Sample[]>;
}

export async function keepAliveScraper(ns: Netns, port: number): Promise<KeepAliveScraper> {
  const p = ns.start([PYTHON, SCRAPER, String(port), '/metrics']);
  const ready = JSON.parse(await p.nextLine()) as { ready?: boolean };
  if (!ready.ready) throw new Error('keep-alive scraper did not start');
  const stdin = p.child.stdin;
  if (!stdin) throw new Error('keep-alive scraper has no stdin');
  return {
    // Both forms on the one connection, each through the shared validity check.
    async metrics() {
      const get = async (accept: string) => {
        stdin.write(`${JSON.stringify({ accept })}\n`);
        const r = JSON.parse(await p.nextLine()) as { status: number; body: string };
        if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
        return r.body;
      };
      const text = await get('text/plain;version=0.0.4');
      await assertValidScrape(text, 'prometheus');
      await assertValidScrape(await get(OPENMETRICS_ACCEPT), 'openmetrics');
      return parseExposition(text);
    },
  };
}
