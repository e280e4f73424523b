/**
 * What scripts/sync-chart.ts keeps in step, computed without touching the work tree:
 * - the chart's copies of the alert rules and the dashboard (their sources are owned by the
 *   alerting work in deploy/prometheus/ and deploy/grafana/),
 * - the `flags` part of values.schema.json, from the exporter's FLAGS table, and its
 *   Kubernetes definitions (resources, securityContext, tolerations...), from kubernetes-models,
 * - the values table in the chart README, from values.yaml,
 * - deploy/kubernetes/**.yaml, rendered from the chart as it will be after this sync.
 * The drift test compares this plan with the work tree; the script writes it.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { flagsSchema } from './flags-schema.js';
import { K8S_DEFINITION_PREFIX, k8sDefinitions, k8sModelsVersion, referencedK8sTypes } from './k8s-schema.js';
import { type Helm, type K8sObject, parseObjects } from './helm.js';
import {
  CHART_DASHBOARD_FILE,
  CHART_DIR,
  CHART_GRAFANA_ALERTS_FILE,
  CHART_RULES_FILE,
  DASHBOARD_SOURCE,
  DEPLOY_K8S_DIR,
  GRAFANA_ALERTS_SOURCE,
  REPO_ROOT,
  RULES_SOURCE,
} from './paths.js';
import { documentedValues, undocumentedLeaves, valuesTable, withValuesTable } from './values-docs.js';

/** A file the sync owns: its wanted content, or null when it must not exist. */
export interface PlannedFile {
  readonly path: string;
  readonly content: string | null;
}

export interface SyncPlan {
  readonly files: PlannedFile[];
  /** Things the user should know, e.g. a missing rules source. */
  readonly notes: string[];
}

interface Render {
  readonly out: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
  readonly showOnly: readonly string[];
  readonly needs?: 'rules' | 'dashboard' | 'grafanaAlerts';
  readonly about: string;
}

const chartPath = (p: string) => relative(REPO_ROOT, join(CHART_DIR, p));
const k8sPath = (p: string) => relative(REPO_ROOT, join(DEPLOY_K8S_DIR, p));

/**
 * The project publishes no image, and the chart refuses to render without one. The plain
 * manifests name `REGISTRY/listenq-exporter`: the upper-case host is not a valid image
 * reference, so a manifest applied unedited stops at once with InvalidImageName instead of
 * retrying a pull from a registry that does not exist (deploy/kubernetes/README.md says
 * what to replace it with). Every render gets it: DaemonSet mode renders the image even
 * when only another template is shown.
 */
const PLACEHOLDER_IMAGE = { registry: 'REGISTRY', repository: 'listenq-exporter' } as const;

export const RENDERS: readonly Render[] = [
  {
    out: 'daemonset/listenq-exporter.yaml',
    namespace: 'monitoring',
    values: {},
    showOnly: ['templates/serviceaccount.yaml', 'templates/service.yaml', 'templates/daemonset.yaml'],
    about: 'DaemonSet mode with the chart defaults (hostNetwork; the namespace must allow it)',
  },
  {
    out: 'daemonset/servicemonitor.yaml',
    namespace: 'monitoring',
    values: { serviceMonitor: { enabled: true } },
    showOnly: ['templates/servicemonitor.yaml'],
    about: 'ServiceMonitor for the DaemonSet (needs the prometheus-operator CRDs)',
  },
  {
    out: 'sidecar/example-app.yaml',
    namespace: 'default',
    values: { mode: 'sidecar', sidecar: { exampleApp: { enabled: true } } },
    showOnly: ['templates/example-app.yaml'],
    about: 'A demo app Deployment with the exporter as a sidecar',
  },
  {
    out: 'sidecar/podmonitor.yaml',
    namespace: 'default',
    values: { mode: 'sidecar', podMonitor: { enabled: true } },
    showOnly: ['templates/podmonitor.yaml'],
    about: 'PodMonitor for every pod labelled as carrying the sidecar (needs the prometheus-operator CRDs)',
  },
  {
    out: 'monitoring/prometheus-rule.yaml',
    namespace: 'monitoring',
    values: { prometheusRule: { enabled: true } },
    showOnly: ['templates/prometheusrule.yaml'],
    needs: 'rules',
    about: 'The alert rules as a PrometheusRule (needs the prometheus-operator CRDs)',
  },
  {
    out: 'monitoring/grafana-dashboard.yaml',
    namespace: 'monitoring',
    values: { grafanaDashboard: { enabled: true } },
    showOnly: ['templates/dashboard-configmap.yaml'],
    needs: 'dashboard',
    about: 'The Grafana dashboard as a ConfigMap for the Grafana sidecar',
  },
  {
    out: 'monitoring/grafana-alerts.yaml',
    namespace: 'monitoring',
    values: { grafanaAlerts: { enabled: true } },
    showOnly: ['templates/grafana-alerts-configmap.yaml'],
    needs: 'grafanaAlerts',
    about: 'The Grafana-managed alert rules as a ConfigMap for the Grafana sidecar (datasource UID "prometheus")',
  },
];

