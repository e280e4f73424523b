/**
 * Runs the Debian prometheus package's promtool. Missing binaries fail the test with an
 * install hint instead of skipping it: CI (.ci/run) installs the package, so a skip would
 * hide a broken setup.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const execFileP = promisify(execFile);

/** Absolute path of a binary from the `prometheus` package, or a thrown explanation. */
export function requireBinary(name: 'promtool' | 'prometheus'): string {
  for (const dir of (process.env['PATH'] ?? '/usr/bin').split(':')) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next PATH entry
    }
  }
  throw new Error(`${name} not found on PATH: install the Debian package "prometheus" (apt-get install prometheus)`);
}

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

export async function promtool(args: readonly string[], cwd?: string): Promise<ToolResult> {
  const bin = requireBinary('promtool');
  try {
    const { stdout, stderr } = await execFileP(bin, [...args], { cwd, maxBuffer: 16 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** promtool with `input` on its stdin (`check metrics` reads the exposition from there). */
export function promtoolStdin(args: readonly string[], input: string): Promise<ToolResult> {
  const bin = requireBinary('promtool');
  return new Promise((resolve) => {
    const child = execFile(bin, [...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, output: stdout + stderr });
    });
    child.stdin?.end(input);
  });
}

export interface NamedExpr {
  /** Where the expression came from, for the failure message. */
  readonly where: string;
  readonly expr: string;
}

/**
 * Validates PromQL by loading every expression as a recording rule into `promtool check
 * rules`, which parses each one. Returns promtool's result for the whole batch.
 */
export async function checkExpressions(exprs: readonly NamedExpr[]): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'listenq-promql-'));
  try {
    const file = join(dir, 'exprs.rules.yml');
    const rules = exprs.map((e, i) => ({ record: `listenq_check:expr_${i}`, expr: e.expr }));
    writeFileSync(file, stringify({ groups: [{ name: 'checked-expressions', rules }] }, { lineWidth: 0 }));
    return await promtool(['check', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
