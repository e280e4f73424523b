/**
 * The exporter's layers wired together from one parsed configuration: the sampler, the
 * /metrics renderer over its snapshots, and the HTTP server. The entry point, the
 * in-process tests and the benchmarks all build the exporter here, so none of them can
 * wire it differently.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Exposition } from '../metrics/exposition.js';
import { samplerFromConfig } from '../sampler/from-config.js';
import type { Sampler } from '../sampler/sampler.js';
import { buildServer } from '../server/http-server.js';
import type { WebGuard } from '../server/web-config/web-guard.js';
import type { HostInfo } from '../sources/host-info.js';

export interface ExporterParts {
  readonly version: string;
  /** The host's identity once read (it is read in the background at start). */
  readonly host: () => HostInfo | undefined;
  /** --web.config.file's TLS, users and headers; absent: plain HTTP without auth. */
  readonly web?: WebGuard;
}

export interface ExporterApp {
  readonly sampler: Sampler;
  readonly exposition: Exposition;
  readonly server: ReturnType<typeof buildServer>;
}

export function exporterApp(cfg: Config, log: Logger, parts: ExporterParts): ExporterApp {
  const { version, host, web } = parts;
  const sampler = samplerFromConfig(cfg, log);
  const exposition = new Exposition(() => sampler.latest(), {
    version,
    host,
    allNamespaces: cfg.namespaces === 'all',
    ...(web ? { webConfig: () => web.reloadStatus } : {}),
  });
  const server = buildServer({
    telemetryPath: cfg.telemetryPath,
    version,
    exposition,
    latest: () => sampler.latest(),
    ready: () => sampler.latest() !== undefined,
    log,
    ...(web ? { web } : {}),
  });
  return { sampler, exposition, server };
}
