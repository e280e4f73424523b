/**
 * Sockets that come, go and change, on a real kernel, seen through a scraper that keeps
 * its connection open as Prometheus does (so no scrape moves PassiveOpens), on every
 * listener source: sock_diag, ss (sock_diag off) and /proc (netlink refused). A change
 * shows at the next sample: the first sample that starts after it, which has completed
 * once listenq_samples_total has moved by two from a scrape taken after the change.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { type Launcher, type RunningExporter, startExporter } from '../support/exporter.js';
import { pick, type Sample, valueOf } from '../../lab/exposition.js';
import { keepAliveScraper, type KeepAliveScraper } from '../support/keepalive.js';
import { changeListener, createNetns, listen, NO_NETLINK, type Netns, waitFor } from '../../lab/netns.js';

let ns: Netns;
beforeEach(async () => {
  ns = await createNetns();
});
afterEach(async () => {
  await ns.destroy();
});

interface Mode {
  readonly name: string;
  readonly args: readonly string[];
  readonly launcher: Launcher;
  /** Whether the source knows limits and devices. */
  readonly exact: boolean;
}

const MODES: readonly Mode[] = [
  { name: 'sock_diag', args: [], launcher: (argv) => argv, exact: true },
  { name: 'ss', args: ['--no-source.sock-diag'], launcher: (argv) => argv, exact: true },
  { name: '/proc (netlink refused)', args: [], launcher: (argv) => [NO_NETLINK, ...argv], exact: false },
];

