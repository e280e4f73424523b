/**
 * JSON schema definitions for the chart values that are Kubernetes objects (resources,
 * securityContext, tolerations, affinity, updateStrategy, env...), generated from the
 * npm package kubernetes-models, the same Kubernetes schemas the chart tests validate the
 * rendered manifests with. So a typo such as `resources.limit.cpu` or
 * `tolerations[0].operatr` fails `helm lint`/`helm template`, not the cluster.
 *
 * kubernetes-models ships the types as TypeScript declarations and the validators as
 * compiled ajv code, not as JSON schemas. The structure (properties, required ones, string
 * enums, arrays, maps, references) is read from the declarations; what they cannot say is
 * asked of the compiled validators: whether a `number` must be whole (0.5 is tried), and
 * which string format a field has (only `quantity` is known here; any other format is an
 * error, so a new one is decided on rather than silently dropped). Every object is closed
 * (`additionalProperties: false`): that is what catches a misspelt key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './paths.js';

type Schema = Record<string, unknown>;

/** Where the declarations live, and each package's compiled validators (`_schemas/`). */
const PACKAGES = ['node_modules/kubernetes-models', 'node_modules/@kubernetes-models/apimachinery'];

/** Definition names are kubernetes-models' own, e.g. IoK8sApiCoreV1Toleration. */
export const K8S_DEFINITION_PREFIX = 'IoK8s';

interface Declared {
  readonly file: string;
  readonly local: string;
  readonly pkg: string;
}

let index: Map<string, Declared> | undefined;

/** Every exported kubernetes-models type by its long name, e.g. IoK8sApiCoreV1Toleration. */
function declarations(): Map<string, Declared> {
  if (index) return index;
  index = new Map();
  for (const pkg of PACKAGES) {
    const root = join(REPO_ROOT, pkg);
    for (const f of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.d.ts') || f.startsWith('_schemas')) continue;
      const text = readFileSync(join(root, f), 'utf8');
      for (const m of text.matchAll(/export \{ I(\w+) as I(IoK8s\w+),/g)) {
        index.set(m[2]!, { file: join(root, f), local: `I${m[1]!}`, pkg: root });
      }
    }
  }
  return index;
}

interface ValidateFn {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; keyword: string; params: Record<string, unknown> }> | null;
}

const requireHere = createRequire(import.meta.url);

function validatorOf(name: string): ValidateFn {
  const d = declarations().get(name);
  if (!d) throw new Error(`kubernetes-models has no type ${name}`);
  return (requireHere(join(d.pkg, '_schemas', `${name}.js`)) as { validate: ValidateFn }).validate;
}

/** Where a probe value goes: a function building the data, and the path ajv reports for it. */
interface Probe {
  readonly validate: ValidateFn;
  readonly wrap: (leaf: unknown) => unknown;
  readonly path: string;
}

function errorsAt(p: Probe, leaf: unknown) {
  p.validate(p.wrap(leaf));
  return (p.validate.errors ?? []).filter((e) => e.instancePath === p.path);
}

/** The only string format the chart's Kubernetes values use; its regex is RE2-compatible. */
function formatPattern(format: string): string {
  if (format !== 'quantity') {
    throw new Error(`kubernetes-models uses string format "${format}": decide how values.schema.json expresses it`);
  }
  const { formats } = requireHere('@kubernetes-models/validate') as { formats: Record<string, { validate: unknown }> };
  const re = formats.quantity?.validate;
  if (!(re instanceof RegExp)) throw new Error('@kubernetes-models/validate has no quantity regex');
  return re.source;
}

function stringSchema(p: Probe): Schema {
  const bad = errorsAt(p, '\u0000 not a valid value');
  const format = bad.find((e) => e.keyword === 'format')?.params.format;
  return typeof format === 'string' ? { type: 'string', pattern: formatPattern(format) } : { type: 'string' };
}

function numberSchema(p: Probe): Schema {
  const whole = errorsAt(p, 0.5).some((e) => e.keyword === 'type' && e.params.type === 'integer');
  return { type: whole ? 'integer' : 'number' };
}

class Generator {
  readonly definitions = new Map<string, Schema>();
  private readonly queue: string[] = [];

  add(name: string): void {
    if (this.definitions.has(name) || this.queue.includes(name)) return;
    this.queue.push(name);
  }

