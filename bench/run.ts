/**
 * `npm run bench [-- --quick] [--no-build] [--results bench/RESULTS.md]`
 *
 * Builds the exporter, creates a fresh network namespace, runs bench/inside.ts inside it
 * (nsenter --net only: mounts stay as in production) and removes the namespace afterwards,
 * also on failure or a signal: whatever is still running in the namespace was started by
 * the benchmark and is killed by pid first. Exit code: the inner run's (non-zero when any
 * row broke), or 1 on a harness failure. Needs root (network namespaces).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNetns, type Netns } from '../lab/netns.js';
import { pidsIn, sweepStale } from './stale-namespaces.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INSIDE = fileURLToPath(new URL('./inside.ts', import.meta.url));

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
// Quick runs must end within 2 minutes; a full run takes about 22.
const WATCHDOG_MS = quick ? 170_000 : 75 * 60_000;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function tool(name: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${name} not found (install iproute2, util-linux, python3, prometheus-node-exporter)`);
  }
}

/** Kills, one by one by pid, whatever is left in our own namespace, then removes it. */
async function teardown(ns: Netns): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const left = pidsIn(ns.name);
    if (left.length === 0) break;
    log(`stopping ${left.length} processes left in ${ns.name}`);
    for (const pid of left) {
      try {
        process.kill(pid, round === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await ns.destroy();
}

async function main(): Promise<number> {
  process.chdir(ROOT);
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (it creates network namespaces)');
  for (const t of ['ip', 'nsenter', 'ss', 'python3', 'prometheus-node-exporter', 'getconf']) tool(t);
  if (!argv.includes('--no-build')) {
    log('building (npm run build)');
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!existsSync('dist/main.js')) throw new Error('dist/main.js missing: run npm run build');
  // A private copy of the build: another build in this tree during the run cannot break it.
  // It sits under the repo (.tmp/ is ignored) so node_modules and package.json still resolve.
  const copy = join(ROOT, '.tmp', `bench-${process.pid}`);
  mkdirSync(copy, { recursive: true });
  cpSync('dist', join(copy, 'dist'), { recursive: true });
  // The native sock_diag addon, which dist/ loads from ../build: without it the copy would
  // silently measure the ss fallback.
  if (!existsSync('build/listenq_netlink.node')) throw new Error('build/listenq_netlink.node missing: run npm run build:native');
  cpSync('build', join(copy, 'build'), { recursive: true });
  cpSync('package.json', join(copy, 'package.json'));
  try {
    return await runInNamespace(join(copy, 'dist', 'main.js'));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

async function runInNamespace(exporterMain: string): Promise<number> {
  sweepStale('lqb', log);
  const ns = await createNetns('lqb');
  log(`namespace ${ns.name}`);
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: stopping the benchmark`);
    child?.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const passOn = argv.filter((a) => a !== '--no-build');
    const [cmd = 'nsenter', ...args] = [...ns.enter, process.execPath, '--import', 'tsx', INSIDE, ...passOn, '--dist', exporterMain];
    const c = spawn(cmd, args, { stdio: ['pipe', 'inherit', 'inherit'], cwd: ROOT });
    child = c;
    const watchdog = setTimeout(() => {
      log(`watchdog: no result after ${WATCHDOG_MS / 1000} s; stopping`);
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
    }, WATCHDOG_MS);
    const code = await new Promise<number>((resolve) => {
      c.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      c.once('error', (err) => {
        log(`cannot start the inner benchmark: ${err.message}`);
        resolve(1);
      });
    });
    clearTimeout(watchdog);
    return code;
  } finally {
    await teardown(ns);
    log(`namespace ${ns.name} removed`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
