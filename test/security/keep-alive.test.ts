/**
 * SECURITY.md: idle connections time out after 30 s. A keep-alive connection that got its
 * answer and then sends nothing is closed by the built exporter after 30 s (Fastify's
 * default would hold it 72 s), over plain HTTP and over TLS.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../support/certs.js';
import { createNetns, type Netns } from '../../lab/netns.js';
import { startWebConfigExporter, type TlsExporter } from '../support/tls-exporter.js';
import { writeWebConfig } from '../support/web-config.js';

const IDLE_CLIENT = fileURLToPath(new URL('./idle-client.mjs', import.meta.url));

let pki: TestPki;
let ns: Netns | undefined;
let plain: TlsExporter | undefined;
let tls: TlsExporter | undefined;

beforeAll(async () => {
  pki = makePki();
  ns = await createNetns('lq-idle');
  const plainFile = join(pki.dir, 'plain.yml');
  writeWebConfig(plainFile, { http_server_config: { headers: { 'X-Content-Type-Options': 'nosniff' } } });
  const tlsFile = join(pki.dir, 'tls.yml');
  writeWebConfig(tlsFile, { tls_server_config: { cert_file: 'server.crt', key_file: 'server.key' } });
  plain = await startWebConfigExporter(ns, plainFile, { scheme: 'http' });
  tls = await startWebConfigExporter(ns, tlsFile, { cacert: pki.caCert });
}, 60_000);

afterAll(async () => {
  await plain?.stop();
  await tls?.stop();
  await ns?.destroy();
  rmSync(pki.dir, { recursive: true, force: true });
});

async function idleMs(scheme: 'http' | 'https', port: number): Promise<number> {
  return Number((await ns!.run([process.execPath, IDLE_CLIENT, scheme, String(port)])).trim());
}

describe('idle keep-alive connections', () => {
  it('are closed 30 s after the last answer, over HTTP and TLS', async () => {
    const [h, s] = await Promise.all([idleMs('http', plain!.port), idleMs('https', tls!.port)]);
    for (const [what, ms] of [['http', h], ['https', s]] as const) {
      // Node checks keep-alive timers about once a second.
      expect(ms, what).toBeGreaterThanOrEqual(29_000);
      expect(ms, what).toBeLessThan(33_000);
    }
  }, 60_000);
});
