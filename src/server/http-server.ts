/**
 * The HTTP face: /metrics (Prometheus text, or OpenMetrics when the scraper asks for it),
 * a status page at /, liveness and readiness. Scrapes read rendered snapshots only.
 */
import Fastify, { LogController } from 'fastify';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Exposition } from '../metrics/exposition.js';
import type { Snapshot } from '../sampler/snapshot.js';
import { StatusPage } from '../status/status-page.js';
import { acceptsGzip, negotiateFormat } from './negotiation.js';
import type { WebGuard } from './web-config/web-guard.js';

interface ServerOptions {
  readonly telemetryPath: string;
  readonly version: string;
  readonly exposition: Exposition;
  /** The snapshot the status page at `/` shows. */
  readonly latest: () => Snapshot | undefined;
  readonly ready: () => boolean;
  readonly log: Logger;
  /** TLS, basic auth and headers from --web.config.file; absent: plain HTTP, no auth. */
  readonly web?: WebGuard;
}

/** Probes that reveal nothing but "the process answers"; kubelet cannot send credentials. */
const PUBLIC_ROUTES = ['/healthz', '/readyz'];

export function buildServer(o: ServerOptions) {
  const web = o.web;
  // SECURITY.md promises 30 s for idle keep-alive connections too (Fastify's default is 72 s).
  const limits = { requestTimeoutMs: 30_000, connectionTimeoutMs: 30_000, keepAliveTimeoutMs: 30_000 };
  const app = Fastify({
    loggerInstance: o.log,
    // A line per scrape is noise at any level; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Scrapers send small requests; anything large or slow is not a scraper.
    bodyLimit: 1024,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    return503OnClosing: true,
    // The web config builds the HTTPS server itself so it can swap certificates on reload;
    // `https` (no options of its own) only makes Fastify log https:// addresses.
    ...(web?.tlsEnabled ? { https: {}, serverFactory: (handler: RequestListener) => web.createTlsServer(handler, limits) } : {}),
  });
  if (web) app.addHook('onRequest', web.onRequest(PUBLIC_ROUTES));

  const status = new StatusPage(o.latest, { version: o.version, telemetryPath: o.telemetryPath });

  app.get(o.telemetryPath, async (req, reply) => {
    const rendered = await o.exposition.render(negotiateFormat(req.headers.accept));
    void reply.header('content-type', rendered.contentType).header('vary', 'Accept, Accept-Encoding');
    if (acceptsGzip(req.headers['accept-encoding'])) {
      return reply.header('content-encoding', 'gzip').send(await rendered.gzipped());
    }
    return reply.send(rendered.body);
  });
  app.get('/', status.handler());
  app.get('/healthz', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  app.get('/readyz', async (_req, reply) => {
    const ready = o.ready();
    return reply
      .code(ready ? 200 : 503)
      .type('text/plain; charset=utf-8')
      .send(ready ? 'ready\n' : 'waiting for the first sample\n');
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
  });
  app.setErrorHandler((err, req, reply) => {
    const e = err as { statusCode?: number; message?: string };
    const status = e.statusCode ?? 500;
    if (status >= 500) o.log.error({ err, url: req.url }, 'request failed');
    // Never echo the request back: a fixed text per status class.
    void reply.code(status).type('text/plain; charset=utf-8').send(status >= 500 ? 'internal error\n' : 'bad request\n');
  });
  return app;
}
