#!/usr/bin/env node
/**
 * Entry point: parse the configuration once, start the sampler and the HTTP server, and
 * shut down cleanly on SIGTERM/SIGINT (a second signal exits at once); SIGHUP re-reads the
 * web config.
 */
import { setFlagsFromString } from 'node:v8';
import { ConfigError, parseArgs } from './config/parse-args.js';
import { helpText } from './config/help.js';
import { createLogger } from './log/logger.js';
import { exporterApp, type ExporterApp } from './app/exporter-app.js';
import type { LoadedWebConfig } from './server/web-config/load.js';
import { WebConfigError } from './server/web-config/types.js';
import { type HostInfo, readHostInfo } from './sources/host-info.js';
import { VERSION } from './version.js';

// V8 lets the old generation grow to three or four times the live heap between two major
// GCs on a host with gigabytes of RAM: under listener churn the exporter's live heap stayed
// at 13 MB (heap snapshots), while garbage promoted from the young generation grew RSS by
// 40 MB over 95 s until the next mark-compact, and V8 kept those pages. A fixed growing
// factor makes the major GCs come earlier and cost a few milliseconds each.
setFlagsFromString('--heap-growing-percent=25');

const EXIT_USAGE = 2;
const HOST_INFO_TIMEOUT_MS = 5000;
const SHUTDOWN_GRACE_MS = 5000;

async function main(): Promise<void> {
  let outcome;
  try {
    outcome = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`listenq-exporter: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
  if (outcome.kind === 'help') {
    process.stdout.write(helpText(VERSION));
    return;
  }
  if (outcome.kind === 'version') {
    process.stdout.write(`listenq-exporter ${VERSION} (node ${process.version})\n`);
    return;
  }
  const cfg = outcome.config;
  // The web config's parsers (yaml, the bcrypt worker) hold about 10 MiB once loaded: only a run
  // with --web.config.file loads them.
  const webFile = cfg.webConfigFile;
  const webModules =
    webFile === undefined
      ? undefined
      : await Promise.all([import('./server/web-config/load.js'), import('./server/web-config/web-guard.js')]);
  const webConfig = webModules && webFile !== undefined ? loadWebConfigOrExit(webFile, webModules[0].loadWebConfig) : undefined;
  const log = createLogger(cfg.logLevel, cfg.logFormat);
  const web = webModules && webConfig && new webModules[1].WebGuard(webConfig, log);

  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting so the supervisor restarts the exporter');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection; exiting so the supervisor restarts the exporter');
    process.exit(1);
  });

  let host: HostInfo | undefined;
  readHostInfo(HOST_INFO_TIMEOUT_MS)
    .then((h) => {
      host = h;
    })
    .catch((err: unknown) => log.warn({ err: String(err) }, 'host identity unavailable; listenq_host_info omitted'));

  const { sampler, server } = exporterApp(cfg, log, { version: VERSION, host: () => host, ...(web ? { web } : {}) });

  try {
    await listen(server, cfg.listenHost, cfg.listenPort);
  } catch (err) {
    log.fatal({ err: String(err) }, `cannot listen on ${cfg.listenHost || '*'}:${cfg.listenPort}`);
    process.exit(1);
  }
  // Sampling starts once the exporter's own socket listens: the first snapshot, which makes
  // /readyz answer 200, then already shows that socket. Started before listen(), it raced
  // the listen() and the first scrapes after readiness could lack the exporter's listener.
  sampler.start();
  web?.watch();
  log.info(
    { version: VERSION, address: `${cfg.listenHost || '*'}:${cfg.listenPort}`, interval_ms: cfg.sampleIntervalMs },
    'listenq-exporter started',
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    web?.close();
    void Promise.all([sampler.stop(), server.close()]).then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // Node's default for SIGHUP is to exit (status 129) without a word; daemons are sent it
  // to reload, so it re-reads the web config now instead of at the next poll.
  process.on('SIGHUP', () => {
    if (!web) {
      log.info({ signal: 'SIGHUP' }, 'SIGHUP: nothing to reload (no --web.config.file); still running');
      return;
    }
    try {
      web.reload();
      log.info({ signal: 'SIGHUP', file: cfg.webConfigFile }, 'web config reloaded on SIGHUP');
    } catch (err) {
      const why = err instanceof WebConfigError ? err.message : String(err);
      log.error({ signal: 'SIGHUP', file: cfg.webConfigFile, err: why }, 'web config not reloaded on SIGHUP; keeping the previous one');
    }
  });
}

/** A bad web config is a usage error like a bad flag: one line, exit 2, nothing started. */
function loadWebConfigOrExit(path: string, loadWebConfig: (path: string) => LoadedWebConfig): LoadedWebConfig {
  try {
    return loadWebConfig(path);
  } catch (err) {
    if (err instanceof WebConfigError) {
      process.stderr.write(`listenq-exporter: invalid --web.config.file ${JSON.stringify(path)}: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    throw err;
  }
}

/** An empty host means all addresses: IPv6 dual stack where the kernel has IPv6, else IPv4. */
async function listen(server: ExporterApp['server'], host: string, port: number): Promise<void> {
  if (host !== '') {
    await server.listen({ host, port });
    return;
  }
  try {
    await server.listen({ host: '::', port, ipv6Only: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw err;
    await server.listen({ host: '0.0.0.0', port });
  }
}

void main();
