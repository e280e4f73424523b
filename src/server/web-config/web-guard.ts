/**
 * Applies a loaded --web.config.file to the HTTP server: builds the TLS server, checks
 * client certificates and basic auth, adds the configured headers, and swaps all of it
 * when the files change. A new file that does not load is logged, counted in the reload
 * status (listenq_web_config_last_reload_successful) and the old one kept.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestListener } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { BasicAuth } from './basic-auth.js';
import { clientKey } from './bcrypt-queue.js';
import { certificateExpiry, type ExpiryState } from './cert-expiry.js';
import { refusal, verifyMode } from './client-cert-policy.js';
import { type LoadedWebConfig, loadWebConfig, watchedFiles } from './load.js';
import type { TlsMaterial } from './tls-material.js';
import { WebConfigError } from './types.js';
import { digestNow, watchFiles } from './watch.js';

const RELOAD_POLL_MS = 2000;
/** A client that has not finished its handshake by then is not a scraper. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A certificate that has not expired at start can expire while the exporter runs. */
const EXPIRY_CHECK_MS = 3_600_000;

interface ServerLimits {
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** The outcome of the last load of the file, as Prometheus reports its own config reloads. */
interface ReloadStatus {
  readonly successful: boolean;
  /** Unix seconds of the last successful load (start-up counts). */
  readonly lastSuccessSeconds: number;
}

export class WebGuard {
  private readonly auth: BasicAuth;
  private headers: ReadonlyMap<string, string>;
  private tls: TlsMaterial | undefined;
  private readonly servers = new Set<https.Server>();
  private stopWatching: (() => void) | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiryState: ExpiryState = 'valid';
  private status: ReloadStatus;
  /** Digest of the files as loaded: the watcher's starting point. */
  private readonly loadedDigest: string;

  constructor(
    private current: LoadedWebConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.auth = new BasicAuth(current.config.users);
    this.headers = current.config.headers;
    this.tls = current.tls;
    this.status = { successful: true, lastSuccessSeconds: this.now() / 1000 };
    // Taken in the same synchronous run as the load in main.ts, so an edit made while the
    // exporter starts is still seen as a change.
    this.loadedDigest = digestNow(watchedFiles(current.path));
    for (const w of current.warnings) log.warn({ file: current.path }, w);
    log.info(this.summary(), 'web config loaded');
    this.checkExpiry();
  }

  get reloadStatus(): ReloadStatus {
    return this.status;
  }

  get tlsEnabled(): boolean {
    return this.tls !== undefined;
  }

  /** The HTTPS server Fastify runs on when TLS is configured; keeps it to swap certificates. */
  createTlsServer(handler: RequestListener, limits: ServerLimits): https.Server {
    const tls = this.tls;
    if (!tls) throw new Error('createTlsServer without TLS in the web config');
    const server = https.createServer(
      { ...tls.context, ...verifyMode(tls.clientAuth), handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      handler,
    );
    // What Fastify sets on servers it makes itself.
    server.requestTimeout = limits.requestTimeoutMs;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(limits.connectionTimeoutMs);
    server.on('secureConnection', (socket: TLSSocket) => this.screen(socket));
    server.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'));
    this.servers.add(server);
    return server;
  }

  /** Fastify onRequest hook: configured headers on every answer, then basic auth. */
  onRequest(publicRoutes: readonly string[]) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      for (const [name, value] of this.headers) reply.header(name, value);
      if (!this.auth.enabled || publicRoutes.includes(req.routeOptions.url ?? '')) return undefined;
      const result = await this.auth.check(req.headers.authorization, clientKey(req.socket.remoteAddress));
      if (result === 'ok') return undefined;
      if (result === 'busy') {
        return reply.code(429).header('retry-after', '1').type('text/plain; charset=utf-8').send('too many authentication attempts\n');
      }
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="listenq-exporter", charset="UTF-8"')
        .type('text/plain; charset=utf-8')
        .send('unauthorized\n');
    };
  }

