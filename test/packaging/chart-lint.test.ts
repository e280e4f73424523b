/**
 * helm lint --strict on the chart with the values of each mode, and the chart used the way
 * the README tells people to: as a dependency whose sidecar template another chart includes.
 */
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DASHBOARD_FILE, CHART_DIR, CHART_RULES_FILE } from '../../scripts/packaging/paths.js';
import { exporterContainer, flagArgs, type IDeployment, only, podSpec, render, renderError, TEST_IMAGE, withImage } from './chart-support.js';

let helm: Helm;
let tmp: string;
beforeAll(async () => {
  helm = await openHelm();
  tmp = await mkdtemp(join(tmpdir(), 'listenq-chart-test-'));
});
afterAll(async () => {
  await helm?.dispose();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const LINT_VALUES: Record<string, Record<string, unknown>> = {
  'defaults and an image': withImage(),
  'daemonset, everything on': withImage({
    daemonset: { hostProc: { enabled: true } },
    serviceMonitor: { enabled: true },
    prometheusRule: { enabled: true },
    grafanaDashboard: { enabled: true },
    webConfig: { secretName: 's', tls: true },
  }),
  'sidecar with demo and PodMonitor': withImage({ mode: 'sidecar', sidecar: { exampleApp: { enabled: true } }, podMonitor: { enabled: true } }),
};

describe('helm lint --strict', () => {
  for (const [name, values] of Object.entries(LINT_VALUES)) {
    it(`passes with ${name}`, async () => {
      const file = join(tmp, `lint-${name.replace(/\W+/g, '-')}.json`);
      await writeFile(file, JSON.stringify(values));
      const { stdout } = await helm.run(['lint', '--strict', CHART_DIR, '-f', file]);
      expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    });
  }

  it('fails on values the schema refuses', async () => {
    const file = join(tmp, 'lint-bad.json');
    await writeFile(file, JSON.stringify({ mode: 'deployment' }));
    await expect(helm.run(['lint', '--strict', CHART_DIR, '-f', file])).rejects.toThrow(/mode/);
  });
});

describe('the sidecar template from another chart', () => {
  it('renders the exporter container and its volumes into the parent chart pod spec via .Subcharts', async () => {
    const parent = join(tmp, 'my-app');
    await mkdir(join(parent, 'templates'), { recursive: true });
    await cp(CHART_DIR, join(parent, 'charts/listenq-exporter'), { recursive: true });
    await writeFile(
      join(parent, 'Chart.yaml'),
      'apiVersion: v2\nname: my-app\nversion: 1.0.0\ndependencies:\n  - name: listenq-exporter\n    version: 0.1.0\n',
    );
    await writeFile(
      join(parent, 'values.yaml'),
      [
        'listenq-exporter:',
        '  mode: sidecar',
        '  image:',
        `    registry: ${TEST_IMAGE.registry}`,
        `    repository: ${TEST_IMAGE.repository}`,
        '  podMonitor:',
        '    enabled: true',
        '  webConfig:',
        '    secretName: my-app-listenq-web',
        '  flags:',
        '    sample.interval: 250ms',
        '',
      ].join('\n'),
    );
    // The template as the chart README shows it.
    await writeFile(
      join(parent, 'templates/deployment.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: my-app',
        'spec:',
        '  selector:',
        '    matchLabels: {app: my-app}',
        '  template:',
        '    metadata:',
        '      labels: {app: my-app, listenq-exporter/sidecar: "true"}',
        '    spec:',
        '      containers:',
        '        - name: my-app',
        '          image: my-app:1',
        '        {{- include "listenq-exporter.sidecarContainer" (index .Subcharts "listenq-exporter") | nindent 8 }}',
        '      volumes:',
        '        {{- include "listenq-exporter.sidecarVolumes" (index .Subcharts "listenq-exporter") | nindent 8 }}',
        '',
      ].join('\n'),
    );
    const objects = await render(helm, {}, { chartDir: parent, releaseName: 'my-app', namespace: 'shop' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodMonitor']);
    const pod = podSpec(only<IDeployment>(objects, 'Deployment'));
    const c = exporterContainer(pod);
    expect(c.image).toMatch(/^registry\.test\/listenq-exporter:\d+\.\d+\.\d+$/);
    expect(Object.fromEntries(flagArgs(c))).toMatchObject({ 'sample.interval': '250ms', 'web.config.file': '/etc/listenq-exporter/web/web-config.yml' });
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(pod.volumes).toEqual([{ name: 'listenq-web-config', secret: { secretName: 'my-app-listenq-web' } }]);
  });
});

describe('rules and dashboard missing from the chart', () => {
  it('fails with a pointer to the sync script instead of rendering an empty object', async () => {
    const copy = join(tmp, 'bare-chart');
    await cp(CHART_DIR, copy, { recursive: true });
    await rm(join(copy, CHART_RULES_FILE), { force: true });
    await rm(join(copy, CHART_DASHBOARD_FILE), { force: true });
    expect(await renderError(helm, withImage({ prometheusRule: { enabled: true } }), { chartDir: copy })).toMatch(/scripts\/sync-chart\.ts/);
    expect(await renderError(helm, withImage({ grafanaDashboard: { enabled: true } }), { chartDir: copy })).toMatch(/scripts\/sync-chart\.ts/);
    expect((await render(helm, withImage(), { chartDir: copy })).length).toBe(3);
  });
});
