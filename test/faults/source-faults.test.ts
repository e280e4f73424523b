/**
 * Faults the fallback sources can meet, caused for real: stand-in `ss` programs that hang,
 * fail, flood or print garbage, and a procfs tree whose files are missing, truncated or
 * odd. Each time the other sources keep flowing and the failure shows in
 * listenq_source_up/errors. sock_diag is off here (--no-source.sock-diag), as where the
 * kernel refuses netlink, so that ss and /proc are the listener sources.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/sampler/snapshot.js';
import { fixture } from '../support/fixtures.js';
import { wire } from '../support/in-process.js';

const root = mkdtempSync(join(tmpdir(), 'lq-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeSs(name: string, script: string): string {
  const path = join(root, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A procfs tree made of captured files, which a test may then break. */
function fakeProcfs(name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'net'), { recursive: true });
  for (const f of ['tcp', 'tcp6', 'netstat']) writeFileSync(join(dir, 'net', f), fixture(`proc-net-${f}.txt`));
  for (const line of fixture('sysctls.txt').trim().split('\n')) {
    const [key, value] = line.split('=');
    mkdirSync(join(dir, 'sys', key!, '..'), { recursive: true });
    writeFileSync(join(dir, 'sys', key!), `${value}\n`);
  }
  return dir;
}

async function sampleWith(args: string[]): Promise<Snapshot> {
  const { sampler, app } = wire(['--source.timeout=500ms', '--no-collector.syn-queue', '--no-source.sock-diag', ...args]);
  try {
    return await sampler.sampleOnce();
  } finally {
    await app.close();
  }
}

const capturedSs = fixture('ss-listening.txt');

