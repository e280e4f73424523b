/**
 * `npx tsx bench/auth-flood.ts [-- --quick]`: a real scraper's latency during a password-
 * guessing flood (issue 18's target: median <= 100 ms, logging in for the first time or
 * not). The built exporter runs with basic auth in a namespace of its own; the flood is
 * test/security/flood-client.ts (autocannon, a new wrong password per request) from
 * 127.0.0.1, the scraper curl from 127.0.0.2, one request every 100 ms on a new connection.
 * Phases: no flood; flood with the scraper's login cached; flood right after a reload that
 * changed the password (the scraper's first login, as after a restart). Needs root.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, type Netns, waitFor } from '../lab/netns.js';
import { curl, startWebConfigExporter, type TlsExporter } from '../test/support/tls-exporter.js';
import { HASHES, writeWebConfig } from '../test/support/web-config.js';
import { sleep } from './lib.js';
import { median, quantile } from './stats.js';

const quick = process.argv.includes('--quick');
const CONNECTIONS = quick ? 10 : 50;
const SCRAPES = quick ? 5 : 50;
const ROTATIONS = quick ? 1 : 5;
const FLOOD = fileURLToPath(new URL('../test/security/flood-client.ts', import.meta.url));
const USER = 'prometheus';
const SCRAPER = '127.0.0.2';
const PASSWORDS = [HASHES.y, HASHES.a, HASHES.b];
const log = (m: string) => process.stderr.write(`[bench:auth-flood] ${m}\n`);

interface Timed {
  readonly status: number;
  readonly ms: number;
}

/** curl's own timing (connect to last byte), so process start-up is not counted. */
function timedScrape(ns: Netns, e: TlsExporter, password: string): Promise<Timed> {
  const [cmd, ...args] = [
    ...ns.enter, 'curl', '-sS', '-o', '/dev/null', '--max-time', '30', '--interface', SCRAPER,
    '--user', `${USER}:${password}`, '-w', '%{http_code} %{time_total}', `http://127.0.0.1:${e.port}/metrics`,
  ];
  return new Promise((resolve) => {
    execFile(cmd!, args, { encoding: 'utf8' }, (_err, stdout) => {
      const [code, seconds] = stdout.trim().split(' ');
      resolve({ status: Number(code ?? 0), ms: Number(seconds ?? Number.NaN) * 1000 });
    });
  });
}

async function scrapes(ns: Netns, e: TlsExporter, password: string, n: number): Promise<Timed[]> {
  const out: Timed[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await timedScrape(ns, e, password));
    await sleep(100);
  }
  return out;
}

function row(phase: string, xs: readonly Timed[]): string {
  const ms = xs.map((x) => x.ms);
  const codes = [...new Set(xs.map((x) => x.status))].map((c) => `${c}: ${xs.filter((x) => x.status === c).length}`).join(', ');
  const f = (v: number) => v.toFixed(0);
  return `| ${phase} | ${xs.length} | ${f(median(ms))} | ${f(quantile(ms, 0.9))} | ${f(Math.max(...ms))} | ${codes} |`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'listenq-bench-auth-'));
  const file = join(dir, 'web-config.yml');
  writeWebConfig(file, { basic_auth_users: { [USER]: PASSWORDS[0]!.hash } });
  const ns = await createNetns('lq-bauth');
  const e = await startWebConfigExporter(ns, file, { scheme: 'http' });
  try {
    log('no flood');
    const firstIdle = await timedScrape(ns, e, PASSWORDS[0]!.password);
    const idle = await scrapes(ns, e, PASSWORDS[0]!.password, SCRAPES);
    const seconds = Math.ceil((SCRAPES * 0.15 + ROTATIONS * (SCRAPES * 0.15 + 6)) + 10);
    log(`flood: ${CONNECTIONS} connections for ${seconds} s`);
    const flood = ns.start([process.execPath, '--import', 'tsx', FLOOD, `http://127.0.0.1:${e.port}/metrics`, String(CONNECTIONS), String(seconds), USER]);
    const summary = flood.nextLine((seconds + 60) * 1000);
    let probe = 0;
    await waitFor('the flood to hold its share of the queue', async () => {
      const r = await curl(ns, e.port, '/metrics', { scheme: 'http', user: [USER, `probe-${probe++}`] });
      return r.status === 429 ? true : undefined;
    }, 30_000, 50);
    const cached = await scrapes(ns, e, PASSWORDS[0]!.password, SCRAPES);
    const first: Timed[] = [];
    const after: Timed[] = [];
    for (let i = 1; i <= ROTATIONS; i++) {
      const prev = PASSWORDS[(i - 1) % PASSWORDS.length]!;
      const next = PASSWORDS[i % PASSWORDS.length]!;
      writeWebConfig(file, { basic_auth_users: { [USER]: next.hash } });
      // The old password refused: the new users are in force, with empty caches.
      await waitFor('the reload', async () => ((await curl(ns, e.port, '/metrics', { scheme: 'http', from: SCRAPER, user: [USER, prev.password] })).status === 401 ? true : undefined), 15_000, 200);
      first.push(await timedScrape(ns, e, next.password));
      after.push(...(await scrapes(ns, e, next.password, SCRAPES - 1)));
    }
    const stillFlooding = flood.child.exitCode === null;
    const floodResult = await summary;
    process.stdout.write(
      [
        `Scraper latency, ms (curl from ${SCRAPER}, new connection per request), flood of ${CONNECTIONS} connections with a new wrong password per request${stillFlooding ? '' : ' (WARNING: the flood ended before the scraper did)'}:`,
        '',
        '| phase | scrapes | median | p90 | max | statuses |',
        '|---|---|---|---|---|---|',
        row('no flood, first login', [firstIdle]),
        row('no flood, login cached', idle),
        row('flood, login cached', cached),
        row('flood, first login after a password change', first),
        row('flood, the scrapes after that first login', after),
        row('flood, all scrapes', [...cached, ...first, ...after]),
        '',
        `Flood answers: ${floodResult.trim()}`,
        '',
      ].join('\n'),
    );
  } finally {
    await e.stop();
    await ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
