/**
 * Turns argv and the environment into a Config, or a one-line error naming the flag.
 * Precedence: command line, then LISTENQ_* environment variable, then default.
 */
import type { Config } from './config.js';
import { parseDuration } from './duration.js';
import { envVarFor, FLAGS, type FlagName, type FlagSpec } from './flags.js';

export class ConfigError extends Error {}

type ParseOutcome =
  | { readonly kind: 'run'; readonly config: Config }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

type Value = string | number | boolean;

/** `host:port`, `[v6]:port` or `:port`; the host without its brackets. */
function splitListenAddress(text: string): { readonly host: string; readonly port: number } | undefined {
  const [, host, port] = /^(.*):(\d{1,5})$/.exec(text) ?? [];
  if (host === undefined || port === undefined) return undefined;
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port: Number(port) };
}

function convert(spec: FlagSpec, raw: string, origin: string): Value {
  const bad = (why: string) => new ConfigError(`invalid value ${JSON.stringify(raw)} for ${origin}: ${why}`);
  const k = spec.kind;
  switch (k.type) {
    case 'string':
    case 'path':
      if (raw === '') {
        if (spec.optional) return raw;
        throw bad('must not be empty');
      }
      if (spec.name === 'web.telemetry-path' && !raw.startsWith('/')) throw bad('must start with /');
      return raw;
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw bad('expected true or false');
    case 'duration': {
      const ms = parseDuration(raw);
      if (ms === undefined) throw bad('expected a duration such as 500ms, 1s or 2m');
      if (ms < k.minMs || ms > k.maxMs) throw bad(`must be between ${k.minMs}ms and ${k.maxMs}ms`);
      return ms;
    }
    case 'integer': {
      if (!/^\d+$/.test(raw)) throw bad('expected a whole number');
      const n = Number(raw);
      if (n < k.min || n > k.max) throw bad(`must be between ${k.min} and ${k.max}`);
      return n;
    }
    case 'enum':
      if (!k.values.includes(raw)) throw bad(`expected one of ${k.values.join(', ')}`);
      return raw;
    case 'listen-address': {
      const address = splitListenAddress(raw);
      if (!address || address.port > 65535) throw bad('expected host:port, e.g. :9839 or 127.0.0.1:9839');
      if (/[\s/]/.test(address.host)) throw bad('host must be an address or name');
      return raw;
    }
  }
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParseOutcome {
  const byName = new Map<string, FlagSpec>(FLAGS.map((f) => [f.name, f]));
  const given = new Map<string, Value>();
  // Taken from the front one at a time: a flag without an inline value takes the next one.
  const pending = [...argv];
  for (let arg = pending.shift(); arg !== undefined; arg = pending.shift()) {
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version') return { kind: 'version' };
    const [, negated, name, inline] = /^--(no-)?([a-z][a-z0-9.-]*)(?:=(.*))?$/s.exec(arg) ?? [];
    if (name === undefined) throw new ConfigError(`unexpected argument ${JSON.stringify(arg)}: flags look like --name=value`);
    const spec = byName.get(name);
    if (!spec) throw new ConfigError(`unknown flag --${name}; see --help`);
    if (given.has(spec.name)) throw new ConfigError(`flag --${spec.name} given more than once`);
    if (spec.kind.type === 'boolean') {
      if (negated) {
        if (inline !== undefined) throw new ConfigError(`flag --no-${spec.name} takes no value`);
        given.set(spec.name, false);
      } else {
        given.set(spec.name, inline === undefined ? true : convert(spec, inline, `--${spec.name}`));
      }
      continue;
    }
    if (negated) throw new ConfigError(`unknown flag --no-${name}; only boolean flags can be negated`);
    let raw = inline;
    if (raw === undefined) {
      raw = pending.shift();
      if (raw === undefined || raw.startsWith('--')) throw new ConfigError(`flag --${spec.name} needs a value`);
    }
    given.set(spec.name, convert(spec, raw, `--${spec.name}`));
  }

  const values = new Map<string, Value>();
  for (const spec of FLAGS) {
    const envName = envVarFor(spec.name);
    const fromFlag = given.get(spec.name);
    const fromEnv = env[envName];
    if (fromFlag !== undefined) values.set(spec.name, fromFlag);
    else if (fromEnv !== undefined) values.set(spec.name, convert(spec, fromEnv, `${envName} (--${spec.name})`));
    else values.set(spec.name, convert(spec, spec.default, `default of --${spec.name}`));
  }
  const v = <T extends Value>(name: FlagName) => values.get(name) as T;

  // convert() accepted it, so it splits; the check only tells the compiler.
  const listen = splitListenAddress(v<string>('web.listen-address'));
  if (!listen) throw new ConfigError('invalid value for --web.listen-address');
  const config: Config = {
    listenHost: listen.host,
    listenPort: listen.port,
    telemetryPath: v('web.telemetry-path'),
    procfs: v('path.procfs'),
    sampleIntervalMs: v('sample.interval'),
    fastIntervalMs: v('sample.fast-interval'),
    peakWindowMs: v('peak.window'),
    sourceTimeoutMs: v('source.timeout'),
    ssPath: v('ss.path'),
    sockDiag: v('source.sock-diag'),
    synQueueEnabled: v('collector.syn-queue'),
    synQueueIntervalMs: v('collector.syn-queue.interval'),
    maxListeners: v('max-listeners'),
    namespaces: v('namespaces'),
    processNames: v('collector.process-names'),
    logLevel: v('log.level'),
    logFormat: v('log.format'),
    ...(v<string>('web.config.file') !== '' ? { webConfigFile: v<string>('web.config.file') } : {}),
  };
  const reserved = ['/', '/healthz', '/readyz'];
  if (reserved.includes(config.telemetryPath)) {
    throw new ConfigError(`invalid value for --web.telemetry-path: ${config.telemetryPath} is reserved`);
  }
  return { kind: 'run', config };
}
