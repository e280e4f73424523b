/**
 * Runs the built exporter (dist/main.js) on the fixture tree and returns its /metrics,
 * normalised. One sample only: the sample interval is an hour and the fast probe is off,
 * so the output cannot depend on how long the exporter ran before the scrape (full
 * seconds, peaks and sample counts would). sock_diag is off: it would ask the live kernel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildFixtureTree } from './fixture-tree.js';
import { normaliseMetrics } from './normalise.js';
import type { GoldenFormat } from './paths.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const READY_WITHIN_MS = 15_000;

/** The flags of the golden run, apart from the paths and the port. */
const GOLDEN_FLAGS = ['--no-source.sock-diag', '--sample.interval=1h', '--sample.fast-interval=0s'] as const;

/** A port nothing listens on now: the kernel picks it for a socket closed at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** The Accept header a scraper sends for each format (Prometheus asks for OpenMetrics this way). */
const ACCEPT: Record<GoldenFormat, string> = {
  text: 'text/plain; version=0.0.4',
  openmetrics: 'application/openmetrics-text; version=1.0.0',
};

async function get(port: number, path: string, accept = '*/*'): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept } });
  return { status: r.status, body: await r.text() };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The exporter's whole /metrics on the fixtures in each format, from one run, before normalising. */
async function rawGoldenMetrics(): Promise<Record<GoldenFormat, string>> {
  const tree = buildFixtureTree();
  const port = await freePort();
  let stderr = '';
  // A clean environment: LISTENQ_* variables of the caller would change the flags.
  const child = spawn(
    process.execPath,
    [MAIN, `--web.listen-address=127.0.0.1:${port}`, `--path.procfs=${tree.procfs}`, `--ss.path=${tree.ss}`, ...GOLDEN_FLAGS],
    { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exporter exited with ${child.exitCode}: ${stderr}`);
      const r = await get(port, '/readyz').catch(() => undefined);
      if (r?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`exporter not ready within ${READY_WITHIN_MS} ms: ${stderr}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    const out: Partial<Record<GoldenFormat, string>> = {};
    for (const format of Object.keys(ACCEPT) as GoldenFormat[]) {
      const m = await get(port, '/metrics', ACCEPT[format]);
      if (m.status !== 200) throw new Error(`/metrics (${format}) answered ${m.status}: ${m.body}`);
      out[format] = m.body;
    }
    return { text: out.text ?? '', openmetrics: out.openmetrics ?? '' };
  } finally {
    await stop(child);
    rmSync(tree.root, { recursive: true, force: true });
  }
}

export async function goldenMetrics(): Promise<Record<GoldenFormat, string>> {
  const raw = await rawGoldenMetrics();
  return { text: normaliseMetrics(raw.text), openmetrics: normaliseMetrics(raw.openmetrics) };
}
