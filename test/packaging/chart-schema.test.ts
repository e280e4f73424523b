/**
 * The Kubernetes-typed values are validated deeply, against definitions generated from
 * kubernetes-models (scripts/packaging/k8s-schema.ts): misspelt keys and bad enum values fail
 * `helm lint --strict` and `helm template` with the path named, while real-world values pass
 * and render objects the kubernetes-models validators accept.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Toleration } from 'kubernetes-models/v1/Toleration';
import { DaemonSetUpdateStrategy } from 'kubernetes-models/apps/v1/DaemonSetUpdateStrategy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { k8sDefinitions, referencedK8sTypes } from '../../scripts/packaging/k8s-schema.js';
import { CHART_DIR } from '../../scripts/packaging/paths.js';
import { exporterContainer, type IDaemonSet, only, podSpec, render, renderError, withImage } from './chart-support.js';

type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
  properties: Record<string, Schema>;
  definitions: Record<string, Schema>;
};

let helm: Helm;
let tmp: string;
beforeAll(async () => {
  helm = await openHelm();
  tmp = await mkdtemp(join(tmpdir(), 'listenq-chart-schema-'));
});
afterAll(async () => {
  await helm?.dispose();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let lints = 0;
async function lintError(values: unknown): Promise<string> {
  const file = join(tmp, `values-${lints++}.json`);
  await writeFile(file, JSON.stringify(values));
  try {
    await helm.run(['lint', '--strict', CHART_DIR, '-f', file]);
  } catch (err) {
    return String(err);
  }
  throw new Error(`helm lint --strict passed with ${JSON.stringify(values)}`);
}

const matchExpression = { key: 'node-role.kubernetes.io/ingress', operator: 'Exists' };

describe('typos in Kubernetes-typed values', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['resources.limit.cpu', { resources: { limit: { cpu: '1' } } }, /\/resources': additional properties 'limit' not allowed/],
    ['securityContext.runAsNonroot', { securityContext: { runAsNonroot: true } }, /\/securityContext': additional properties 'runAsNonroot' not allowed/],
    ['tolerations[0].operatr', { daemonset: { tolerations: [{ operatr: 'Exists' }] } }, /\/daemonset\/tolerations\/0': additional properties 'operatr' not allowed/],
    ['updateStrategy.type=Rolling', { daemonset: { updateStrategy: { type: 'Rolling' } } }, /\/daemonset\/updateStrategy\/type': value must be one of 'OnDelete', 'RollingUpdate'/],
    ['a CPU quantity that is not one', { resources: { limits: { cpu: '1 core' } } }, /\/resources\/limits\/cpu'/],
    ['a non-integer user id', { daemonset: { podSecurityContext: { runAsUser: 65532.5 } } }, /\/daemonset\/podSecurityContext\/runAsUser'/],
    ['a capability list under the wrong key', { securityContext: { capabilities: { remove: ['ALL'] } } }, /additional properties 'remove' not allowed/],
    [
      'an operator deep in a node affinity',
      {
        daemonset: {
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ ...matchExpression, operator: 'in' }] }] } } },
        },
      },
      /matchExpressions\/0\/operator': value must be one of/,
    ],
    ['a required key missing (NodeSelector without terms)', { daemonset: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } } } }, /missing property 'nodeSelectorTerms'/],
    ['extraEnv valueFrom.fieldRef.fieldpath', { extraEnv: [{ name: 'NODE', valueFrom: { fieldRef: { fieldpath: 'spec.nodeName' } } }] }, /additional properties 'fieldpath' not allowed/],
    ['imagePullSecrets[0].nmae', { imagePullSecrets: [{ nmae: 'pull' }] }, /\/imagePullSecrets\/0': additional properties 'nmae' not allowed/],
    ['a relabeling action', { serviceMonitor: { relabelings: [{ action: 'rename' }] } }, /\/serviceMonitor\/relabelings\/0\/action'/],
    ['podMonitor.namespaceSelector.matchName', { mode: 'sidecar', podMonitor: { namespaceSelector: { matchName: ['a'] } } }, /additional properties 'matchName' not allowed/],
  ];
  for (const [what, values, message] of cases) {
    it(`fails helm lint --strict and helm template: ${what}`, async () => {
      expect(await lintError(withImage(values))).toMatch(message);
      expect(await renderError(helm, withImage(values))).toMatch(message);
    });
  }
});

describe('real Kubernetes values', () => {
  it('pass and render as given, valid for kubernetes-models', async () => {
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [matchExpression] } }],
      },
    };
    const tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'ingress', effect: 'NoExecute', tolerationSeconds: 300 }];
    const values = withImage({
      resources: { requests: { cpu: 0.05, memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '1Gi' } },
      extraEnv: [
        { name: 'TZ', value: 'UTC' },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      ],
      imagePullSecrets: [{ name: 'pull' }],
      daemonset: {
        tolerations,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
        affinity,
        podSecurityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, supplementalGroups: [1000], seccompProfile: { type: 'RuntimeDefault' } },
      },
    });
    const pod = podSpec(only<IDaemonSet>(await render(helm, values), 'DaemonSet'));
    expect(pod.affinity).toEqual(affinity);
    expect(pod.tolerations).toEqual(tolerations);
    expect(exporterContainer(pod).resources?.requests?.cpu).toBe(0.05);
    expect(exporterContainer(pod).env?.[1]).toEqual({ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
  });
});

describe('the generated definitions', () => {
  const k8s = Object.fromEntries(Object.entries(schema.definitions).filter(([k]) => k.startsWith('IoK8s')));

  it('are exactly those the rest of the schema refers to, and their closure', () => {
    const handWritten = { ...schema, definitions: Object.fromEntries(Object.entries(schema.definitions).filter(([k]) => !k.startsWith('IoK8s'))) };
    expect(referencedK8sTypes(handWritten)).toEqual(
      expect.arrayContaining([
        'IoK8sApiAppsV1DaemonSetUpdateStrategy',
        'IoK8sApiCoreV1Affinity',
        'IoK8sApiCoreV1EnvVar',
        'IoK8sApiCoreV1LocalObjectReference',
        'IoK8sApiCoreV1PodSecurityContext',
        'IoK8sApiCoreV1ResourceRequirements',
        'IoK8sApiCoreV1SecurityContext',
        'IoK8sApiCoreV1Toleration',
      ]),
    );
    expect(k8s).toEqual(k8sDefinitions(referencedK8sTypes(handWritten)));
  });

  it('close every object, so misspelt keys cannot pass', () => {
    for (const [name, def] of Object.entries(k8s)) {
      if (def.type === 'object' && def.properties) expect(def.additionalProperties, name).toBe(false);
    }
  });

  it('agree with the kubernetes-models validators on enums and whole numbers', () => {
    const enumOf = (def: string, prop: string) => ((k8s[def]!.properties as Record<string, Schema>)[prop]!.enum as string[]).slice().sort();
    expect(enumOf('IoK8sApiCoreV1Toleration', 'operator')).toEqual(['Equal', 'Exists']);
    for (const op of ['Equal', 'Exists']) expect(() => new Toleration({ operator: op as 'Equal' }).validate()).not.toThrow();
    expect(() => new Toleration({ operator: 'Exist' as 'Exists' }).validate()).toThrow();
    expect(enumOf('IoK8sApiAppsV1DaemonSetUpdateStrategy', 'type')).toEqual(['OnDelete', 'RollingUpdate']);
    expect(() => new DaemonSetUpdateStrategy({ type: 'Rolling' as 'OnDelete' }).validate()).toThrow();
    expect((k8s.IoK8sApiCoreV1Toleration!.properties as Record<string, Schema>).tolerationSeconds).toEqual({ type: 'integer' });
    expect(() => new Toleration({ tolerationSeconds: 0.5 }).validate()).toThrow();
    // A quantity may be a fractional number, and a string in Kubernetes' quantity syntax.
    expect(JSON.stringify(k8s.IoK8sApimachineryPkgApiResourceQuantity)).toMatch(/"type":"number"/);
  });

  it('refuse a string format they cannot express rather than dropping it', () => {
    // ObjectMeta.creationTimestamp is a date-time: not used by any chart value.
    expect(() => k8sDefinitions(['IoK8sApimachineryPkgApisMetaV1ObjectMeta'])).toThrow(/string format "date-time"/);
  });
});
