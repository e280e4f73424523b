/**
 * Issue 18, item 1 against the built exporter: 50 connections guess passwords as fast as
 * they can (a new wrong password every request, so no cache helps them) while a real
 * scraper logs in from another address, for the first time and again after its password
 * changes. It gets 200 every time, never 429; the flood is turned away with 401 and 429.
 * Latency is measured by bench/auth-flood.ts, not asserted here.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../support/certs.js';
import { createNetns, type ManagedProcess, type Netns, waitFor } from '../../lab/netns.js';
import { curl, startWebConfigExporter, type TlsExporter } from '../support/tls-exporter.js';
import { HASHES, writeWebConfig } from '../support/web-config.js';

const FLOOD = fileURLToPath(new URL('./flood-client.ts', import.meta.url));
const USER = 'prometheus';
/** The scraper connects from another loopback address than the flood (127.0.0.1). */
const SCRAPER = '127.0.0.2';
const FLOOD_SECONDS = 15;

let pki: TestPki;
let file: string;
let ns: Netns | undefined;
let exporter: TlsExporter | undefined;

beforeAll(async () => {
  pki = makePki();
  file = join(pki.dir, 'web-config.yml');
  writeWebConfig(file, { basic_auth_users: { [USER]: HASHES.y.hash } });
  ns = await createNetns('lq-flood');
  exporter = await startWebConfigExporter(ns, file, { scheme: 'http' });
}, 60_000);

afterAll(async () => {
  await exporter?.stop();
  await ns?.destroy();
  rmSync(pki.dir, { recursive: true, force: true });
});

interface FloodSummary {
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly requests: number;
}

function startFlood(): { process: ManagedProcess; done: Promise<FloodSummary> } {
  const url = `http://127.0.0.1:${exporter!.port}/metrics`;
  const p = ns!.start([process.execPath, '--import', 'tsx', FLOOD, url, '50', String(FLOOD_SECONDS), USER]);
  return { process: p, done: p.nextLine((FLOOD_SECONDS + 30) * 1000).then((line) => JSON.parse(line) as FloodSummary) };
}

const scrape = (password: string) => curl(ns!, exporter!.port, '/metrics', { scheme: 'http', from: SCRAPER, user: [USER, password] });

describe('a password-guessing flood', () => {
  it('does not keep a real scraper out, at its first login or after its password changes', async () => {
    const flood = startFlood();
    // The scraper's first, uncached login comes once the flood holds its address's whole
    // share of the queue: one more guess from there is turned away.
    let probe = 0;
    await waitFor('the flood to fill its share of the queue', async () => {
      const r = await curl(ns!, exporter!.port, '/metrics', { scheme: 'http', user: [USER, `probe-${probe++}`] });
      return r.status === 429 ? true : undefined;
    }, 20_000, 50);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await scrape(HASHES.y.password)).status);

    // A reload that changes the password, mid-flood: the queue starts over for the new users.
    writeWebConfig(file, { basic_auth_users: { [USER]: HASHES.a.hash } });
    await waitFor('the new password to be accepted during the flood', async () => {
      const s = (await scrape(HASHES.a.password)).status;
      statuses.push(s);
      return s === 200 ? true : undefined;
    }, 15_000, 250);
    for (let i = 0; i < 5; i++) statuses.push((await scrape(HASHES.a.password)).status);
    const old = await scrape(HASHES.y.password);
    // Still flooding when the scraper finished: every answer above was given under load.
    const floodRanThroughout = flood.process.child.exitCode === null;

    const summary = await flood.done;
    expect(floodRanThroughout).toBe(true);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    // Until the reload lands the new password is refused (401), never turned away as busy.
    expect(statuses.filter((s) => s !== 200 && s !== 401)).toEqual([]);
    expect(statuses.slice(-5)).toEqual(Array(5).fill(200));
    expect(old.status).toBe(401);
    // The guesses got no further than 401, and beyond each address's share of the queue, 429.
    expect(summary.statuses['200'] ?? 0).toBe(0);
    expect(summary.statuses['401']).toBeGreaterThan(0);
    expect(summary.statuses['429']).toBeGreaterThan(0);
    expect(summary.errors).toBe(0);
    expect(exporter!.process.child.exitCode).toBeNull();
  }, 90_000);
});
