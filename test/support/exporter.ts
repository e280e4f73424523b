/**
 * Runs the built exporter (dist/main.js) inside a test namespace and reads its endpoints
 * from inside that namespace (curl via nsenter), exactly as a sidecar's scraper would.
 */
import { fileURLToPath } from 'node:url';
import { parseExposition, type Sample } from '../../lab/exposition.js';
import type { ManagedProcess, Netns } from '../../lab/netns.js';
import { assertValidScrape, OPENMETRICS_ACCEPT } from './scrape-validity.js';

export const EXPORTER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface RunningExporter {
  readonly port: number;
  readonly process: ManagedProcess;
  get(path: string, headers?: Record<string, string>): Promise<HttpResult>;
  metrics(): Promise<Sample[]>;
  stop(): Promise<void>;
}

export interface HttpResult {
  status: number;
  contentType: string;
  body: string;
}


let nextPort = 19000 + (process.pid % 500) * 2;

/** Rewrites the exporter's argv, e.g. to run it as another user. */
export type Launcher = (argv: readonly string[]) => readonly string[];

export async function startExporter(
  ns: Netns,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  launcher: Launcher = (argv) => argv,
): Promise<RunningExporter> {
  const port = nextPort++;
  // Tests sample fast unless they choose an interval themselves.
  const interval = args.some((a) => a.startsWith('--sample.interval')) ? [] : ['--sample.interval=100ms'];
  const proc = ns.start(
    launcher([process.execPath, EXPORTER_MAIN, `--web.listen-address=127.0.0.1:${port}`, ...interval, ...args]),
    env,
  );
  const get = (path: string, headers: Record<string, string> = {}) => httpGet(ns, port, path, headers);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`exporter exited with ${proc.child.exitCode}: ${proc.stderr()}`);
    const r = await get('/readyz').catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`exporter not ready in 15 s: ${proc.stderr()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    port,
    process: proc,
    get,
    metrics: () => scrapeMetrics(ns, port),
    stop: () => proc.stop(),
  };
}

export async function httpGet(
  ns: Netns,
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<HttpResult> {
  const argv = ['curl', '-s', '-X', method, '-o', '-', '-w', '\n%{http_code} %{content_type}', '--max-time', '5'];
  if (method === 'HEAD') argv.push('-I');
  for (const [k, v] of Object.entries(headers)) argv.push('-H', `${k}: ${v}`);
  argv.push(`http://127.0.0.1:${port}${path}`);
  const out = await ns.run(argv);
  const cut = out.lastIndexOf('\n');
  const [code, ...ct] = out.slice(cut + 1).split(' ');
  return { status: Number(code), contentType: ct.join(' '), body: out.slice(0, cut) };
}

/**
 * A scrape as tests take it: the text format (whose samples are returned) and then the
 * OpenMetrics form, both through the shared validity assertion (scrape-validity.ts), so
 * an invalid body fails whichever test meets it.
 */
export async function scrapeMetrics(ns: Netns, port: number, path = '/metrics'): Promise<Sample[]> {
  const text = await httpGet(ns, port, path);
  if (text.status !== 200) throw new Error(`${path} answered ${text.status}`);
  await assertValidScrape(text.body, 'prometheus');
  const om = await httpGet(ns, port, path, { accept: OPENMETRICS_ACCEPT });
  if (om.status !== 200) throw new Error(`${path} (OpenMetrics) answered ${om.status}`);
  if (!om.contentType.startsWith('application/openmetrics-text')) throw new Error(`${path} answered OpenMetrics with ${om.contentType}`);
  await assertValidScrape(om.body, 'openmetrics');
  return parseExposition(text.body);
}

