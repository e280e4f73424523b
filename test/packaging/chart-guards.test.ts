/**
 * Values that would render and then break in the cluster fail at render time instead, with a
 * message naming the values: `helm template` renders exactly as install and upgrade do.
 * `helm lint` renders in Helm's lint mode, where `required` and `fail` only log (measured with
 * Helm 4.1.4: exit 0 even with --strict), so lint is asserted to show the image message, not
 * to fail. Each refused case sits next to the nearest combination that is fine, so a guard
 * that refused too much would fail here too.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR } from '../../scripts/packaging/paths.js';
import { render, renderError, withImage } from './chart-support.js';

let helm: Helm;
let tmp: string;
beforeAll(async () => {
  helm = await openHelm();
  tmp = await mkdtemp(join(tmpdir(), 'listenq-chart-guards-'));
});
afterAll(async () => {
  await helm?.dispose();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let lints = 0;
async function lint(values: unknown): Promise<{ stdout: string; stderr: string }> {
  const file = join(tmp, `lint-${lints++}.json`);
  await writeFile(file, JSON.stringify(values));
  return helm.run(['lint', '--strict', CHART_DIR, '-f', file]);
}

describe('the image', () => {
  it('has no default: rendering the defaults fails, naming the value and how to build and push one', async () => {
    const linted = await lint({});
    for (const msg of [await renderError(helm, {}), linted.stderr]) {
      expect(msg).toMatch(/image\.repository is not set/);
      expect(msg).toMatch(/Dockerfile/);
      expect(msg).toMatch(/podman build -t REGISTRY\/listenq-exporter:\d+\.\d+\.\d+ \. && podman push/);
      expect(msg).toMatch(/image\.registry=REGISTRY/);
    }
    // The DaemonSet is what fails, also when only another template is shown.
    expect(await renderError(helm, { serviceMonitor: { enabled: true } }, { showOnly: ['templates/servicemonitor.yaml'] })).toMatch(
      /image\.repository is not set/,
    );
    expect((await lint(withImage())).stderr).not.toMatch(/image\.repository/);
  });

  it('is also required of the sidecar container, but not in sidecar mode without one', async () => {
    expect(await renderError(helm, { mode: 'sidecar', sidecar: { exampleApp: { enabled: true } } })).toMatch(/image\.repository is not set/);
    expect(await render(helm, { mode: 'sidecar', podMonitor: { enabled: true } })).toHaveLength(1);
  });
});

describe('combinations that cannot work', () => {
  const cases: Array<{ what: string; bad: Record<string, unknown>; good: Record<string, unknown>; message: RegExp }> = [
    {
      what: 'TLS without a certificate secret (HTTPS probes and scrapes against plain HTTP)',
      bad: { webConfig: { tls: true } },
      good: { webConfig: { tls: true, secretName: 'lq-web' } },
      message: /webConfig\.tls=true needs webConfig\.secretName/,
    },
    {
      what: 'client certificates without TLS',
      bad: { webConfig: { secretName: 'lq-web', clientCertRequired: true } },
      good: { webConfig: { secretName: 'lq-web', tls: true, clientCertRequired: true } },
      message: /clientCertRequired=true needs webConfig\.tls=true/,
    },
    {
      what: 'a loopback listen address while the probes target the pod IP (DaemonSet)',
      bad: { flags: { 'web.listen-address': '127.0.0.1:9839' } },
      good: { flags: { 'web.listen-address': '0.0.0.0:9839' } },
      message: /web\.listen-address \(127\.0\.0\.1:9839\) listens on loopback only.*daemonset\.listenOnAllInterfaces=false/,
    },
    {
      what: 'a loopback listen address in the sidecar',
      bad: { mode: 'sidecar', sidecar: { exampleApp: { enabled: true } }, flags: { 'web.listen-address': '[::1]:9840' } },
      good: { mode: 'sidecar', sidecar: { exampleApp: { enabled: true } }, flags: { 'web.listen-address': '[::]:9840' } },
      message: /\[::1\]:9840\) listens on loopback only/,
    },
    {
      what: 'localhost as the listen host',
      bad: { flags: { 'web.listen-address': 'LocalHost:9839' } },
      good: { flags: { 'web.listen-address': ':9839' } },
      message: /listens on loopback only/,
    },
    {
      what: 'a ServiceMonitor and a PodMonitor on the same DaemonSet pods (every scrape and alert twice)',
      bad: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } },
      good: { podMonitor: { enabled: true } },
      message: /serviceMonitor\.enabled and podMonitor\.enabled both select the DaemonSet pods/,
    },
    {
      what: 'a ServiceMonitor in sidecar mode (it would render nothing)',
      bad: { mode: 'sidecar', serviceMonitor: { enabled: true } },
      good: { mode: 'sidecar', podMonitor: { enabled: true } },
      message: /serviceMonitor\.enabled renders nothing in sidecar mode.*podMonitor\.enabled/,
    },
    {
      what: 'binding to the node IP without the host network',
      bad: { daemonset: { hostNetwork: false, listenOnAllInterfaces: false } },
      good: { daemonset: { hostNetwork: true, listenOnAllInterfaces: false } },
      message: /listenOnAllInterfaces=false binds to the node IP, which only a pod with daemonset\.hostNetwork=true has/,
    },
    {
      what: 'binding to the node IP and to a host given in flags',
      bad: { daemonset: { listenOnAllInterfaces: false }, flags: { 'web.listen-address': '0.0.0.0:9839' } },
      good: { daemonset: { listenOnAllInterfaces: false }, flags: { 'web.listen-address': ':9100' } },
      message: /names a host, but daemonset\.listenOnAllInterfaces=false binds to the node IP/,
    },
    {
      what: 'extraArgs repeating a flag set in flags',
      bad: { flags: { 'log.level': 'debug' }, extraArgs: ['--log.level=info'] },
      good: { flags: { 'log.level': 'debug' }, extraArgs: ['--some.new-flag=1'] },
      message: /extraArgs\[0\] \(--log\.level=info\) sets --log\.level/,
    },
    {
      what: 'extraArgs setting the listen address (the container port and probes follow flags)',
      bad: { extraArgs: ['--web.listen-address=:1234'] },
      good: { extraArgs: ['--no-some.new-switch'] },
      message: /sets --web\.listen-address/,
    },
    {
      what: 'extraArgs that are not flags',
      bad: { extraArgs: ['--9'] },
      good: { extraArgs: ['--x9'] },
      message: /extraArgs|pattern/,
    },
    {
      what: 'a common label replacing one the selectors rely on',
      bad: { commonLabels: { 'app.kubernetes.io/name': 'other' } },
      good: { commonLabels: { team: 'net' } },
      message: /commonLabels\.app\.kubernetes\.io\/name would replace a label the chart sets itself/,
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.what}`, async () => {
      expect(await renderError(helm, withImage(c.bad))).toMatch(c.message);
      expect((await render(helm, withImage(c.good))).length).toBeGreaterThan(0);
    });
  }
});
