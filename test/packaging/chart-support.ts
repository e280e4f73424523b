/**
 * Shared by the chart tests: render the chart, validate every object against the Kubernetes
 * schemas (kubernetes-models) and pick out the parts the assertions look at.
 *
 * kubernetes-models has no prometheus-operator kinds, so ServiceMonitor, PodMonitor and
 * PrometheusRule get their metadata and label selectors validated with the core models and
 * their spec checked field by field by the tests. kubernetes-models ignores unknown fields,
 * which is why the tests also assert every field they rely on.
 */
import { ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
import { LabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { type Helm, type K8sObject, parseObjects, type TemplateOptions } from '../../scripts/packaging/helm.js';
import { CHART_DIR } from '../../scripts/packaging/paths.js';

export { DaemonSet, Deployment };
export type { IContainer, IDaemonSet, IDeployment, IPodSpec };

/**
 * The chart has no default image (rendering fails without one), so tests name this one. The
 * registry host is one this project controls nowhere: nothing is ever pulled from it.
 */
export const TEST_IMAGE = { registry: 'registry.test', repository: 'listenq-exporter' } as const;
export const TEST_IMAGE_REF = `${TEST_IMAGE.registry}/${TEST_IMAGE.repository}`;

/** These values with the test image added (values that name an image keep theirs). */
export function withImage(values: Record<string, unknown> = {}): Record<string, unknown> {
  return { image: TEST_IMAGE, ...values };
}

export async function render(helm: Helm, values: unknown, opts: TemplateOptions = {}): Promise<K8sObject[]> {
  const objects = parseObjects(await helm.templateText(opts.chartDir ?? CHART_DIR, values, opts));
  for (const o of objects) validateObject(o);
  return objects;
}

/** Expects helm template to fail; resolves with helm's error text. */
export async function renderError(helm: Helm, values: unknown, opts: TemplateOptions = {}): Promise<string> {
  try {
    await helm.templateText(opts.chartDir ?? CHART_DIR, values, opts);
  } catch (err) {
    return String(err);
  }
  throw new Error(`helm template succeeded with ${JSON.stringify(values)}; expected a failure`);
}

const MONITORING = 'monitoring.coreos.com/v1';

/** Throws unless the object is valid for its kind; unknown kinds are an error too. */
export function validateObject(o: K8sObject): void {
  const id = `${o.apiVersion}/${o.kind}`;
  const data = o as never;
  switch (id) {
    case 'v1/ServiceAccount':
      return new ServiceAccount(data).validate();
    case 'v1/Service':
      return new Service(data).validate();
    case 'v1/ConfigMap':
      return new ConfigMap(data).validate();
    case 'apps/v1/DaemonSet':
      return new DaemonSet(data).validate();
    case 'apps/v1/Deployment':
      return new Deployment(data).validate();
    case `${MONITORING}/ServiceMonitor`:
    case `${MONITORING}/PodMonitor`:
    case `${MONITORING}/PrometheusRule`: {
      new ObjectMeta(o.metadata as never).validate();
      const spec = o.spec as { selector?: unknown } | undefined;
      if (!spec || typeof spec !== 'object') throw new Error(`${id} has no spec`);
      if (o.kind !== 'PrometheusRule') new LabelSelector(spec.selector as never).validate();
      return;
    }
    default:
      throw new Error(`no validator for ${id}: add one before the chart renders this kind`);
  }
}

export function byKind<T = K8sObject>(objects: readonly K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

export function only<T = K8sObject>(objects: readonly K8sObject[], kind: string): T {
  const found = byKind<T>(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

export function podSpec(o: IDaemonSet | IDeployment): IPodSpec {
  const spec = o.spec?.template.spec;
  if (!spec) throw new Error(`${o.kind} has no pod spec`);
  return spec;
}

export function exporterContainer(spec: IPodSpec, name = 'listenq-exporter'): IContainer {
  const c = spec.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${spec.containers.map((x) => x.name).join(', ')}`);
  return c;
}

/** `--name=value` args as a map; throws on any arg of another shape. */
export function flagArgs(c: IContainer): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of c.args ?? []) {
    const m = /^--([a-z0-9][a-z0-9.-]*)=(.*)$/s.exec(a);
    if (!m) throw new Error(`arg ${JSON.stringify(a)} is not --name=value`);
    if (out.has(m[1]!)) throw new Error(`flag --${m[1]} rendered twice`);
    out.set(m[1]!, m[2]!);
  }
  return out;
}
