/**
 * Basic auth and configured headers on the real Fastify app (in process, no TLS): every
 * route but the two probes needs credentials, and nothing is served before the check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exposition } from '../../src/metrics/exposition.js';
import { buildServer } from '../../src/server/http-server.js';
import { loadWebConfig } from '../../src/server/web-config/load.js';
import { WebGuard } from '../../src/server/web-config/web-guard.js';
import { silentLog } from '../support/in-process.js';
import { basicHeader, HASHES, writeWebConfig } from '../support/web-config.js';

const dir = mkdtempSync(join(tmpdir(), 'listenq-auth-'));
const file = join(dir, 'web.yml');
writeWebConfig(file, {
  basic_auth_users: { prometheus: HASHES.y.hash },
  http_server_config: { headers: { 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff' } },
});
const web = new WebGuard(loadWebConfig(file), silentLog);
const app = buildServer({
  telemetryPath: '/metrics',
  version: '0.0.0-test',
  exposition: new Exposition(() => undefined, { version: '0.0.0-test', host: () => undefined }),
  latest: () => undefined,
  ready: () => true,
  log: silentLog,
  web,
});
const good = { authorization: basicHeader('prometheus', HASHES.y.password) };

beforeAll(() => app.ready());
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('basic auth on the HTTP server', () => {
  it.each(['/metrics', '/', '/no-such-page', '/metrics?x=1'])('refuses %s without credentials, asking for Basic', async (url) => {
    const r = await app.inject({ url });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic realm="listenq-exporter"/);
    expect(r.body).toBe('unauthorized\n');
  });

  it('refuses a wrong password and an unknown user', async () => {
    expect((await app.inject({ url: '/metrics', headers: { authorization: basicHeader('prometheus', 'wrong') } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: { authorization: basicHeader('root', HASHES.y.password) } })).statusCode).toBe(401);
  });

  it('serves metrics and the landing page with the right password', async () => {
    const m = await app.inject({ url: '/metrics', headers: good });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain('listenq_');
    expect((await app.inject({ url: '/', headers: good })).statusCode).toBe(200);
    expect((await app.inject({ url: '/no-such-page', headers: good })).statusCode).toBe(404);
  });

  it('leaves /healthz and /readyz open for probes (docs/decisions.md)', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(200);
    }
    // Only the exact routes: a look-alike path is not a probe.
    expect((await app.inject({ url: '/healthz/' })).statusCode).toBe(401);
  });

  it('adds the configured headers to every answer, refusals included', async () => {
    for (const r of [await app.inject({ url: '/metrics' }), await app.inject({ url: '/metrics', headers: good }), await app.inject({ url: '/healthz' })]) {
      expect(r.headers['x-frame-options']).toBe('deny');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('builds no TLS server for a config without tls_server_config', () => {
    expect(web.tlsEnabled).toBe(false);
  });
});
