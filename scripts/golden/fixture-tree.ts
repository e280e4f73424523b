/**
 * A procfs tree and a stand-in `ss` built from the files under test/fixtures/, which
 * test/fixtures/capture.sh captured from one network namespace of a real kernel. The
 * exporter reads the tree through --path.procfs and runs the stand-in through --ss.path,
 * so its whole output follows from checked-in text: no root, no namespace, no live kernel
 * state.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

/** Where each procfs file of the tree comes from. */
const PROC_NET = { tcp: 'proc-net-tcp.txt', tcp6: 'proc-net-tcp6.txt', netstat: 'proc-net-netstat.txt', snmp: 'proc-net-snmp.txt' };

/**
 * What the stand-in prints for each argv the exporter may give ss: the listener dump, and
 * the dump with SYN_RECV that the SYN-queue collector asks for. Any other argv fails, so a
 * change in what the exporter asks ss shows here rather than passing on the wrong answer.
 */
const SS_ANSWERS: ReadonlyArray<readonly [string, string]> = [
  ['-tnmHeO state listening', 'ss-listening.txt'],
  ['-tnmHeO state listening state syn-recv', 'ss-listening-syn-recv.txt'],
];

interface FixtureTree {
  readonly procfs: string;
  readonly ss: string;
  readonly root: string;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** sysctls.txt holds `net/core/somaxconn=4096` lines: each becomes <procfs>/sys/<key>. */
function writeSysctls(procfs: string): void {
  for (const line of readFileSync(join(FIXTURES, 'sysctls.txt'), 'latin1').split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`sysctls.txt: no '=' in ${JSON.stringify(line)}`);
    write(join(procfs, 'sys', line.slice(0, eq)), `${line.slice(eq + 1)}\n`);
  }
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function writeSs(path: string): void {
  const cases = SS_ANSWERS.map(([args, file]) => `  ${shellQuote(args)}) exec cat ${shellQuote(join(FIXTURES, file))} ;;`);
  write(
    path,
    ['#!/bin/sh', '# Stand-in for ss (scripts/golden/fixture-tree.ts): prints a captured dump.', 'case "$*" in', ...cases,
      '  *) echo "fixture ss: unexpected arguments: $*" >&2; exit 2 ;;', 'esac', ''].join('\n'),
  );
  chmodSync(path, 0o755);
}

/** Builds the tree in a new temporary directory; the caller removes `root`. */
export function buildFixtureTree(): FixtureTree {
  const root = mkdtempSync(join(tmpdir(), 'listenq-golden-'));
  const procfs = join(root, 'proc');
  for (const [name, file] of Object.entries(PROC_NET)) write(join(procfs, 'net', name), readFileSync(join(FIXTURES, file), 'latin1'));
  writeSysctls(procfs);
  const ss = join(root, 'bin', 'ss');
  writeSs(ss);
  return { procfs, ss, root };
}
