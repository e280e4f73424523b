/**
 * Writes the Prometheus rules, the Grafana alert provisioning file, the Grafana dashboard
 * and the chart's defaults template from scripts/alerting/. `--check` writes nothing and
 * exits 1 when a committed file differs from what the source renders (the same comparison
 * the drift test makes).
 *
 *   npx tsx scripts/generate-alerting.ts [--check]
 *   npx tsx scripts/generate-alerting.ts --out=DIR [--runbook-url=BASE] [--exporter-selector='job="x"']
 *
 * With --out the three alerting files are written into DIR (not the repository) with the
 * given runbook base URL and exporter selector; the committed files keep the defaults.
 * A bad or unknown argument exits 2 naming it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AlertingConfig, checkSelector, DEFAULT_CONFIG } from './alerting/config.js';
import { GENERATED } from './alerting/outputs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  readonly check: boolean;
  readonly out?: string;
  readonly cfg: AlertingConfig;
}

function usage(message: string): never {
  console.error(`generate-alerting: ${message}`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  let check = false;
  let out: string | undefined;
  let runbookBase = DEFAULT_CONFIG.runbookBase;
  let exporterSelector = DEFAULT_CONFIG.exporterSelector;
  let custom = false;
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const [name, value] = eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
    if (name === '--check' && value === undefined) check = true;
    else if (name === '--out' && value) out = resolve(value);
    else if (name === '--runbook-url' && value) {
      runbookBase = value.replace(/#.*$/, '');
      custom = true;
    } else if (name === '--exporter-selector' && value) {
      try {
        exporterSelector = checkSelector(value);
      } catch (err) {
        usage(`--exporter-selector: ${(err as Error).message}`);
      }
      custom = true;
    } else usage(`unknown or incomplete argument ${arg}`);
  }
  if (custom && out === undefined) usage('--runbook-url and --exporter-selector need --out=DIR: the committed files keep the defaults');
  if (check && out !== undefined) usage('--check compares the committed files; it takes no --out');
  return { check, ...(out === undefined ? {} : { out }), cfg: { runbookBase, exporterSelector } };
}

const args = parseArgs(process.argv.slice(2));

if (args.out !== undefined) {
  mkdirSync(args.out, { recursive: true });
  for (const g of GENERATED.filter((x) => x.configurable)) {
    const file = join(args.out, basename(g.path));
    writeFileSync(file, g.render(args.cfg));
    console.log(`wrote ${file}`);
  }
  process.exit(0);
}

let stale = 0;
for (const { path, render } of GENERATED) {
  const file = join(root, path);
  const want = render();
  let have: string | undefined;
  try {
    have = readFileSync(file, 'utf8');
  } catch {
    have = undefined;
  }
  if (have === want) continue;
  if (args.check) {
    stale++;
    console.error(`${path} is out of date; run: npx tsx scripts/generate-alerting.ts`);
  } else {
    writeFileSync(file, want);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