export const SNIPPET_OUT = 'sidecar/listenq-exporter-container.yaml';

function header(about: string, values: Record<string, unknown>, namespace: string): string {
  return [
    `# ${about}.`,
    '# Generated by `npx tsx scripts/sync-chart.ts` from helm/listenq-exporter with',
    `# --namespace ${namespace} and values ${JSON.stringify(values)}. Do not edit by hand:`,
    '# change the chart and re-run the script (a test fails when this file drifts).',
    '',
  ].join('\n');
}

/** Plain manifests are applied with kubectl, so they must not claim Helm manages them. */
function withoutHelmLabels(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*helm\.sh\/chart: /.test(l) && !/^\s*app\.kubernetes\.io\/managed-by: Helm$/.test(l))
    .join('\n');
}

function checkRules(text: string): void {
  const doc: unknown = parse(text);
  const keys = doc !== null && typeof doc === 'object' ? Object.keys(doc) : [];
  if (keys.length !== 1 || keys[0] !== 'groups') {
    throw new Error(`${RULES_SOURCE} must be a Prometheus rule file whose only top-level key is groups (found ${keys.join(', ')})`);
  }
}

async function readIfExists(path: string): Promise<string | null> {
  return existsSync(path) ? readFile(path, 'utf8') : null;
}

async function listYaml(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(join(e.parentPath, e.name));
  }
  return out;
}