describe('ss faults', () => {
  const procfs = fakeProcfs('procfs-ok');
  const cases: Array<[string, string]> = [
    ['missing', join(root, 'no-such-ss')],
    ['exits non-zero', fakeSs('ss-fail', 'echo "netlink: permission denied" >&2; exit 1')],
    ['hangs', fakeSs('ss-hang', 'exec sleep 60')],
    ['floods 100 MB', fakeSs('ss-flood', 'exec head -c 100000000 /dev/zero')],
  ];

  it.each(cases)('%s: ss down, /proc depth and counters still flow', async (_name, ssPath) => {
    const started = performance.now();
    const snap = await sampleWith([`--ss.path=${ssPath}`, `--path.procfs=${procfs}`]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(snap.sources.ss).toMatchObject({ up: false, errorsTotal: 1 });
    expect(snap.sources.proc_net_tcp?.up).toBe(true);
    expect(snap.namespaces[0]!.listeners.length).toBe(capturedSs.trim().split('\n').length);
    expect(snap.namespaces[0]!.listeners.every((l) => l.limit === undefined)).toBe(true);
    expect(snap.namespaces[0]!.tcpExt?.ListenOverflows).toBeGreaterThan(0);
    expect(snap.namespaces[0]!.sysctls.somaxconn).toBe(4096);
  });

  it('prints garbage: lines are rejected and counted, /proc fills in', async () => {
    const garbage = fakeSs('ss-garbage', `printf 'garbage\\n\\x01\\x02 nonsense\\n'; cat <<'EOF'\n${capturedSs.split('\n')[0]}\nEOF`);
    const snap = await sampleWith([`--ss.path=${garbage}`, `--path.procfs=${procfs}`]);
    expect(snap.sources.ss).toMatchObject({ up: true, rejectedLinesTotal: 2 });
    expect(snap.namespaces[0]!.listeners.length).toBe(capturedSs.trim().split('\n').length);
    expect(snap.namespaces[0]!.listeners.filter((l) => l.limit !== undefined)).toHaveLength(1);
  });

  it('leaves no process behind after killing a hanging ss', async () => {
    const hang = fakeSs('ss-hang-2', `echo $$ > ${join(root, 'hang.pid')}; exec sleep 60`);
    await sampleWith([`--ss.path=${hang}`, `--path.procfs=${procfs}`]);
    const pid = readFileSync(join(root, 'hang.pid'), 'utf8').trim();
    await new Promise((r) => setTimeout(r, 100));
    // Gone entirely (reaped), not a zombie.
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});

describe('/proc faults', () => {
  const ss = fakeSs('ss-captured', `cat <<'EOF'\n${capturedSs}EOF`);

  it('missing netstat: counters absent, listeners and sysctls flow', async () => {
    const procfs = fakeProcfs('no-netstat');
    rmSync(join(procfs, 'net', 'netstat'));
    const snap = await sampleWith([`--ss.path=${ss}`, `--path.procfs=${procfs}`]);
    expect(snap.sources.netstat?.up).toBe(false);
    expect(snap.namespaces[0]!.tcpExt).toBeUndefined();
    expect(snap.namespaces[0]!.listeners.length).toBeGreaterThan(0);
    expect(snap.sources.sysctl?.up).toBe(true);
  });

  it('ss answering: the /proc tables are not read at all (they are the fallback)', async () => {
    const procfs = fakeProcfs('tcp-dir');
    rmSync(join(procfs, 'net', 'tcp'));
    mkdirSync(join(procfs, 'net', 'tcp'));
    const snap = await sampleWith([`--ss.path=${ss}`, `--path.procfs=${procfs}`]);
    expect(snap.sources.proc_net_tcp).toBeUndefined();
    expect(snap.namespaces[0]!.listeners.filter((l) => l.limit !== undefined).length).toBe(capturedSs.trim().split('\n').length);
  });

  it('ss down and tcp unreadable (a directory where a file should be): tcp down, tcp6 still flows', async () => {
    const procfs = fakeProcfs('tcp-dir-2');
    rmSync(join(procfs, 'net', 'tcp'));
    mkdirSync(join(procfs, 'net', 'tcp'));
    const snap = await sampleWith(['--ss.path=/nonexistent', `--path.procfs=${procfs}`]);
    expect(snap.sources.proc_net_tcp?.up).toBe(false);
    expect(snap.sources.proc_net_tcp6?.up).toBe(true);
    const ns = snap.namespaces[0]!;
    expect(ns.listeners.length).toBeGreaterThan(0);
    expect(ns.listeners.every((l) => l.family === 'ipv6')).toBe(true);
    expect(ns.familiesKnown).toEqual({ ipv4: false, ipv6: true });
  });

  it('truncated mid-row and unknown extra columns: good rows kept, bad ones counted', async () => {
    const procfs = fakeProcfs('truncated');
    const tcp = fixture('proc-net-tcp.txt').split('\n');
    const listenRows = tcp.filter((l) => / 0A /.test(l));
    writeFileSync(join(procfs, 'net', 'tcp'), [tcp[0], ...listenRows.slice(0, 2).map((l) => `${l} extra1 extra2`), listenRows[2]!.slice(0, 30)].join('\n'));
    const netstat = fixture('proc-net-netstat.txt').replace(/^TcpExt: /m, 'TcpExt: BrandNewField ').replace(/^TcpExt: (\d)/m, 'TcpExt: 42 $1');
    writeFileSync(join(procfs, 'net', 'netstat'), netstat);
    const snap = await sampleWith(['--ss.path=/nonexistent', `--path.procfs=${procfs}`]);
    expect(snap.sources.proc_net_tcp).toMatchObject({ up: true, rejectedLinesTotal: 1 });
    expect(snap.namespaces[0]!.listeners.filter((l) => l.family === 'ipv4')).toHaveLength(2);
    expect(snap.sources.netstat).toMatchObject({ up: true, rejectedLinesTotal: 0 });
    expect(snap.namespaces[0]!.tcpExt?.ListenOverflows).toBeGreaterThan(0);
  });

  it('a missing sysctl is reported, the others are read', async () => {
    const procfs = fakeProcfs('no-somaxconn');
    rmSync(join(procfs, 'sys', 'net', 'core', 'somaxconn'));
    const snap = await sampleWith([`--ss.path=${ss}`, `--path.procfs=${procfs}`]);
    expect(snap.sources.sysctl?.up).toBe(false);
    expect(snap.namespaces[0]!.sysctls).toEqual({ maxSynBacklog: 2048, syncookies: 1, abortOnOverflow: 0 });
  });
});

describe('recovery', () => {
  it('a source that comes back is up again at the next sample', async () => {
    const procfs = fakeProcfs('recover');
    const { sampler, app } = wire(['--ss.path=/nonexistent', `--path.procfs=${procfs}`, '--no-collector.syn-queue']);
    rmSync(join(procfs, 'net', 'netstat'));
    expect((await sampler.sampleOnce()).sources.netstat?.up).toBe(false);
    writeFileSync(join(procfs, 'net', 'netstat'), fixture('proc-net-netstat.txt'));
    const snap = await sampler.sampleOnce();
    expect(snap.sources.netstat).toMatchObject({ up: true, errorsTotal: 1 });
    await app.close();
  });
});

describe('a sample slower than the interval', () => {
  it('never overlaps the next one and does not queue a backlog of runs', async () => {
    const log = join(root, 'runs.log');
    writeFileSync(log, '');
    // Each ss run takes 300 ms against a 50 ms interval.
    const slow = fakeSs('ss-slow', `echo start >> ${log}; sleep 0.3; echo end >> ${log}`);
    const { sampler, app } = wire(['--sample.interval=50ms', '--no-source.sock-diag', `--ss.path=${slow}`, '--no-collector.syn-queue']);
    sampler.start();
    await new Promise((r) => setTimeout(r, 1000));
    await sampler.stop();
    await app.close();
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs.length).toBeGreaterThanOrEqual(4);
    // start, end, start, end, ...: never two starts in a row.
    runs.forEach((line, i) => expect(line).toBe(i % 2 === 0 ? 'start' : 'end'));
    expect(runs.length / 2).toBeLessThanOrEqual(4);
    expect(sampler.latest()!.samplesTotal).toBe(runs.length / 2);
  });
});
