/**
 * The exporter's layers wired in-process (the same wiring as the entry point's), for tests
 * that need no namespace of their own.
 */
import { pino } from 'pino';
import { exporterApp } from '../../src/app/exporter-app.js';
import type { Config } from '../../src/config/config.js';
import { parseArgs } from '../../src/config/parse-args.js';

export const silentLog = pino({ level: 'silent' });

export function configFrom(args: string[]): Config {
  const o = parseArgs(args, {});
  if (o.kind !== 'run') throw new Error('expected a run configuration');
  return o.config;
}

export function wire(args: string[] = []) {
  const cfg = configFrom(args);
  const { sampler, exposition, server } = exporterApp(cfg, silentLog, { version: '0.0.0-test', host: () => undefined });
  return { cfg, sampler, exposition, app: server };
}