export async function planSync(helm: Helm): Promise<SyncPlan> {
  const notes: string[] = [];
  const files: PlannedFile[] = [];

  const rules = await readIfExists(RULES_SOURCE);
  if (rules === null) notes.push(`${relative(REPO_ROOT, RULES_SOURCE)} does not exist yet: the chart carries no alert rules and prometheusRule.enabled fails`);
  else checkRules(rules);
  files.push({ path: chartPath(CHART_RULES_FILE), content: rules });

  const dashboard = await readIfExists(DASHBOARD_SOURCE);
  if (dashboard === null) notes.push(`${relative(REPO_ROOT, DASHBOARD_SOURCE)} does not exist yet: the chart carries no dashboard and grafanaDashboard.enabled fails`);
  else JSON.parse(dashboard);
  files.push({ path: chartPath(CHART_DASHBOARD_FILE), content: dashboard });

  const grafanaAlerts = await readIfExists(GRAFANA_ALERTS_SOURCE);
  if (grafanaAlerts === null) notes.push(`${relative(REPO_ROOT, GRAFANA_ALERTS_SOURCE)} does not exist yet: the chart carries no Grafana alerts and grafanaAlerts.enabled fails`);
  else parse(grafanaAlerts);
  files.push({ path: chartPath(CHART_GRAFANA_ALERTS_FILE), content: grafanaAlerts });

  const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
    $comment?: string;
    properties: Record<string, unknown>;
    definitions: Record<string, unknown>;
  };
  schema.properties.flags = flagsSchema();
  // The IoK8s* definitions are generated: drop them, then make the ones the rest refers to.
  const handWritten = Object.fromEntries(Object.entries(schema.definitions).filter(([k]) => !k.startsWith(K8S_DEFINITION_PREFIX)));
  schema.$comment = `definitions ${K8S_DEFINITION_PREFIX}* and properties.flags are generated by scripts/sync-chart.ts (from ${k8sModelsVersion()} and src/config/flags.ts)`;
  schema.definitions = { ...handWritten, ...k8sDefinitions(referencedK8sTypes({ ...schema, definitions: handWritten })) };
  files.push({ path: chartPath('values.schema.json'), content: `${JSON.stringify(schema, null, 2)}\n` });

  const valuesYaml = await readFile(join(CHART_DIR, 'values.yaml'), 'utf8');
  const docs = documentedValues(valuesYaml);
  const missing = undocumentedLeaves(valuesYaml, docs);
  if (missing.length > 0) throw new Error(`values.yaml keys without a "# --" description: ${missing.join(', ')}`);
  const readme = await readFile(join(CHART_DIR, 'README.md'), 'utf8');
  files.push({ path: chartPath('README.md'), content: withValuesTable(readme, valuesTable(docs)) });

  // Render from a copy of the chart with the planned files in place, so the manifests match
  // the chart as it will be once this plan is written.
  const tmp = await mkdtemp(join(tmpdir(), 'listenq-chart-'));
  try {
    const chartCopy = join(tmp, 'listenq-exporter');
    await cp(CHART_DIR, chartCopy, { recursive: true });
    for (const f of files) {
      const dest = join(chartCopy, relative(relative(REPO_ROOT, CHART_DIR), f.path));
      if (f.content === null) await rm(dest, { force: true });
      else {
        await mkdir(dirname(dest), { recursive: true });
        await writeFile(dest, f.content);
      }
    }
    const wanted = new Set<string>();
    for (const r of RENDERS) {
      const path = k8sPath(r.out);
      wanted.add(path);
      const missing = { rules, dashboard, grafanaAlerts };
      if (r.needs !== undefined && missing[r.needs] === null) {
        files.push({ path, content: null });
        continue;
      }
      const values = { image: PLACEHOLDER_IMAGE, ...r.values };
      const text = await helm.templateText(chartCopy, values, { namespace: r.namespace, showOnly: r.showOnly });
      files.push({ path, content: header(r.about, values, r.namespace) + withoutHelmLabels(text).replace(/^---\n/, '') });
      if (r.out === 'sidecar/example-app.yaml') {
        wanted.add(k8sPath(SNIPPET_OUT));
        files.push({ path: k8sPath(SNIPPET_OUT), content: sidecarSnippet(parseObjects(text)) });
      }
    }
    for (const stale of await listYaml(DEPLOY_K8S_DIR)) {
      const path = relative(REPO_ROOT, stale);
      if (!wanted.has(path)) files.push({ path, content: null });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { files, notes };
}

interface PodTemplateOwner {
  spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ name: string }> } } };
}

/** The exporter container of the demo Deployment, ready to paste into any pod template. */
function sidecarSnippet(objects: readonly K8sObject[]): string {
  const deploy = objects.find((o) => o.kind === 'Deployment') as PodTemplateOwner | undefined;
  const template = deploy?.spec?.template;
  const container = template?.spec?.containers?.find((c) => c.name === 'listenq-exporter');
  if (!container) throw new Error('the example Deployment has no listenq-exporter container');
  const selector = Object.entries(template?.metadata?.labels ?? {}).filter(([k]) => k.startsWith('listenq-exporter/'));
  return [
    '# The listenq-exporter sidecar container, for pods deployed without Helm.',
    '# Append this item to spec.template.spec.containers of your Deployment/StatefulSet, and add',
    `# the pod label${selector.length > 1 ? 's' : ''} ${selector.map(([k, v]) => `${k}: "${v}"`).join(', ')} to spec.template.metadata.labels so`,
    '# podmonitor.yaml finds the pod. The container shares the pod network namespace and so',
    "# reports the app's own listeners and the pod's TCP counters.",
    '# Generated by `npx tsx scripts/sync-chart.ts` from example-app.yaml. Do not edit by hand.',
    stringify([container], { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}

/** Paths whose work-tree content differs from the plan. */
export async function drift(plan: SyncPlan): Promise<string[]> {
  const out: string[] = [];
  for (const f of plan.files) {
    const current = await readIfExists(join(REPO_ROOT, f.path));
    if (current !== f.content) out.push(f.content === null ? `${f.path} (should not exist)` : f.path);
  }
  return out;
}

export async function applyPlan(plan: SyncPlan): Promise<string[]> {
  const changed = await drift(plan);
  for (const f of plan.files) {
    const abs = join(REPO_ROOT, f.path);
    if (f.content === null) {
      if (existsSync(abs)) await unlink(abs);
    } else {
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, f.content);
    }
  }
  return changed;
}
