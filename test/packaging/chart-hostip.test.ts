/**
 * `daemonset.listenOnAllInterfaces: false` for real: the args the chart renders, with
 * `$(HOST_IP)` expanded as the kubelet does, start the built exporter in a test namespace that
 * has a "node IP" besides loopback. It must answer on that IP only, IPv4 and IPv6; with the
 * default it answers on every address. Runs as root (network namespaces), like the kernel tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { EXPORTER_MAIN } from '../support/exporter.js';
import { createNetns, type Netns, waitFor } from '../../lab/netns.js';
import { exporterContainer, type IDaemonSet, only, podSpec, render, withImage } from './chart-support.js';

const NODE_IP4 = '10.77.0.1';
const NODE_IP6 = 'fd00::77';
/** Any port: the namespace is this test's own. */
const PORT = 19839;

let helm: Helm;
let ns: Netns;
beforeAll(async () => {
  helm = await openHelm();
  ns = await createNetns('lq-hostip');
  await ns.run(['ip', 'addr', 'add', `${NODE_IP4}/32`, 'dev', 'lo']);
  await ns.run(['ip', 'addr', 'add', `${NODE_IP6}/128`, 'dev', 'lo', 'nodad']);
});
afterAll(async () => {
  await ns?.destroy();
  await helm?.dispose();
});

async function chartArgs(values: Record<string, unknown>): Promise<string[]> {
  const objects = await render(helm, withImage({ ...values, flags: { 'web.listen-address': `:${PORT}`, 'collector.syn-queue': false } }));
  return exporterContainer(podSpec(only<IDaemonSet>(objects, 'DaemonSet'))).args ?? [];
}

/** curl's exit code and HTTP status for GET /healthz at host. */
async function probe(host: string): Promise<string> {
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${PORT}/healthz`;
  const out = await ns.run(['sh', '-c', `curl -s -o /dev/null -w '%{http_code}' --max-time 2 '${url}'; echo " exit=$?"`]);
  return out.trim();
}

async function withExporter(args: readonly string[], check: () => Promise<void>): Promise<void> {
  const proc = ns.start([process.execPath, EXPORTER_MAIN, ...args]);
  try {
    await waitFor('the exporter to listen', async () => {
      if (proc.child.exitCode !== null) throw new Error(`exporter exited ${proc.child.exitCode}: ${proc.stderr()}`);
      const all = await Promise.all([NODE_IP4, NODE_IP6, '127.0.0.1'].map(probe));
      return all.some((r) => r.startsWith('200')) ? true : undefined;
    });
    await check();
  } finally {
    await proc.stop();
  }
}

describe('listenOnAllInterfaces: false', () => {
  for (const ip of [NODE_IP4, NODE_IP6]) {
    it(`answers on the node IP ${ip} only`, async () => {
      const args = (await chartArgs({ daemonset: { listenOnAllInterfaces: false } })).map((a) => a.replace('$(HOST_IP)', ip));
      expect(args).toContain(`--web.listen-address=[${ip}]:${PORT}`);
      await withExporter(args, async () => {
        expect(await probe(ip)).toBe('200 exit=0');
        // Connection refused: nothing listens on the other addresses.
        for (const other of [NODE_IP4, NODE_IP6, '127.0.0.1'].filter((x) => x !== ip)) expect(await probe(other)).toBe('000 exit=7');
      });
    });
  }

  it('differs from the default, which answers on every address', async () => {
    const args = await chartArgs({});
    expect(args).toContain(`--web.listen-address=:${PORT}`);
    await withExporter(args, async () => {
      for (const host of [NODE_IP4, NODE_IP6, '127.0.0.1']) expect(await probe(host), host).toBe('200 exit=0');
    });
  });
});
