/** The exporter's layers wired in-process, for tests that need no namespace of their own. */
import { pino } from 'pino';
import type { Config } from '../../src/config/config.js';
import { parseArgs } from '../../src/config/parse-args.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { samplerFromConfig } from '../../src/sampler/from-config.js';
import { buildServer } from '../../src/server/http-server.js';

export const silentLog = pino({ level: 'silent' });

export function configFrom(args: string[]): Config {
  const o = parseArgs(args, {});
  if (o.kind !== 'run') throw new Error('expected a run configuration');
  return o.config;
}

export function wire(args: string[] = []) {
  const cfg = configFrom(args);
  const sampler = samplerFromConfig(cfg, silentLog);
  const exposition = new Exposition(() => sampler.latest(), { version: '0.0.0-test', host: () => undefined });
  const app = buildServer({
    telemetryPath: cfg.telemetryPath,
    version: '0.0.0-test',
    exposition,
    latest: () => sampler.latest(),
    ready: () => sampler.latest() !== undefined,
    log: silentLog,
  });
  return { cfg, sampler, exposition, app };
}
