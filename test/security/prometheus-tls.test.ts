/**
 * Issue 6, Security: a real Prometheus scrapes the built exporter over TLS with a client
 * certificate (RequireAndVerifyClientCert) and basic auth, and every way in without the
 * right certificate or password is refused. All inside a network namespace this test makes.
 *
 * Needs root, iproute2, curl, openssl and the Debian `prometheus` package; a missing tool
 * fails the test.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../support/certs.js';
import { createNetns, type Netns, waitFor } from '../../lab/netns.js';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { curl, startWebConfigExporter, type TlsExporter } from '../support/tls-exporter.js';
import { HASHES, writeWebConfig } from '../support/web-config.js';

const USER = 'prometheus';
const PASSWORD = HASHES.y.password;
const PROM_PORT = 9090;

let pki: TestPki;
let ns: Netns | undefined;
let exporter: TlsExporter | undefined;
let prom: RunningPrometheus | undefined;

beforeAll(async () => {
  pki = makePki();
  const webConfig = join(pki.dir, 'web-config.yml');
  writeWebConfig(webConfig, {
    tls_server_config: {
      cert_file: 'server.crt',
      key_file: 'server.key',
      client_ca_file: 'ca.crt',
      client_auth_type: 'RequireAndVerifyClientCert',
      client_allowed_sans: ['prometheus.test'],
      min_version: 'TLS12',
    },
    basic_auth_users: { [USER]: HASHES.y.hash },
  });
  ns = await createNetns('lq-sec');
  exporter = await startWebConfigExporter(ns, webConfig, { cacert: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
  const target = { static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }], scheme: 'https' };
  const tls = { ca_file: pki.caCert, cert_file: pki.clientCert, key_file: pki.clientKey };
  prom = await startPrometheus(ns, {
    scrapeConfigs: [
      { job_name: 'good', ...target, tls_config: tls, basic_auth: { username: USER, password: PASSWORD } },
      { job_name: 'wrong-password', ...target, tls_config: tls, basic_auth: { username: USER, password: 'guess' } },
      { job_name: 'no-client-cert', ...target, tls_config: { ca_file: pki.caCert }, basic_auth: { username: USER, password: PASSWORD } },
    ],
    port: PROM_PORT,
  });
}, 90_000);

afterAll(async () => {
  await prom?.stop();
  await exporter?.stop();
  await ns?.destroy();
  rmSync(pki.dir, { recursive: true, force: true });
});

async function upByJob(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await prom!.query('up')) out[s.metric['job']!] = s.value;
  return out;
}

describe('Prometheus scraping through --web.config.file', () => {
  it('scrapes over TLS with a client certificate and basic auth; wrong password and no certificate get up == 0', async () => {
    // The first scrape lands a few seconds after Prometheus starts.
    const up = await waitFor(
      'all three jobs scraped once',
      async () => {
        const u = await upByJob();
        return Object.keys(u).length === 3 ? u : undefined;
      },
      45_000,
      500,
    );
    expect(up).toEqual({ good: 1, 'wrong-password': 0, 'no-client-cert': 0 });

    // Real numbers came through: the kernel's view of Prometheus's own listener.
    const limit = await waitFor('listenq_accept_queue_limit of :9090', async () => {
      const r = await prom!.query(`listenq_accept_queue_limit{job="good",port="${PROM_PORT}"}`);
      return r.length === 1 ? r[0]! : undefined;
    });
    expect(limit.metric['address']).toBe('127.0.0.1');
    expect(limit.value).toBeGreaterThan(0);
    expect(await prom!.query('listenq_listeners{job="wrong-password"}')).toEqual([]);
  });

  const ok = () => ({ cacert: pki.caCert, cert: pki.clientCert, key: pki.clientKey, user: [USER, PASSWORD] as const });

  it('serves /metrics to the right certificate and password', async () => {
    const r = await curl(ns!, exporter!.port, '/metrics', ok());
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^listenq_listeners\{family="ipv4"\} \d+$/m);
  });

  it('answers 401 with WWW-Authenticate: Basic to a wrong password, an unknown user or no credentials', async () => {
    for (const user of [[USER, 'guess'], ['admin', PASSWORD], undefined] as const) {
      const r = await curl(ns!, exporter!.port, '/metrics', { ...ok(), user });
      expect(r.status, JSON.stringify(user)).toBe(401);
      expect(r.wwwAuthenticate).toMatch(/^Basic /);
      expect(r.body).not.toContain('listenq_');
    }
  });

  it('refuses the TLS connection without a client certificate, even with the right password', async () => {
    for (const path of ['/metrics', '/healthz']) {
      const r = await curl(ns!, exporter!.port, path, { cacert: pki.caCert, user: [USER, PASSWORD] });
      expect(r.status).toBe(0);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/certificate required|alert|reset|closed/i);
    }
  });

  it('refuses a client certificate from another CA', async () => {
    const r = await curl(ns!, exporter!.port, '/metrics', { ...ok(), cert: pki.rogueCert, key: pki.rogueKey });
    expect(r.status).toBe(0);
    expect(r.exitCode).not.toBe(0);
  });

  it('speaks no plain HTTP on the TLS port', async () => {
    const r = await curl(ns!, exporter!.port, '/metrics', { scheme: 'http', user: [USER, PASSWORD] });
    expect(r.status === 0 || r.status === 400).toBe(true);
    expect(r.body).not.toContain('listenq_');
  });

  it('keeps /healthz open to a valid certificate without a password (kubelet-style probes)', async () => {
    const r = await curl(ns!, exporter!.port, '/healthz', { cacert: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    expect(r.status).toBe(200);
  });
});
