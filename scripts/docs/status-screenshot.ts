/**
 * The status page in a real browser: a network namespace with listeners held in known
 * states (one full), the built exporter inside it, and headless Chromium (Debian
 * `chromium`, no npm driver) loading `/` from inside the namespace.
 *
 * `npx tsx scripts/docs/status-screenshot.ts` (as root, after `npm run build`) regenerates
 * docs/status-page.png, the README's picture; test/http/status-browser.test.ts uses the
 * same scene and browser to check the page.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningExporter, startExporter } from '../../test/support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, waitFor } from '../../lab/netns.js';

const execFileP = promisify(execFile);

const SCREENSHOT_PATH = fileURLToPath(new URL('../../docs/status-page.png', import.meta.url));
export const WINDOW = { width: 1280, height: 900 } as const;

/** The listeners of the scene by role: each held by its own helper, never accepting. */
interface StatusScene {
  readonly full: number;
  readonly nearlyFull: number;
  readonly busy: number;
  readonly idle: number;
  readonly onDevice: number;
  readonly exporter: RunningExporter;
}

/**
 * Fixed ports (the namespace is the scene's own) so the picture is the same on every run.
 * `device` names an interface made for the scene; a listener is bound to it.
 */
export async function holdStatusScene(ns: Netns, device: string): Promise<StatusScene> {
  await execFileP('ip', ['-n', ns.name, 'link', 'add', device, 'type', 'bridge']);
  await execFileP('ip', ['-n', ns.name, 'link', 'set', device, 'up']);
  const full = await listen(ns, { addr: '127.0.0.1', port: 8080, backlog: 4 });
  const nearlyFull = await listen(ns, { addr: '::', port: 5432, backlog: 10, v6only: 0 });
  const busy = await listen(ns, { addr: '127.0.0.1', port: 6379, backlog: 16 });
  const idle = await listen(ns, { addr: '::1', port: 9090, backlog: 511 });
  const onDevice = await listen(ns, { addr: '0.0.0.0', port: 443, backlog: 128, device });
  await connectClients(ns, '127.0.0.1', full.port, 20);
  await connectClients(ns, '127.0.0.1', nearlyFull.port, 9);
  await connectClients(ns, '127.0.0.1', busy.port, 5);
  const exporter = await startExporter(ns, ['--collector.process-names']);
  // Full (5 > 4) long enough for full seconds to show, and every queue at its final length.
  await waitFor('the scene in /metrics', async () => {
    const m = await exporter.metrics();
    const length = (port: number) => valueOf(m, 'listenq_accept_queue_length', { port: String(port) });
    const fullFor = valueOf(m, 'listenq_accept_queue_full_seconds_total', { port: String(full.port) }) ?? 0;
    return length(full.port) === 5 && length(nearlyFull.port) === 9 && length(busy.port) === 5 && fullFor >= 2 ? m : undefined;
  });
  return { full: full.port, nearlyFull: nearlyFull.port, busy: busy.port, idle: idle.port, onDevice: onDevice.port, exporter };
}

/**
 * Headless Chromium inside the namespace, with a fresh profile and nothing that reaches
 * out (updates, sync, QUIC, background fetches). Root needs --no-sandbox.
 */
async function chromium(ns: Netns, args: readonly string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'listenq-chromium-'));
  try {
    const argv = [
      ...ns.enter,
      'env',
      `HOME=${profile}`,
      'chromium',
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${join(profile, 'profile')}`,
      ...args,
    ];
    const [cmd, ...rest] = argv;
    const { stdout } = await execFileP(cmd!, rest, { maxBuffer: 64 << 20, timeout: 60_000 });
    return stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export function statusUrl(exporter: RunningExporter): string {
  return `http://127.0.0.1:${exporter.port}/`;
}

/** The page's DOM after load, as Chromium serializes it. */
export function dumpDom(ns: Netns, url: string): Promise<string> {
  return chromium(ns, ['--dump-dom', url]);
}

export async function screenshot(ns: Netns, url: string, file: string): Promise<void> {
  await chromium(ns, [`--screenshot=${file}`, `--window-size=${WINDOW.width},${WINDOW.height}`, url]);
}

async function main(): Promise<void> {
  const ns = await createNetns('lq-shot');
  try {
    const scene = await holdStatusScene(ns, 'br-app');
    await screenshot(ns, statusUrl(scene.exporter), SCREENSHOT_PATH);
    process.stdout.write(`wrote ${SCREENSHOT_PATH}\n`);
  } finally {
    await ns.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
