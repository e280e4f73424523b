/**
 * Sockets that come, go and change, on a real kernel, seen through a scraper that keeps
 * its connection open as Prometheus does (so no scrape moves PassiveOpens), on every
 * listener source: sock_diag, ss (sock_diag off) and /proc (netlink refused). A change
 * shows at the next sample: the first sample that starts after it, which has completed
 * once listenq_samples_total has moved by two from a scrape taken after the change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pick, type Launcher, type Sample, startExporter, valueOf } from '../support/exporter.js';
import { keepAliveScraper, type KeepAliveScraper } from '../support/keepalive.js';
import { changeListener, createNetns, listen, NO_NETLINK, type Netns, waitFor } from '../support/netns.js';

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
