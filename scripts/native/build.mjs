#!/usr/bin/env node
// Builds native/netlink.c into build/listenq_netlink.node at `npm ci` (the package's
// install script) and in the image's build stage. A C compiler and Node's headers are all
// it needs, so it builds offline; node-gyp would fetch headers from the network. An N-API
// module links against nothing: the symbols come from the node binary that loads it.
// Without a compiler the exporter still runs: it falls back to ss, and says so at start.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const source = join(root, 'native/netlink.c');
const output = join(root, 'build/listenq_netlink.node');

const includeCandidates = [
  process.env.LISTENQ_NODE_INCLUDE,
  join(dirname(process.execPath), '../include/node'),
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter((p) => typeof p === 'string' && existsSync(join(p, 'node_api.h')));

const strict = process.argv.includes('--strict');
function give_up(why) {
  const msg = `listenq-exporter: native sock_diag addon not built (${why}); the exporter will use ss instead`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

if (includeCandidates.length === 0) give_up("Node's headers (node_api.h) not found; set LISTENQ_NODE_INCLUDE");
const cc = process.env.CC ?? 'cc';
mkdirSync(dirname(output), { recursive: true });
try {
  execFileSync(
    cc,
    ['-shared', '-fPIC', '-O2', '-Wall', '-std=gnu11', `-I${includeCandidates[0]}`, '-o', output, source],
    { stdio: 'inherit' },
  );
} catch (err) {
  give_up(`${cc} failed: ${err instanceof Error ? err.message : String(err)}`);
}
console.log(`built ${output}`);
