/**
 * helm template for each mode, with defaults and with non-default values: every object is
 * validated against the Kubernetes schemas, then the fields that make the exporter work and
 * keep it locked down are asserted one by one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLAGS } from '../../src/config/flags.js';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR, DASHBOARD_SOURCE, DOCKERFILE, RULES_SOURCE } from '../../scripts/packaging/paths.js';
import {
  exporterContainer,
  flagArgs,
  type IContainer,
  type IDaemonSet,
  type IDeployment,
  type IPodSpec,
  only,
  podSpec,
  render,
  TEST_IMAGE_REF,
  withImage,
} from './chart-support.js';

const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { appVersion: string; version: string };
const pkg = JSON.parse(readFileSync(join(CHART_DIR, '../../package.json'), 'utf8')) as { version: string };
/** The image's numeric user, which the chart's runAsUser must equal. */
const imageUser = /^USER (\d+):(\d+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'));
const defaultPort = /:(\d+)$/.exec(FLAGS.find((f) => f.name === 'web.listen-address')!.default)![1]!;

interface Labelled {
  metadata?: { labels?: Record<string, string>; name?: string; namespace?: string };
}
interface MonitorEndpoint {
  port: string;
  path: string;
  scheme?: string;
  interval?: string;
  relabelings?: Array<{ sourceLabels: string[]; targetLabel: string }>;
  tlsConfig?: Record<string, unknown>;
  basicAuth?: Record<string, unknown>;
}
interface ServiceMonitor extends Labelled {
  spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchNames: string[] }; endpoints: MonitorEndpoint[] };
}
interface PodMonitor extends Labelled {
  spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: MonitorEndpoint[] };
}
interface ServiceObj extends Labelled {
  spec: { clusterIP?: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> };
}

let helm: Helm;
beforeAll(async () => {
  helm = await openHelm();
});
afterAll(async () => {
  await helm?.dispose();
});

function expectLockedDown(pod: IPodSpec, c: IContainer, podLevel: boolean): void {
  const sc = c.securityContext!;
  expect(sc.runAsNonRoot).toBe(true);
  expect(sc.runAsUser).toBe(Number(imageUser![1]));
  expect(sc.runAsGroup).toBe(Number(imageUser![2]));
  expect(sc.readOnlyRootFilesystem).toBe(true);
  expect(sc.allowPrivilegeEscalation).toBe(false);
  expect(sc.privileged).toBe(false);
  expect(sc.capabilities).toEqual({ drop: ['ALL'] });
  expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  if (podLevel) {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  }
  expect(pod.automountServiceAccountToken).toBe(false);
  for (const k of ['cpu', 'memory'] as const) {
    expect(c.resources?.requests?.[k], `requests.${k}`).toBeTruthy();
    expect(c.resources?.limits?.[k], `limits.${k}`).toBeTruthy();
  }
}

/** The DaemonSet's probes; the sidecar has liveness only (its readiness would be the app pod's). */
function expectProbes(c: IContainer, scheme?: string, role: 'daemonset' | 'sidecar' = 'daemonset'): void {
  const port = c.ports!.find((p) => p.name === 'listenq-metrics')!;
  expect(port.protocol).toBe('TCP');
  expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'listenq-metrics', ...(scheme ? { scheme } : {}) });
  expect(c.livenessProbe?.periodSeconds).toBeGreaterThan(0);
  expect(c.startupProbe).toBeUndefined();
  if (role === 'sidecar') {
    expect(c.readinessProbe).toBeUndefined();
    return;
  }
  expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'listenq-metrics', ...(scheme ? { scheme } : {}) });
  expect(c.readinessProbe?.periodSeconds).toBeGreaterThan(0);
}

describe('chart metadata', () => {
  it('follows the exporter version, and the image user is numeric', () => {
    expect(chart.appVersion).toBe(pkg.version);
    expect(imageUser, 'Dockerfile USER uid:gid').not.toBeNull();
  });
});

