/**
 * Throw-away PKI for TLS tests, made with the openssl CLI (Debian package `openssl`): a CA,
 * a server certificate for 127.0.0.1, a client certificate from that CA, and a client
 * certificate from a second, untrusted CA. Extra leaves (RSA keys, chosen SANs, chosen
 * validity dates) are made on demand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Signed by a CA the exporter does not trust. */
  readonly rogueCert: string;
  readonly rogueKey: string;
}

function openssl(dir: string, args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('openssl not found: install the Debian package "openssl"');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const RSA = ['-newkey', 'rsa:2048', '-nodes'];

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

function leaf(dir: string, name: string, issuer: string, ext: string, keyArgs: readonly string[] = EC): void {
  openssl(dir, ['req', ...keyArgs, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`,
  ]);
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'listenq-pki-'));
  ca(dir, 'ca');
  ca(dir, 'rogue-ca');
  leaf(dir, 'server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth');
  leaf(dir, 'client', 'ca', 'subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth');
  leaf(dir, 'rogue', 'rogue-ca', 'subjectAltName=DNS:prometheus.test\nextendedKeyUsage=clientAuth');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
  };
}

export interface Leaf {
  readonly cert: string;
  readonly key: string;
}

const SERVER_EXT = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth';

/** A server certificate for 127.0.0.1 with an RSA key (RSA key exchange suites need one). */
export function rsaServerLeaf(pki: TestPki, name = 'rsa-server'): Leaf {
  leaf(pki.dir, name, 'ca', SERVER_EXT, RSA);
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}

/** A client certificate from the trusted CA with this subjectAltName extension value. */
export function clientLeafWithSan(pki: TestPki, name: string, san: string): Leaf {
  leaf(pki.dir, name, 'ca', `subjectAltName=${san}\nextendedKeyUsage=clientAuth`);
  return { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
}

const asn1Time = (d: Date) => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * A server certificate valid from `notBefore` to `notAfter` (in the past, for an expired
 * one): `openssl x509 -days` cannot go back in time, `openssl ca` takes both dates.
 */
export function datedServerLeaf(pki: TestPki, name: string, notBefore: Date, notAfter: Date): Leaf {
  const dir = pki.dir;
  openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  writeFileSync(join(dir, `${name}.ext`), `${SERVER_EXT}\n`);
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(
    join(dir, `${name}.cnf`),
    [
      '[ca]', 'default_ca = test', '[test]', `database = ${name}.index`, 'new_certs_dir = .', `serial = ${name}.serial`,
      'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
    ].join('\n'),
  );
  writeFileSync(join(dir, `${name}.serial`), '1000\n');
  openssl(dir, [
    'ca', '-batch', '-config', `${name}.cnf`, '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', `${name}.csr`,
    '-out', `${name}.crt`, '-notext', '-extfile', `${name}.ext`,
    '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter),
  ]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}
