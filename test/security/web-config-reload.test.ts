/**
 * --web.config.file is re-read while the exporter runs: a new password hash replaces the
 * old one, a broken file is logged and the previous config kept, client-certificate policy
 * and the server certificate change for new connections. Built exporter, own namespace.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../support/certs.js';
import { createNetns, type Netns, waitFor } from '../../lab/netns.js';
import { curl, type CurlOptions, type CurlResult, startWebConfigExporter, type TlsExporter } from '../support/tls-exporter.js';
import { HASHES, writeWebConfig } from '../support/web-config.js';

const USER = 'prometheus';
const OLD = HASHES.y;
const NEW = HASHES.a;

let pki: TestPki;
let file: string;
let ns: Netns | undefined;
let exporter: TlsExporter | undefined;

const tlsSection = (extra: Record<string, unknown> = {}) => ({ cert_file: 'server.crt', key_file: 'server.key', ...extra });

beforeAll(async () => {
  pki = makePki();
  file = join(pki.dir, 'web-config.yml');
  writeWebConfig(file, { tls_server_config: tlsSection(), basic_auth_users: { [USER]: OLD.hash } });
  ns = await createNetns('lq-reload');
  exporter = await startWebConfigExporter(ns, file, { cacert: pki.caCert });
}, 60_000);

afterAll(async () => {
  await exporter?.stop();
  await ns?.destroy();
  rmSync(pki.dir, { recursive: true, force: true });
});

const get = (o: CurlOptions): Promise<CurlResult> => curl(ns!, exporter!.port, '/metrics', { cacert: pki.caCert, ...o });

/** listenq_web_config_last_reload_successful and the last success time, as served now. */
async function reloadMetrics(): Promise<{ successful: number; lastSuccess: number }> {
  const body = (await get({ user: [USER, NEW.password] })).body;
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1] ?? Number.NaN);
  return {
    successful: value('listenq_web_config_last_reload_successful'),
    lastSuccess: value('listenq_web_config_last_reload_success_timestamp_seconds'),
  };
}

/** The metric follows at the next sample (every 200 ms here): scrapes do no file I/O. */
async function eventuallySuccessful(v: number): Promise<{ successful: number; lastSuccess: number }> {
  return waitFor(`listenq_web_config_last_reload_successful ${v}`, async () => {
    const m = await reloadMetrics();
    return m.successful === v ? m : undefined;
  }, 15_000, 250);
}

/** Reloads are polled (every 2 s), so wait for the new behaviour rather than sleeping. */
async function eventuallyStatus(what: string, o: CurlOptions, status: number): Promise<void> {
  await waitFor(what, async () => ((await get(o)).status === status ? true : undefined), 15_000, 250);
}

describe('reloading --web.config.file', () => {
  it('swaps the password hash: the old password is refused afterwards, the new one accepted', async () => {
    expect((await get({ user: [USER, OLD.password] })).status).toBe(200);
    expect((await get({ user: [USER, NEW.password] })).status).toBe(401);

    writeWebConfig(file, { tls_server_config: tlsSection(), basic_auth_users: { [USER]: NEW.hash } });
    await eventuallyStatus('the new password to work', { user: [USER, NEW.password] }, 200);
    // Refused although it was accepted (and cached) before the reload.
    expect((await get({ user: [USER, OLD.password] })).status).toBe(401);
    expect(exporter!.process.stderr()).toMatch(/web config reloaded/);
  });

  it('logs a broken new file, exports the failure, and keeps serving with the previous config', async () => {
    const before = await eventuallySuccessful(1);
    expect(before.lastSuccess).toBeGreaterThan(Date.now() / 1000 - 120);
    writeFileSync(file, 'basic_auth_users: [this is: not valid\n');
    await waitFor('the reload error in the log', async () =>
      /web config not reloaded; keeping the previous one/.test(exporter!.process.stderr()) ? true : undefined,
    );
    expect(exporter!.process.stderr()).toMatch(/not valid YAML/);
    expect(exporter!.process.child.exitCode).toBeNull();
    expect((await get({ user: [USER, NEW.password] })).status).toBe(200);
    expect((await get({ user: [USER, OLD.password] })).status).toBe(401);
    // Visible to Prometheus, not only in the log; the last success is still the old one.
    expect(await eventuallySuccessful(0)).toEqual({ successful: 0, lastSuccess: before.lastSuccess });

    // Switching TLS off cannot be done in place: also refused, also kept.
    const logged = exporter!.process.stderr().length;
    writeWebConfig(file, { basic_auth_users: { [USER]: NEW.hash } });
    await waitFor('the TLS-off refusal in the log', async () =>
      exporter!.process.stderr().slice(logged).includes('turning TLS on or off needs a restart') ? true : undefined,
    );
    expect((await get({ user: [USER, NEW.password] })).status).toBe(200);
    expect((await reloadMetrics()).successful).toBe(0);
  });

  it('applies a new client_auth_type to new connections', async () => {
    writeWebConfig(file, {
      tls_server_config: tlsSection({ client_ca_file: 'ca.crt', client_auth_type: 'RequireAndVerifyClientCert' }),
      basic_auth_users: { [USER]: NEW.hash },
    });
    await waitFor(
      'connections without a client certificate to be refused',
      async () => ((await get({ user: [USER, NEW.password] })).status === 0 ? true : undefined),
      15_000,
      250,
    );
    const withCert = await get({ cert: pki.clientCert, key: pki.clientKey, user: [USER, NEW.password] });
    expect(withCert.status).toBe(200);
    // A good file again: the failure clears by itself.
    const m = await waitFor('the recovered reload status', async () => {
      const body = (await get({ cert: pki.clientCert, key: pki.clientKey, user: [USER, NEW.password] })).body;
      return /^listenq_web_config_last_reload_successful 1$/m.test(body) ? body : undefined;
    }, 15_000, 250);
    expect(m).toMatch(/^listenq_web_config_last_reload_success_timestamp_seconds \d/m);
    expect((await get({ cert: pki.rogueCert, key: pki.rogueKey, user: [USER, NEW.password] })).status).toBe(0);
  });

  it('picks up a rotated server certificate without a restart', async () => {
    const subject = async () => {
      const out = await ns!.run([
        'sh',
        '-c',
        `openssl s_client -connect 127.0.0.1:${exporter!.port} -CAfile ${pki.caCert} -cert ${pki.clientCert} -key ${pki.clientKey} </dev/null 2>/dev/null | openssl x509 -noout -subject`,
      ]);
      return out.trim();
    };
    expect(await subject()).toMatch(/CN ?= ?server$/);
    // The certificate file changes, the config file does not: the PEM files are watched too.
    // Key first: until the new certificate lands the pair mismatches and is not loaded.
    copyFileSync(pki.clientKey, join(pki.dir, 'server.key'));
    writeFileSync(join(pki.dir, 'server.crt'), readFileSync(pki.clientCert));
    await waitFor('the new certificate to be served', async () => ((await subject()).match(/CN ?= ?client$/) ? true : undefined), 15_000, 250);
  });
});
