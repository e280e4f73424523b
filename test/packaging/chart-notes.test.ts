/**
 * NOTES.txt as `helm install` prints it (rendered with `helm install --dry-run=client`, which
 * contacts no cluster): the curl it suggests speaks HTTPS when TLS is on, node-wide mode names
 * the privileges it takes, and monitors without a kube-prometheus-stack `release` label come
 * with the ways to make that Prometheus select them. deploy/kubernetes/README.md says the same
 * for the plain manifests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR, DEPLOY_K8S_DIR } from '../../scripts/packaging/paths.js';
import { withImage } from './chart-support.js';

let helm: Helm;
beforeAll(async () => {
  helm = await openHelm();
});
afterAll(async () => {
  await helm?.dispose();
});

const notes = (values: Record<string, unknown>) => helm.notes(CHART_DIR, values);
const curls = (text: string) => text.split('\n').filter((l) => /^\s*curl /.test(l));

/** kube-prometheus-stack values that make its Prometheus select every monitor and rule. */
const KPS_NIL_VALUES = ['serviceMonitorSelectorNilUsesHelmValues', 'podMonitorSelectorNilUsesHelmValues', 'ruleSelectorNilUsesHelmValues'];

describe('NOTES', () => {
  it('curls over http by default and over https with the CA (and client certificate) when TLS is on', async () => {
    expect(curls(await notes(withImage()))).toEqual(['  curl -s http://localhost:9839/metrics | grep ^listenq_accept_queue']);
    const tls = await notes(withImage({ webConfig: { secretName: 's', tls: true }, flags: { 'web.telemetry-path': '/m' } }));
    expect(curls(tls)).toEqual(['  curl -s --cacert CA.crt https://localhost:9839/m | grep ^listenq_accept_queue']);
    const mtls = await notes(withImage({ webConfig: { secretName: 's', tls: true, clientCertRequired: true } }));
    expect(curls(mtls)).toEqual(['  curl -s --cacert CA.crt --cert CLIENT.crt --key CLIENT.key https://localhost:9839/metrics | grep ^listenq_accept_queue']);
    const sidecar = await notes(withImage({ mode: 'sidecar', webConfig: { secretName: 's', tls: true } }));
    expect(curls(sidecar)).toEqual(['  curl -s --cacert CA.crt https://localhost:9839/metrics | grep ^listenq_accept_queue']);
  });

  it('curls the node IP when the exporter is bound to it (port-forward cannot reach it)', async () => {
    const text = await notes(withImage({ daemonset: { listenOnAllInterfaces: false } }));
    expect(curls(text)).toEqual(['  curl -s http://NODE-IP:9839/metrics | grep ^listenq_accept_queue']);
    expect(text).not.toMatch(/port-forward ds\//);
  });

  it('names the privileges node-wide mode takes, and only in that mode', async () => {
    const text = await notes(withImage({ daemonset: { allNamespaces: true } }));
    for (const p of ['hostPID', 'UID 0', 'SYS_PTRACE', 'SYS_ADMIN', 'pod-security.kubernetes.io/enforce=privileged']) expect(text).toContain(p);
    expect(await notes(withImage())).not.toMatch(/SYS_ADMIN|hostPID/);
  });

  it('says how a kube-prometheus-stack Prometheus selects the monitors and rules that lack its release label', async () => {
    const text = await notes(withImage({ serviceMonitor: { enabled: true }, prometheusRule: { enabled: true, labels: { release: 'kps' } } }));
    expect(text).toMatch(/ServiceMonitor monitoring\/listenq-exporter, PrometheusRule monitoring\/listenq-exporter/);
    expect(text).toMatch(/release=<its own Helm release name>/);
    expect(text).toContain('--set serviceMonitor.labels.release=KPS-RELEASE');
    expect(text).not.toContain('--set prometheusRule.labels.release');
    for (const v of KPS_NIL_VALUES) expect(text).toContain(`prometheus.prometheusSpec.${v}`);

    const labelled = await notes(withImage({ mode: 'sidecar', podMonitor: { enabled: true, labels: { release: 'kps' } } }));
    expect(labelled).toMatch(/PodMonitor monitoring\/listenq-exporter/);
    expect(labelled).not.toContain('--set');

    const none = await notes(withImage());
    expect(none).toMatch(/Nothing scrapes the exporter yet/);
    expect(none).toMatch(/serviceMonitor\.enabled=true/);
  });
});

describe('deploy/kubernetes/README.md', () => {
  const readme = readFileSync(join(DEPLOY_K8S_DIR, 'README.md'), 'utf8');

  it('says how kube-prometheus-stack selects the copied monitors and rules', () => {
    expect(readme).toMatch(/kube-prometheus-stack/);
    expect(readme).toMatch(/release: KPS-RELEASE/);
    for (const v of KPS_NIL_VALUES) expect(readme).toContain(v);
    for (const f of ['daemonset/servicemonitor.yaml', 'sidecar/podmonitor.yaml', 'monitoring/prometheus-rule.yaml']) expect(readme).toContain(f);
  });

  it('names the image placeholder the manifests carry', () => {
    const ds = readFileSync(join(DEPLOY_K8S_DIR, 'daemonset/listenq-exporter.yaml'), 'utf8');
    const image = /image: "?([^"\n]+)"?/.exec(ds)![1]!;
    expect(image).toMatch(/^REGISTRY\/listenq-exporter:/);
    expect(readme).toContain('REGISTRY/listenq-exporter');
  });
});
