/**
 * Nothing generated has drifted: the chart's copies of the alert rules and dashboard, the
 * flags schema, the values table in the chart README and deploy/kubernetes/ are exactly
 * what scripts/sync-chart.ts would write now. The plain manifests are also validated like
 * the chart's own output, and the sidecar snippet is a valid container.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Container } from 'kubernetes-models/v1/Container';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Helm, openHelm, parseObjects } from '../../scripts/packaging/helm.js';
import { DEPLOY_K8S_DIR } from '../../scripts/packaging/paths.js';
import { drift, planSync, SNIPPET_OUT, type SyncPlan } from '../../scripts/packaging/sync.js';
import { documentedValues, undocumentedLeaves } from '../../scripts/packaging/values-docs.js';
import { FLAGS } from '../../src/config/flags.js';
import { type IDeployment, podSpec, validateObject } from './chart-support.js';

let helm: Helm;
let plan: SyncPlan;
beforeAll(async () => {
  helm = await openHelm();
  plan = await planSync(helm);
});
afterAll(async () => {
  await helm?.dispose();
});

describe('scripts/sync-chart.ts', () => {
  it('has its sources: the alert rules and the dashboard exist', () => {
    expect(plan.notes).toEqual([]);
  });

  it('finds nothing to change (run `npx tsx scripts/sync-chart.ts` when this fails)', async () => {
    expect(await drift(plan)).toEqual([]);
  });
});

describe('deploy/kubernetes', () => {
  it('holds only valid objects, without Helm-only labels', async () => {
    const files = (await readdir(DEPLOY_K8S_DIR, { recursive: true })).filter((f) => f.endsWith('.yaml') && f !== SNIPPET_OUT);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const text = readFileSync(join(DEPLOY_K8S_DIR, f), 'utf8');
      expect(text, f).not.toMatch(/helm\.sh\/chart|managed-by: Helm/);
      const objects = parseObjects(text);
      expect(objects.length, f).toBeGreaterThan(0);
      for (const o of objects) validateObject(o);
    }
  });

  it('has a sidecar snippet that is one valid container, the one in the example Deployment', () => {
    const snippet = parse(readFileSync(join(DEPLOY_K8S_DIR, SNIPPET_OUT), 'utf8')) as unknown[];
    expect(snippet).toHaveLength(1);
    new Container(snippet[0] as never).validate();
    const [example] = parseObjects(readFileSync(join(DEPLOY_K8S_DIR, 'sidecar/example-app.yaml'), 'utf8'));
    expect(example?.kind).toBe('Deployment');
    const pod = podSpec(example as unknown as IDeployment);
    expect(pod.containers.find((c) => c.name === 'listenq-exporter')).toEqual(snippet[0]);
  });
});

describe('values documentation', () => {
  it('covers every value in values.yaml', () => {
    const yaml = readFileSync(new URL('../../helm/listenq-exporter/values.yaml', import.meta.url), 'utf8');
    expect(undocumentedLeaves(yaml, documentedValues(yaml))).toEqual([]);
  });

  it('shows each flag default in the commented-out flags exactly as the exporter has it', () => {
    const yaml = readFileSync(new URL('../../helm/listenq-exporter/values.yaml', import.meta.url), 'utf8');
    const shown = [...yaml.matchAll(/^ {2}# ([a-z][a-z0-9.-]+): (.+)$/gm)].filter(([, , v]) => !v!.startsWith('set by '));
    expect(shown.length).toBeGreaterThan(5);
    for (const [, name, value] of shown) {
      expect({ name, value }).toEqual({ name, value: FLAGS.find((f) => f.name === name)?.default });
    }
  });

  it('catches an undocumented value', () => {
    const yaml = ['# -- documented', 'a: 1', 'b:', '  # -- documented', '  c: true', '  d: x', ''].join('\n');
    expect(documentedValues(yaml).map((d) => d.path)).toEqual(['a', 'b.c']);
    expect(undocumentedLeaves(yaml, documentedValues(yaml))).toEqual(['b.d']);
  });
});