async function passiveOpens(): Promise<number> {
  const lines = (await ns.run(['cat', '/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Tcp:'));
  return Number(lines[1]!.split(/\s+/)[lines[0]!.split(/\s+/).indexOf('PassiveOpens')]);
}

/** The first scrape whose snapshot was sampled entirely after now. */
async function afterNextSample(scraper: KeepAliveScraper): Promise<Sample[]> {
  const now = valueOf(await scraper.metrics(), 'listenq_samples_total') ?? 0;
  return waitFor('a sample started after the change', async () => {
    const m = await scraper.metrics();
    return (valueOf(m, 'listenq_samples_total') ?? 0) >= now + 2 ? m : undefined;
  });
}

/** No two series of a family share a label set. */
function expectUniqueSeries(m: readonly Sample[]): void {
  const seen = new Set<string>();
  for (const s of m) {
    const key = `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    expect(seen.has(key), `duplicate series ${key}`).toBe(false);
    seen.add(key);
  }
}

async function startScraped(mode: Mode): Promise<KeepAliveScraper> {
  const exp = await startExporter(ns, ['--sample.interval=300ms', ...mode.args], process.env, mode.launcher);
  return keepAliveScraper(ns, exp.port);
}

describe.each(MODES)('listener changes through $name', (mode) => {
  const start = () => startScraped(mode);

  it('a service restarting on its port with a new backlog, no connection arriving: the next sample shows the new socket only', async () => {
    const a = await listen(ns, { addr: '127.0.0.1', backlog: 128 });
    const other = await listen(ns, { addr: '127.0.0.1', backlog: 16 });
    const scraper = await start();
    const at = (port: number) => ({ address: '127.0.0.1', port: String(port) });
    await waitFor('both listeners', async () => {
      const m = await scraper.metrics();
      return pick(m, 'listenq_accept_queue_length', at(a.port)).length && pick(m, 'listenq_accept_queue_length', at(other.port)).length ? m : undefined;
    });
    const opens = await passiveOpens();
    // Counted once the exporter's own listener, opened after its first sample, is in too.
    const count = valueOf(await afterNextSample(scraper), 'listenq_listeners', { family: 'ipv4' });

    // Close one listener, open another: the socket count stands.
    await a.process.stop();
    const moved = await listen(ns, { addr: '127.0.0.1', backlog: 64 });
    let m = await afterNextSample(scraper);
    expect(pick(m, 'listenq_accept_queue_length', at(a.port))).toEqual([]);
    expect(valueOf(m, 'listenq_accept_queue_length', at(moved.port))).toBe(0);
    expect(valueOf(m, 'listenq_listeners', { family: 'ipv4' })).toBe(count);

    // The service comes back on its old port with backlog 1024 instead of 128.
    await moved.process.stop();
    const restarted = await listen(ns, { addr: '127.0.0.1', backlog: 1024, port: a.port });
    m = await afterNextSample(scraper);
    expect(valueOf(m, 'listenq_accept_queue_length', at(restarted.port))).toBe(0);
    expect(pick(m, 'listenq_accept_queue_length', at(moved.port))).toEqual([]);
    if (mode.exact) expect(valueOf(m, 'listenq_accept_queue_limit', at(restarted.port))).toBe(1024);
    else expect(pick(m, 'listenq_accept_queue_limit', at(restarted.port))).toEqual([]);
    expectUniqueSeries(m);
    // Nothing connected meanwhile: the scraper's one connection was the only one.
    expect(await passiveOpens()).toBe(opens);
  });

  it('SO_BINDTODEVICE on a listening socket beside a member already bound there: every label set stays unique', async () => {
    const bound = await listen(ns, { addr: '0.0.0.0', backlog: 16, reuseport: 1, device: 'lo' });
    const later = await listen(ns, { addr: '0.0.0.0', backlog: 16, reuseport: 1, port: bound.port, laterDevice: 'lo' });
    const scraper = await start();
    const sel = { port: String(bound.port) };
    await waitFor('both members', async () => (pick(await scraper.metrics(), 'listenq_accept_queue_length', sel).length === 2 ? true : undefined));
    await changeListener(later);
    const m = await afterNextSample(scraper);
    expectUniqueSeries(m);
    const members = pick(m, 'listenq_accept_queue_length', sel);
    expect(members).toHaveLength(2);
    expect(members.map((s) => s.labels['slot']).sort()).toEqual(['0', '1']);
    if (mode.exact) expect(members.map((s) => s.labels['device'])).toEqual(['lo', 'lo']);
  });
});

// Only the sources that know limits: /proc has none to show.
describe.each(MODES.filter((m) => m.exact))('limits through $name', (mode) => {
  const start = () => startScraped(mode);

  it('listen() called again on a live socket shows its new limit at the next sample', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 128, relisten: 1024 });
    const scraper = await start();
    const sel = { address: '127.0.0.1', port: String(l.port) };
    await waitFor('limit 128', async () => ((valueOf(await scraper.metrics(), 'listenq_accept_queue_limit', sel) ?? 0) === 128 ? true : undefined));
    await changeListener(l);
    expect(valueOf(await afterNextSample(scraper), 'listenq_accept_queue_limit', sel)).toBe(1024);
  });

});

describe('sources that recover or hide a file', () => {
  it('sockets first seen while ss failed keep unique label sets once ss recovers and names their devices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lq-flaky-ss-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const failFlag = join(dir, 'fail');
    writeFileSync(failFlag, '');
    const flakySs = join(dir, 'ss');
    writeFileSync(flakySs, `#!/bin/sh\n[ -e ${failFlag} ] && { echo "ss: failing on purpose" >&2; exit 1; }\nexec ss "$@"\n`);
    chmodSync(flakySs, 0o755);
    // Two members of one port, both bound to lo: /proc cannot see devices, ss can.
    const a = await listen(ns, { addr: '0.0.0.0', backlog: 16, reuseport: 1, device: 'lo' });
    await listen(ns, { addr: '0.0.0.0', backlog: 16, reuseport: 1, device: 'lo', port: a.port });
    const unbound = await listen(ns, { addr: '0.0.0.0', backlog: 16, reuseport: 1, port: a.port });
    const exp = await startExporter(ns, ['--sample.interval=300ms', '--no-source.sock-diag', `--ss.path=${flakySs}`]);
    const scraper = await keepAliveScraper(ns, exp.port);
    const sel = { port: String(a.port) };
    await waitFor('three members from /proc', async () => (pick(await scraper.metrics(), 'listenq_accept_queue_length', sel).length === 3 ? true : undefined));
    rmSync(failFlag);
    const m = await afterNextSample(scraper);
    expect(valueOf(m, 'listenq_source_up', { source: 'ss' })).toBe(1);
    expectUniqueSeries(m);
    const members = pick(m, 'listenq_accept_queue_length', sel);
    // The two bound members moved to their device's group; the unbound one keeps the slot
    // it has had since it was first seen (slots are stable while a socket lives).
    expect(members.filter((s) => s.labels['device'] === 'lo').map((s) => s.labels['slot']).sort()).toEqual(['0', '1']);
    expect(members.filter((s) => s.labels['device'] === undefined)).toHaveLength(1);
    expect(unbound.port).toBe(a.port);
  });

  it('a procfs without net/tcp6 while IPv6 sockets exist: tcp6 is down, not "no IPv6", and ss keeps the listeners', async () => {
    // A procfs tree whose net/ lacks tcp6 only; everything else is the namespace's own.
    const root = mkdtempSync(join(tmpdir(), 'lq-no-tcp6-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'net'));
    for (const f of ['tcp', 'netstat', 'snmp', 'sockstat', 'sockstat6']) symlinkSync(`/proc/net/${f}`, join(root, 'net', f));
    symlinkSync('/proc/sys', join(root, 'sys'));
    const v6 = await listen(ns, { addr: '::1', backlog: 8 });
    const sel = { family: 'ipv6', port: String(v6.port) };
    // With ss answering, the IPv6 listener is there at every sample.
    const withSs = await startExporter(ns, ['--sample.interval=200ms', '--no-source.sock-diag', `--path.procfs=${root}`]);
    for (let i = 0; i < 3; i++) expect(pick(await afterNextSampleOf(withSs), 'listenq_accept_queue_length', sel)).toHaveLength(1);
    await withSs.stop();
    // Without ss, /proc is the source: tcp6 is down and the IPv6 count is unknown, not 0.
    const procOnly = await startExporter(ns, ['--sample.interval=200ms', '--no-source.sock-diag', '--ss.path=/nonexistent', `--path.procfs=${root}`]);
    const m = await afterNextSampleOf(procOnly);
    expect(valueOf(m, 'listenq_source_up', { source: 'proc_net_tcp6' })).toBe(0);
    expect(valueOf(m, 'listenq_source_up', { source: 'proc_net_tcp' })).toBe(1);
    expect(pick(m, 'listenq_listeners', { family: 'ipv6' })).toEqual([]);
    expect(valueOf(m, 'listenq_listeners', { family: 'ipv4' })).toBeGreaterThan(0);
  });
});

async function afterNextSampleOf(exp: RunningExporter): Promise<Sample[]> {
  const now = valueOf(await exp.metrics(), 'listenq_samples_total') ?? 0;
  return waitFor('a sample started after now', async () => {
    const m = await exp.metrics();
    return (valueOf(m, 'listenq_samples_total') ?? 0) >= now + 2 ? m : undefined;
  });
}