  /** Re-reads the file; throws WebConfigError (old config kept) when the new one is unusable. */
  reload(): void {
    const next = loadWebConfig(this.current.path);
    // Fastify's server is HTTP or HTTPS from its creation on.
    if ((next.tls === undefined) !== (this.tls === undefined)) {
      throw new WebConfigError('turning TLS on or off needs a restart');
    }
    if (next.tls) {
      for (const server of this.servers) {
        server.setSecureContext(next.tls.context);
        // Node reads these server fields for each new connection; they are not part of the
        // secure context, so setSecureContext leaves them alone.
        Object.assign(server, verifyMode(next.tls.clientAuth));
      }
    }
    this.tls = next.tls;
    this.auth.swap(next.config.users);
    this.headers = next.config.headers;
    this.current = next;
    for (const w of next.warnings) this.log.warn({ file: next.path }, w);
  }

  /** reload(), with its outcome logged and kept for the reload-status metric. */
  tryReload(): void {
    try {
      this.reload();
    } catch (err) {
      const why = err instanceof WebConfigError ? err.message : String(err);
      this.status = { ...this.status, successful: false };
      this.log.error({ file: this.current.path, err: why }, 'web config not reloaded; keeping the previous one');
      return;
    }
    this.status = { successful: true, lastSuccessSeconds: this.now() / 1000 };
    this.log.info(this.summary(), 'web config reloaded');
    // Every load says it again; between loads, only a change of state is logged.
    this.expiryState = 'valid';
    this.checkExpiry();
  }

  watch(intervalMs = RELOAD_POLL_MS): void {
    this.stopWatching?.();
    this.stopWatching = watchFiles(() => watchedFiles(this.current.path), intervalMs, () => this.tryReload(), this.loadedDigest);
    clearInterval(this.expiryTimer);
    this.expiryTimer = setInterval(() => this.checkExpiry(), EXPIRY_CHECK_MS);
    this.expiryTimer.unref();
  }

  close(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    clearInterval(this.expiryTimer);
    this.auth.close();
  }

  /** Warns when the state changes: valid -> expiring soon -> expired (hourly, and at every load). */
  private checkExpiry(): void {
    const tls = this.tls;
    if (!tls) return;
    const e = certificateExpiry(tls.validity, this.now());
    const changed = e.state !== this.expiryState;
    this.expiryState = e.state;
    if (!changed || e.state === 'valid') return;
    const fields = { file: this.current.path, not_after: tls.validity.notAfter.toISOString(), days_left: e.daysLeft };
    if (e.state === 'expired') this.log.error(fields, 'the TLS server certificate has expired; scrapers that verify it will fail');
    else this.log.warn(fields, 'the TLS server certificate expires soon; renew it');
  }

  private screen(socket: TLSSocket): void {
    const tls = this.tls;
    if (!tls) return;
    const cert = socket.getPeerCertificate();
    const present = cert !== null && Object.keys(cert).length > 0;
    const why = refusal(tls.clientAuth, tls.allowedSans, {
      present,
      authorized: socket.authorized,
      subjectAltName: present ? cert.subjectaltname : undefined,
    });
    if (why === undefined) return;
    this.log.debug({ remote: socket.remoteAddress, why }, 'TLS connection refused');
    // end() closes the TLS session with a close_notify alert; destroy() would only drop TCP.
    // Node's handshake cannot be failed with bad_certificate (its verify callback accepts
    // every certificate and decides afterwards), so this is the closest to Go's refusal.
    // Nothing more is read from a refused client, and once the alert is out it is gone.
    socket.pause();
    socket.end(() => socket.destroy());
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
  }

  private summary() {
    return {
      file: this.current.path,
      tls: this.tls ? this.tls.clientAuth : 'off',
      basic_auth_users: this.current.config.users.size,
    };
  }
}
