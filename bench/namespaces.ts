/**
 * `npm run bench:namespaces [-- --quick]`: the cost of node-wide mode. Makes N network
 * namespaces with 10 listeners each (a holder process living in each), then measures side
 * by side, interleaved, the CPU of one exporter in --namespaces=all watching all of them
 * against one exporter in a single namespace with 10 listeners (the default mode's cost,
 * the budget unit) and a do-nothing Node.js 5 Hz timer (the floor of any Node process).
 * Prints one markdown table of medians and ratios. Needs root.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNetns, hostNamespace, type Netns, PYTHON, QUEUE_HELPER } from '../test/support/netns.js';
import { cpuSeconds } from './lib.js';
import { median } from './stats.js';

const quick = process.argv.includes('--quick');
const NAMESPACES = quick ? 10 : 100;
const LISTENERS = 10;
const ROUNDS = quick ? 2 : 3;
const WINDOW_MS = quick ? 5_000 : 20_000;
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const log = (m: string) => process.stderr.write(`[bench:namespaces] ${m}\n`);

async function measure(procs: Record<string, ChildProcess>): Promise<Record<string, number>> {
  const before = Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, cpuSeconds(p.pid!)]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const secs = (performance.now() - t0) / 1000;
  return Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, ((cpuSeconds(p.pid!) - before[k]!) / secs) * 100]));
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
  const spaces: Netns[] = [];
  const host = hostNamespace();
  try {
    log(`making ${NAMESPACES} namespaces with ${LISTENERS} listeners each`);
    for (let i = 0; i < NAMESPACES; i++) {
      const ns = await createNetns('lqb-ns');
      spaces.push(ns);
      const holder = ns.start([PYTHON, QUEUE_HELPER, 'listen-many', '--addr', '127.0.0.1', '--count', String(LISTENERS)]);
      await holder.nextLine();
    }
    const single = spaces[0]!.start([process.execPath, MAIN, '--web.listen-address=127.0.0.1:19911']);
    const all = host.start([process.execPath, MAIN, '--namespaces=all', '--web.listen-address=127.0.0.1:19912']);
    const reference = host.start([process.execPath, '-e', 'setInterval(() => {}, 200)']);
    await new Promise((r) => setTimeout(r, 5000));
    const rows: Array<Record<string, number>> = [];
    for (let r = 0; r < ROUNDS; r++) {
      // All three run at once: the same machine load lands on each.
      rows.push(await measure({ all: all.child, single: single.child, reference: reference.child }));
      log(`round ${r + 1}: ${JSON.stringify(rows[rows.length - 1])}`);
    }
    const body = execFileSync('curl', ['-s', 'http://127.0.0.1:19912/metrics'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const sampled = Number(/^listenq_namespaces (\d+)/m.exec(body)?.[1] ?? NaN);
    const all_ = median(rows.map((x) => x['all']!));
    const single_ = median(rows.map((x) => x['single']!));
    const ref = median(rows.map((x) => x['reference']!));
    const perNs = (all_ - ref) / NAMESPACES;
    process.stdout.write(
      [
        `| node-wide mode, ${NAMESPACES} namespaces x ${LISTENERS} listeners (${ROUNDS} x ${WINDOW_MS / 1000} s, medians) | % of one core |`,
        '|---|---|',
        `| exporter --namespaces=all (sampled ${sampled} namespaces, host's own included) | ${all_.toFixed(2)} |`,
        `| exporter, default mode, one namespace of ${LISTENERS} listeners (budget unit) | ${single_.toFixed(2)} |`,
        `| Node.js 5 Hz timer reference | ${ref.toFixed(2)} |`,
        `| all-mode cost per namespace above the reference | ${perNs.toFixed(3)} |`,
        `| ratio: per-namespace cost / one default-mode exporter above the reference | ${(perNs / Math.max(single_ - ref, 1e-9)).toFixed(2)} |`,
        '',
      ].join('\n'),
    );
    if (!(sampled >= NAMESPACES)) throw new Error(`all mode sampled ${sampled} namespaces, expected at least ${NAMESPACES}`);
  } finally {
    await host.destroy();
    for (const ns of spaces) await ns.destroy();
  }
}

main().catch((err: unknown) => {
  log(String(err));
  process.exit(1);
});