describe('daemonset mode, defaults', () => {
  it('renders a locked-down DaemonSet on the host network with a headless Service', async () => {
    const objects = await render(helm, withImage());
    expect(objects.map((o) => o.kind).sort()).toEqual(['DaemonSet', 'Service', 'ServiceAccount']);
    const ds = only<IDaemonSet>(objects, 'DaemonSet');
    const pod = podSpec(ds);
    const c = exporterContainer(pod);
    expect(pod.containers).toHaveLength(1);
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.hostPID).toBeUndefined();
    expect(pod.volumes).toBeUndefined();
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5); // the exporter's own shutdown grace
    expectLockedDown(pod, c, true);
    expectProbes(c);
    expect(c.image).toBe(`${TEST_IMAGE_REF}:${chart.appVersion}`);
    expect(c.ports).toEqual([{ name: 'listenq-metrics', containerPort: Number(defaultPort), hostPort: Number(defaultPort), protocol: 'TCP' }]);
    expect([...flagArgs(c)]).toEqual([['web.listen-address', `:${defaultPort}`]]);
    // The selector must pick the template's own pods.
    const podLabels = ds.spec!.template.metadata!.labels!;
    for (const [k, v] of Object.entries(ds.spec!.selector.matchLabels!)) expect(podLabels[k]).toBe(v);

    const svc = only<ServiceObj>(objects, 'Service');
    expect(svc.spec.clusterIP).toBe('None');
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
    expect(svc.spec.ports).toEqual([{ name: 'listenq-metrics', port: 9839, targetPort: 'listenq-metrics', protocol: 'TCP' }]);
    const sa = only<Labelled & { automountServiceAccountToken?: boolean }>(objects, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(sa.metadata!.name);
    for (const o of objects) expect((o as Labelled).metadata?.namespace).toBe('monitoring');
  });
});

describe('daemonset mode, non-default values', () => {
  const values = {
    fullnameOverride: 'lq',
    image: { repository: 'example.org/lq', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
    imagePullSecrets: [{ name: 'pull' }],
    flags: { 'web.listen-address': ':9100', 'web.telemetry-path': '/m', 'sample.interval': '250ms', 'collector.syn-queue': false },
    extraEnv: [{ name: 'TZ', value: 'UTC' }],
    daemonset: {
      hostNetwork: false,
      hostProc: { enabled: true },
      priorityClassName: 'system-node-critical',
      podLabels: { team: 'net' },
      podAnnotations: { a: 'b' },
    },
    serviceAccount: { create: false, name: 'existing' },
    service: { port: 8080 },
    serviceMonitor: { enabled: true, labels: { release: 'kps' }, interval: '15s' },
    prometheusRule: { enabled: true, labels: { release: 'kps' } },
    grafanaDashboard: { enabled: true, annotations: { grafana_folder: 'Network' } },
    webConfig: { secretName: 'lq-web', tls: true },
  };

  it('renders every optional object, valid, wired to one another', async () => {
    const objects = await render(helm, values, { namespace: 'obs' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'DaemonSet', 'PrometheusRule', 'Service', 'ServiceMonitor']);
    const ds = only<IDaemonSet>(objects, 'DaemonSet');
    const pod = podSpec(ds);
    const c = exporterContainer(pod);
    expect(ds.metadata?.name).toBe('lq');
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.dnsPolicy).toBeUndefined();
    expect(pod.serviceAccountName).toBe('existing');
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.imagePullSecrets).toEqual([{ name: 'pull' }]);
    expect(ds.spec!.template.metadata!.labels!.team).toBe('net');
    expect(c.image).toBe(`example.org/lq:${chart.appVersion}@sha256:${'a'.repeat(64)}`);
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.env).toEqual([{ name: 'TZ', value: 'UTC' }]);
    expectLockedDown(pod, c, true);
    expectProbes(c, 'HTTPS');
    expect(c.ports).toEqual([{ name: 'listenq-metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(Object.fromEntries(flagArgs(c))).toEqual({
      'web.listen-address': ':9100',
      'web.telemetry-path': '/m',
      'web.config.file': '/etc/listenq-exporter/web/web-config.yml',
      'sample.interval': '250ms',
      'collector.syn-queue': 'false',
      'path.procfs': '/host/proc',
    });
    expect(pod.volumes).toEqual([
      { name: 'host-proc', hostPath: { path: '/proc', type: 'Directory' } },
      { name: 'listenq-web-config', secret: { secretName: 'lq-web' } },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: 'host-proc', mountPath: '/host/proc', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'listenq-web-config', mountPath: '/etc/listenq-exporter/web', readOnly: true },
    ]);

    const svc = only<ServiceObj>(objects, 'Service');
    expect(svc.spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'listenq-metrics' });
    const sm = only<ServiceMonitor>(objects, 'ServiceMonitor');
    expect(sm.metadata?.labels?.release).toBe('kps');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata?.labels?.[k]).toBe(v);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ['obs'] });
    expect(sm.spec.endpoints).toEqual([
      {
        port: svc.spec.ports[0]!.name,
        path: '/m',
        scheme: 'https',
        interval: '15s',
        scrapeTimeout: '10s',
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
      },
    ]);
    // The PodMonitor instead of the ServiceMonitor (both at once are refused).
    const withPm = await render(helm, { ...values, serviceMonitor: { enabled: false }, podMonitor: { enabled: true } }, { namespace: 'obs' });
    const pm = only<PodMonitor>(withPm, 'PodMonitor');
    expect(pm.spec.selector.matchLabels).toEqual(ds.spec!.selector.matchLabels);
    expect(pm.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'listenq-metrics', path: '/m', scheme: 'https' });

    const rule = only<Labelled & { spec: unknown }>(objects, 'PrometheusRule');
    expect(rule.metadata?.labels?.release).toBe('kps');
    expect(rule.spec).toEqual(parse(readFileSync(RULES_SOURCE, 'utf8')));
    const cm = only<Labelled & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } }>(objects, 'ConfigMap');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Network' });
    expect(JSON.parse(cm.data['listenq-exporter-dashboard.json']!)).toEqual(JSON.parse(readFileSync(DASHBOARD_SOURCE, 'utf8')));
    for (const o of objects) expect((o as Labelled).metadata?.namespace).toBe('obs');
  });

  it('keeps probes to a TCP connect when the exporter demands client certificates', async () => {
    const objects = await render(helm, withImage({ webConfig: { secretName: 'lq-web', tls: true, clientCertRequired: true } }));
    const c = exporterContainer(podSpec(only<IDaemonSet>(objects, 'DaemonSet')));
    expect(c.livenessProbe?.tcpSocket).toEqual({ port: 'listenq-metrics' });
    expect(c.readinessProbe?.tcpSocket).toEqual({ port: 'listenq-metrics' });
    expect(c.livenessProbe?.httpGet).toBeUndefined();
  });
});

