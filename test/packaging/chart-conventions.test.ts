/**
 * The prometheus-node-exporter chart's conventions, rendered with real `helm template`: image
 * registry values, a job label that does not follow the release name, tolerating every taint,
 * binding to the node IP only, scrape limits, revisionHistoryLimit, commonLabels, extraArgs,
 * probes that leave a sidecar's pod alone, and chart metadata.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import { parseArgs } from '../../src/config/parse-args.js';
import { type Helm, type K8sObject, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR } from '../../scripts/packaging/paths.js';
import {
  exporterContainer,
  flagArgs,
  type IDaemonSet,
  type IDeployment,
  only,
  podSpec,
  render,
  withImage,
} from './chart-support.js';

const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown> & { appVersion: string };
const pkg = JSON.parse(readFileSync(join(CHART_DIR, '../../package.json'), 'utf8')) as { license: string };

interface Monitor {
  metadata: { labels: Record<string, string> };
  spec: {
    jobLabel?: string;
    sampleLimit?: number;
    labelLimit?: number;
    podMetricsEndpoints?: Array<{ relabelings?: Array<Record<string, unknown>> }>;
  };
}
interface Meta {
  metadata: { labels?: Record<string, string> };
}

let helm: Helm;
beforeAll(async () => {
  helm = await openHelm();
});
afterAll(async () => {
  await helm?.dispose();
});

const dsPod = (objects: K8sObject[]) => podSpec(only<IDaemonSet>(objects, 'DaemonSet'));

describe('image registry values', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ image: { repository: 'registry.test:5000/team/lq' } }, `registry.test:5000/team/lq:${chart.appVersion}`],
    [{ image: { registry: 'registry.test:5000/', repository: 'lq', tag: '1.2.3' } }, 'registry.test:5000/lq:1.2.3'],
    [{ image: { registry: 'registry.test', repository: 'lq', digest } }, `registry.test/lq:${chart.appVersion}@${digest}`],
    [{ global: { imageRegistry: 'mirror.test' }, image: { registry: 'registry.test', repository: 'lq' } }, `mirror.test/lq:${chart.appVersion}`],
  ];
  for (const [values, want] of cases) {
    it(`renders ${want}`, async () => {
      expect(exporterContainer(dsPod(await render(helm, values))).image).toBe(want);
    });
  }

  it('applies global.imageRegistry to the sidecar container too', async () => {
    const objects = await render(helm, withImage({ global: { imageRegistry: 'mirror.test' }, mode: 'sidecar', sidecar: { exampleApp: { enabled: true } } }));
    expect(exporterContainer(podSpec(only<IDeployment>(objects, 'Deployment'))).image).toBe(`mirror.test/listenq-exporter:${chart.appVersion}`);
  });
});

describe('job label', () => {
  it('is the chart name on the Service and the DaemonSet pods, whatever the release or object names', async () => {
    for (const [releaseName, extra] of [
      ['listenq-exporter', {}],
      ['prod-eu', { fullnameOverride: 'lq' }],
    ] as const) {
      const sm = await render(helm, withImage({ ...extra, serviceMonitor: { enabled: true } }), { releaseName });
      const smObj = only<Monitor>(sm, 'ServiceMonitor');
      expect(smObj.spec.jobLabel).toBe('app.kubernetes.io/name');
      expect(only<Meta>(sm, 'Service').metadata.labels?.['app.kubernetes.io/name']).toBe('listenq-exporter');

      const pm = await render(helm, withImage({ ...extra, podMonitor: { enabled: true } }), { releaseName });
      expect(only<Monitor>(pm, 'PodMonitor').spec.jobLabel).toBe('app.kubernetes.io/name');
      expect(only<IDaemonSet>(pm, 'DaemonSet').spec!.template.metadata!.labels!['app.kubernetes.io/name']).toBe('listenq-exporter');
    }
  });

  it("is set to the chart name in sidecar mode, where the pods and their labels are the apps'", async () => {
    const pm = only<Monitor>(await render(helm, { mode: 'sidecar', podMonitor: { enabled: true } }, { releaseName: 'shop' }), 'PodMonitor');
    expect(pm.spec.jobLabel).toBeUndefined();
    expect(pm.spec.podMetricsEndpoints?.[0]?.relabelings).toContainEqual({ targetLabel: 'job', replacement: 'listenq-exporter' });
  });
});

/** Kubernetes' toleration rule (k8s.io/api/core/v1 Toleration.ToleratesTaint). */
function tolerates(t: IToleration, taint: { key: string; value?: string; effect: string }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

describe('taints', () => {
  it('tolerates every taint by default, NoExecute included (dedicated ingress nodes)', async () => {
    const tolerations = dsPod(await render(helm, withImage())).tolerations ?? [];
    for (const taint of [
      { key: 'dedicated', value: 'ingress', effect: 'NoExecute' },
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'spot', value: 'true', effect: 'PreferNoSchedule' },
    ]) {
      expect(tolerations.some((t) => tolerates(t, taint)), JSON.stringify(taint)).toBe(true);
    }
    // The old default (NoSchedule only) would not have survived a NoExecute taint.
    expect(tolerates({ operator: 'Exists', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute' })).toBe(false);
  });

  it('says so in values.yaml, next to the default', () => {
    const values = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
    expect(values).toMatch(/tolerates every taint, NoExecute included[\s\S]{0,200}tolerations:\n {4}- operator: Exists\n/);
  });
});

describe('host network bound to the node IP only', () => {
  it('listens on [$(HOST_IP)]:PORT, HOST_IP from status.hostIP, and the exporter parses what kubelet makes of it', async () => {
    const objects = await render(helm, withImage({ daemonset: { listenOnAllInterfaces: false }, flags: { 'web.listen-address': ':9100' } }));
    const pod = dsPod(objects);
    const c = exporterContainer(pod);
    expect(pod.hostNetwork).toBe(true);
    expect(flagArgs(c).get('web.listen-address')).toBe('[$(HOST_IP)]:9100');
    expect(c.env).toEqual([{ name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]);
    expect(c.ports).toEqual([{ name: 'listenq-metrics', containerPort: 9100, hostPort: 9100, protocol: 'TCP' }]);
    // Probes carry no host: kubelet uses the pod IP, which is the node IP on the host network.
    expect(c.livenessProbe?.httpGet?.host).toBeUndefined();
    expect(c.readinessProbe?.httpGet?.host).toBeUndefined();
    for (const [ip, host] of [
      ['10.1.2.3', '10.1.2.3'],
      ['fd00::5', 'fd00::5'],
    ] as const) {
      const args = (c.args ?? []).map((a) => a.replace('$(HOST_IP)', ip));
      const outcome = parseArgs(args, {});
      expect(outcome.kind).toBe('run');
      if (outcome.kind === 'run') expect([outcome.config.listenHost, outcome.config.listenPort]).toEqual([host, 9100]);
    }
  });

  it('keeps the user env after HOST_IP, and leaves listening on all interfaces the default', async () => {
    const bound = exporterContainer(dsPod(await render(helm, withImage({ daemonset: { listenOnAllInterfaces: false }, extraEnv: [{ name: 'TZ', value: 'UTC' }] }))));
    expect(bound.env?.map((e) => e.name)).toEqual(['HOST_IP', 'TZ']);
    const all = exporterContainer(dsPod(await render(helm, withImage())));
    expect(all.env).toBeUndefined();
    expect(flagArgs(all).get('web.listen-address')).toBe(':9839');
  });
});

describe('sidecar probes', () => {
  it('has a liveness probe and no readiness probe, which would be part of the app pod Ready condition', async () => {
    const objects = await render(helm, withImage({ mode: 'sidecar', sidecar: { exampleApp: { enabled: true } } }));
    const pod = podSpec(only<IDeployment>(objects, 'Deployment'));
    const c = exporterContainer(pod);
    expect(c.readinessProbe).toBeUndefined();
    expect(c.startupProbe).toBeUndefined();
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'listenq-metrics' });
    // The app's own readiness is untouched, and the DaemonSet keeps its readiness probe.
    expect(exporterContainer(pod, 'app').readinessProbe).toBeDefined();
    expect(exporterContainer(dsPod(await render(helm, withImage()))).readinessProbe?.httpGet?.path).toBe('/readyz');
  });
});

describe('scrape limits', () => {
  it('renders sampleLimit and labelLimit on both monitors when set, and nothing at 0', async () => {
    const sm = only<Monitor>(await render(helm, withImage({ serviceMonitor: { enabled: true, sampleLimit: 12500, labelLimit: 20 } })), 'ServiceMonitor');
    expect([sm.spec.sampleLimit, sm.spec.labelLimit]).toEqual([12500, 20]);
    const pm = only<Monitor>(await render(helm, { mode: 'sidecar', podMonitor: { enabled: true, sampleLimit: 3000, labelLimit: 15 } }), 'PodMonitor');
    expect([pm.spec.sampleLimit, pm.spec.labelLimit]).toEqual([3000, 15]);
    const off = only<Monitor>(await render(helm, withImage({ serviceMonitor: { enabled: true } })), 'ServiceMonitor');
    expect('sampleLimit' in off.spec || 'labelLimit' in off.spec).toBe(false);
  });
});

describe('workload settings', () => {
  it('renders revisionHistoryLimit (default 10) and priorityClassName', async () => {
    expect(only<IDaemonSet>(await render(helm, withImage()), 'DaemonSet').spec?.revisionHistoryLimit).toBe(10);
    const ds = only<IDaemonSet>(await render(helm, withImage({ daemonset: { revisionHistoryLimit: 3, priorityClassName: 'system-node-critical' } })), 'DaemonSet');
    expect(ds.spec?.revisionHistoryLimit).toBe(3);
    expect(ds.spec?.template.spec?.priorityClassName).toBe('system-node-critical');
  });

  it('puts commonLabels (templated) on every object and on the pod template, leaving selectors alone', async () => {
    const commonLabels = { team: 'net', release: '{{ .Release.Name }}' };
    const everything = [
      withImage({ commonLabels, serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true } }),
      withImage({ commonLabels, mode: 'sidecar', podMonitor: { enabled: true }, sidecar: { exampleApp: { enabled: true } } }),
    ];
    for (const values of everything) {
      const objects = await render(helm, values, { releaseName: 'kps' });
      expect(objects.length).toBeGreaterThanOrEqual(2);
      for (const o of objects) expect((o as unknown as Meta).metadata.labels, o.kind).toMatchObject({ team: 'net', release: 'kps' });
      for (const o of objects.filter((x) => x.kind === 'DaemonSet' || x.kind === 'Deployment') as Array<IDaemonSet | IDeployment>) {
        expect(o.spec?.template.metadata?.labels).toMatchObject({ team: 'net' });
        expect(o.spec?.selector.matchLabels).not.toHaveProperty('team');
      }
    }
  });

  it('appends extraArgs after the flags, as given', async () => {
    const c = exporterContainer(dsPod(await render(helm, withImage({ flags: { 'sample.interval': '2s' }, extraArgs: ['--some.new-flag=a b', '--no-other.switch'] }))));
    expect(c.args).toEqual(['--sample.interval=2s', '--web.listen-address=:9839', '--some.new-flag=a b', '--no-other.switch']);
  });
});

describe('chart metadata', () => {
  it('names no URL the project does not own (it has no public home yet) and carries the license', () => {
    const text = readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8');
    expect(text).not.toMatch(/https?:\/\//);
    for (const k of ['home', 'sources', 'icon']) expect(chart, k).not.toHaveProperty(k);
    expect((chart.annotations as Record<string, string>)['artifacthub.io/license']).toBe(pkg.license);
  });
});