  run(): void {
    for (let name = this.queue.shift(); name !== undefined; name = this.queue.shift()) {
      if (!this.definitions.has(name)) this.definitions.set(name, this.definition(name));
    }
  }

  private definition(name: string): Schema {
    const d = declarations().get(name);
    if (!d) throw new Error(`kubernetes-models has no type ${name}`);
    const src = ts.createSourceFile(d.file, readFileSync(d.file, 'utf8'), ts.ScriptTarget.ES2022, false);
    const validate = validatorOf(name);
    const self: Probe = { validate, wrap: (v) => v, path: '' };
    for (const st of src.statements) {
      if (ts.isInterfaceDeclaration(st) && st.name.text === d.local) return this.object(st, validate, name);
      if (ts.isTypeAliasDeclaration(st) && st.name.text === d.local) return this.type(st.type, self, name);
    }
    throw new Error(`${relative(REPO_ROOT, d.file)} does not declare ${d.local}`);
  }

  private object(decl: ts.InterfaceDeclaration, validate: ValidateFn, where: string): Schema {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type) throw new Error(`${where}: unexpected member ${m.getText?.() ?? ''}`);
      const key = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : undefined;
      if (key === undefined) throw new Error(`${where}: computed property name`);
      if (!m.questionToken) required.push(key);
      const probe: Probe = { validate, wrap: (v) => ({ [key]: v }), path: `/${key}` };
      properties[key] = this.type(m.type, probe, `${where}.${key}`);
    }
    return { type: 'object', additionalProperties: false, ...(required.length ? { required } : {}), properties };
  }

  private type(node: ts.TypeNode, p: Probe, where: string): Schema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return stringSchema(p);
      case ts.SyntaxKind.NumberKeyword:
        return numberSchema(p);
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
        return {};
    }
    if (ts.isParenthesizedTypeNode(node)) return this.type(node.type, p, where);
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: 'string', enum: [node.literal.text] };
    if (ts.isUnionTypeNode(node)) {
      const literals = node.types.map((t) => (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal) ? t.literal.text : undefined));
      if (literals.every((l) => l !== undefined)) return { type: 'string', enum: literals };
      return { anyOf: node.types.map((t) => this.type(t, p, where)) };
    }
    if (ts.isArrayTypeNode(node)) return { type: 'array', items: this.type(node.elementType, item(p), `${where}[]`) };
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const ref = node.typeName.text;
      if (ref === 'Array' && node.typeArguments?.length === 1) {
        return { type: 'array', items: this.type(node.typeArguments[0]!, item(p), `${where}[]`) };
      }
      if (ref.startsWith(`I${K8S_DEFINITION_PREFIX}`)) {
        const name = ref.slice(1);
        this.add(name);
        return { $ref: `#/definitions/${name}` };
      }
    }
    if (ts.isTypeLiteralNode(node) && node.members.length === 1) {
      const sig = node.members[0]!;
      if (ts.isIndexSignatureDeclaration(sig)) {
        return { type: 'object', additionalProperties: this.type(sig.type, mapValue(p), `${where}{}`) };
      }
    }
    throw new Error(`${where}: no JSON schema for TypeScript type ${ts.SyntaxKind[node.kind]}`);
  }
}

const item = (p: Probe): Probe => ({ validate: p.validate, wrap: (v) => p.wrap([v]), path: `${p.path}/0` });
const mapValue = (p: Probe): Probe => ({ validate: p.validate, wrap: (v) => p.wrap({ k: v }), path: `${p.path}/k` });

/** Names of the Kubernetes definitions a schema refers to (`#/definitions/IoK8s...`). */
export function referencedK8sTypes(schema: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === '$ref' && typeof child === 'string' && child.startsWith(`#/definitions/${K8S_DEFINITION_PREFIX}`)) {
          found.add(child.slice('#/definitions/'.length));
        } else walk(child);
      }
    }
  };
  walk(schema);
  return [...found].sort();
}

/** Definitions for these types and everything they refer to, sorted by name. */
export function k8sDefinitions(roots: readonly string[]): Record<string, Schema> {
  const g = new Generator();
  for (const r of roots) g.add(r);
  g.run();
  return Object.fromEntries([...g.definitions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The package the definitions come from, for the schema's description. */
export function k8sModelsVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, PACKAGES[0]!, 'package.json'), 'utf8')) as { version: string };
  return `kubernetes-models ${pkg.version}`;
}