describe('daemonset mode, every network namespace of the node', () => {
  it('adds hostPID, root and exactly SYS_PTRACE and SYS_ADMIN, keeping the rest locked down', async () => {
    const objects = await render(helm, withImage({ daemonset: { allNamespaces: true } }));
    const pod = podSpec(only<IDaemonSet>(objects, 'DaemonSet'));
    const c = exporterContainer(pod);
    expect(pod.hostPID).toBe(true);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({
      runAsNonRoot: false,
      runAsUser: 0,
      runAsGroup: 0,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['SYS_PTRACE', 'SYS_ADMIN'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(flagArgs(c).get('namespaces')).toBe('all');
    expectProbes(c);
  });

  it('is a DaemonSet-only setting: the sidecar stays unprivileged', async () => {
    const objects = await render(helm, withImage({ mode: 'sidecar', daemonset: { allNamespaces: true }, sidecar: { exampleApp: { enabled: true } } }));
    const pod = podSpec(only<IDeployment>(objects, 'Deployment'));
    const c = exporterContainer(pod);
    expect(pod.hostPID).toBeUndefined();
    expectLockedDown(pod, c, true);
    expect(flagArgs(c).has('namespaces')).toBe(false);
  });
});

describe('sidecar mode', () => {
  it('renders no workload by default', async () => {
    expect(await render(helm, { mode: 'sidecar' })).toEqual([]);
  });

  it('renders the demo Deployment with the same exporter container as the DaemonSet, and a PodMonitor that finds it', async () => {
    const values = withImage({ mode: 'sidecar', sidecar: { exampleApp: { enabled: true } }, podMonitor: { enabled: true }, webConfig: { secretName: 'lq-web' } });
    const objects = await render(helm, values, { namespace: 'shop' });
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'PodMonitor']);
    const deploy = only<IDeployment>(objects, 'Deployment');
    const pod = podSpec(deploy);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.containers.map((x) => x.name)).toEqual(['app', 'listenq-exporter']);
    const c = exporterContainer(pod);
    expectLockedDown(pod, c, true);
    expectProbes(c, undefined, 'sidecar');
    expect(c.ports).toEqual([{ name: 'listenq-metrics', containerPort: Number(defaultPort), protocol: 'TCP' }]);
    expect(pod.volumes).toContainEqual({ name: 'listenq-web-config', secret: { secretName: 'lq-web' } });
    // The app's own container is hardened too, so the example does not teach bad habits.
    const app = exporterContainer(pod, 'app');
    expect(app.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });

    // Same container as in DaemonSet mode (without hostNetwork there is no hostPort).
    const ds = await render(helm, withImage({ webConfig: { secretName: 'lq-web' }, daemonset: { hostNetwork: false } }));
    const { readinessProbe, ...dsContainer } = exporterContainer(podSpec(only<IDaemonSet>(ds, 'DaemonSet')));
    expect(readinessProbe).toBeDefined();
    expect(c).toEqual(dsContainer);

    const podLabels = deploy.spec!.template.metadata!.labels!;
    const pm = only<PodMonitor>(objects, 'PodMonitor');
    expect(pm.spec.selector.matchLabels).toEqual({ 'listenq-exporter/sidecar': 'true' });
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    expect(pm.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'listenq-metrics', path: '/metrics' });
    expect(pm.spec.podMetricsEndpoints[0]!.scheme).toBeUndefined();
    for (const [k, v] of Object.entries(deploy.spec!.selector.matchLabels!)) expect(podLabels[k]).toBe(v);
  });
});
