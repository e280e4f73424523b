/**
 * The chart and the exporter agree on flags: every flag in src/config/flags.ts is reachable
 * from values, the chart renders only flags that exist, the exporter's own parser accepts
 * what the chart renders, and the values schema lists exactly the exporter's flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGS, type FlagSpec } from '../../src/config/flags.js';
import { parseArgs } from '../../src/config/parse-args.js';
import { parseDuration } from '../../src/config/duration.js';
import { DURATION_PATTERN, flagsSchema } from '../../scripts/packaging/flags-schema.js';
import { type Helm, openHelm } from '../../scripts/packaging/helm.js';
import { CHART_DIR } from '../../scripts/packaging/paths.js';
import { exporterContainer, flagArgs, type IDaemonSet, type IDeployment, only, podSpec, render, renderError, withImage } from './chart-support.js';

const FLAG_NAMES = new Set<string>(FLAGS.map((f) => f.name));

/** A valid value for the flag that differs from its default. */
function otherValue(f: FlagSpec): string | boolean | number {
  const k = f.kind;
  switch (k.type) {
    case 'boolean':
      return f.default !== 'true';
    case 'duration':
      return parseDuration(f.default) === k.minMs ? `${k.maxMs}ms` : `${k.minMs}ms`;
    case 'integer':
      return String(k.min) === f.default ? k.max : k.min;
    case 'enum':
      return k.values.find((v) => v !== f.default)!;
    case 'listen-address':
      return ':9999';
    case 'path':
      return `/custom/${f.name}`;
    case 'string':
      return `/custom-${f.name.replace(/\./g, '-')}`;
  }
}

let helm: Helm;
beforeAll(async () => {
  helm = await openHelm();
});
afterAll(async () => {
  await helm?.dispose();
});

async function renderedArgs(values: Record<string, unknown>): Promise<string[]> {
  const objects = await render(helm, withImage(values));
  const workload = objects.find((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment') as IDaemonSet | IDeployment;
  return exporterContainer(podSpec(workload)).args ?? [];
}

describe('flags in the chart', () => {
  it('reaches every exporter flag from values, with the value given, and nothing else', async () => {
    const flags = Object.fromEntries(FLAGS.map((f) => [f.name, otherValue(f)]));
    // --namespaces=all is only accepted together with the privileges the chart grants for it.
    const objects = await render(helm, withImage({ flags, daemonset: { allNamespaces: flags.namespaces === 'all' } }));
    const args = flagArgs(exporterContainer(podSpec(only<IDaemonSet>(objects, 'DaemonSet'))));
    expect([...args.keys()].sort()).toEqual([...FLAG_NAMES].sort());
    for (const f of FLAGS) expect(args.get(f.name), f.name).toBe(String(flags[f.name]));
  });

  it('renders args the exporter parser accepts and reads back as given', async () => {
    const flags = Object.fromEntries(FLAGS.map((f) => [f.name, otherValue(f)]));
    const args = await renderedArgs({ flags, daemonset: { allNamespaces: flags.namespaces === 'all' } });
    const outcome = parseArgs(args, {});
    expect(outcome.kind).toBe('run');
    if (outcome.kind !== 'run') return;
    expect(outcome.config.listenPort).toBe(9999);
    expect(outcome.config.procfs).toBe('/custom/path.procfs');
  });

  it('renders only real flags in every mode and values combination the chart offers', async () => {
    const combos: Array<Record<string, unknown>> = [
      {},
      { daemonset: { hostProc: { enabled: true }, allNamespaces: true }, webConfig: { secretName: 's' } },
      { mode: 'sidecar', sidecar: { exampleApp: { enabled: true } } },
      { flags: { 'web.listen-address': null } },
      { flags: { 'log.level': '', 'sample.interval': null } },
    ];
    for (const values of combos) {
      const args = await renderedArgs(values);
      for (const a of args) expect(FLAG_NAMES.has(/^--([^=]+)=/.exec(a)![1]!), `${a} with ${JSON.stringify(values)}`).toBe(true);
      expect(parseArgs(args, {}).kind, JSON.stringify(values)).toBe('run');
    }
  });

  it('leaves out flags set to null or empty, so the exporter default applies', async () => {
    expect(await renderedArgs({ flags: { 'web.listen-address': null, 'log.level': '' } })).toEqual([]);
  });

  it('prints whole numbers as integers, not in float notation', async () => {
    const intFlag = FLAGS.find((f) => f.kind.type === 'integer');
    if (!intFlag) return;
    const args = await renderedArgs({ flags: { [intFlag.name]: 1000000 } });
    expect(args).toContain(`--${intFlag.name}=1000000`);
  });

  it('refuses unknown flags, malformed values and settings the chart owns', async () => {
    expect(await renderError(helm, withImage({ flags: { 'sample.intervall': '1s' } }))).toMatch(/sample\.intervall/);
    expect(await renderError(helm, withImage({ flags: { 'sample.interval': '1 second' } }))).toMatch(/sample\.interval/);
    expect(await renderError(helm, withImage({ flags: { 'log.level': 'trace' } }))).toMatch(/log\.level/);
    expect(await renderError(helm, withImage({ flags: { 'web.listen-address': 'localhost' } }))).toMatch(/web\.listen-address/);
    expect(await renderError(helm, withImage({ flags: { 'path.procfs': '/elsewhere' }, daemonset: { hostProc: { enabled: true } } }))).toMatch(
      /contradicts daemonset\.hostProc\.mountPath/,
    );
    expect(await renderError(helm, withImage({ flags: { 'web.config.file': '/x.yml' }, webConfig: { secretName: 's' } }))).toMatch(
      /contradicts webConfig\.secretName/,
    );
    expect(await renderError(helm, withImage({ flags: { namespaces: 'all' } }))).toMatch(/daemonset\.allNamespaces/);
    expect(await renderError(helm, withImage({ flags: { namespaces: 'self' }, daemonset: { allNamespaces: true } }))).toMatch(
      /contradicts daemonset\.allNamespaces/,
    );
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as {
    properties: { flags: { properties: Record<string, unknown>; additionalProperties: boolean } };
  };

  it('lists exactly the exporter flags, as generated from the flag table', () => {
    expect(Object.keys(schema.properties.flags.properties).sort()).toEqual([...FLAG_NAMES].sort());
    expect(schema.properties.flags.additionalProperties).toBe(false);
    expect(schema.properties.flags).toEqual(flagsSchema());
  });

  it("uses the exporter's duration syntax", () => {
    const re = new RegExp(DURATION_PATTERN);
    for (const s of ['1s', '250ms', '1m30s', '2h', '0s', '1d', '1.5s', '1 s', 's', '', '-1s', '1sec']) {
      expect(re.test(s), s).toBe(parseDuration(s) !== undefined);
    }
  });
});
