/**
 * A --web.config.file that does not load stops the exporter before anything starts: exit
 * code 2 and one line on stderr naming the flag and the problem, as for a bad flag. Run in
 * a namespace of its own so "nothing listens" can be checked with ss.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/config/parse-args.js';
import { makePki, type TestPki } from '../support/certs.js';
import { EXPORTER_MAIN } from '../support/exporter.js';
import { createNetns, type Netns } from '../../lab/netns.js';
import { HASHES, writeWebConfig } from '../support/web-config.js';

const PORT = 19839;
let pki: TestPki;
let ns: Netns | undefined;

beforeAll(async () => {
  pki = makePki();
  ns = await createNetns('lq-webstart');
});
afterAll(async () => {
  await ns?.destroy();
  rmSync(pki.dir, { recursive: true, force: true });
});

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  const [cmd, ...rest] = [...ns!.enter, process.execPath, EXPORTER_MAIN, `--web.listen-address=127.0.0.1:${PORT}`, ...args];
  return new Promise((resolve) => {
    execFile(cmd!, rest, { env, encoding: 'utf8', timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr });
    });
  });
}

describe('an unusable --web.config.file at start', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(pki.dir, 'absent.yml'), /cannot read the file: ENOENT/],
    [
      'invalid YAML',
      () => {
        const f = join(pki.dir, 'bad-yaml.yml');
        writeFileSync(f, 'tls_server_config: [\n');
        return f;
      },
      /not valid YAML/,
    ],
    [
      'a password that is not a bcrypt hash',
      () => {
        const f = join(pki.dir, 'plain-password.yml');
        writeWebConfig(f, { basic_auth_users: { prometheus: HASHES.y.password } });
        return f;
      },
      /basic_auth_users\.prometheus: not a bcrypt hash/,
    ],
    [
      'a bcrypt cost that would wedge every login (31)',
      () => {
        const f = join(pki.dir, 'cost-31.yml');
        writeWebConfig(f, { basic_auth_users: { prometheus: HASHES.y.hash.replace('$10$', '$31$') } });
        return f;
      },
      /basic_auth_users\.prometheus: bcrypt cost 31 is above 14, the most this exporter accepts/,
    ],
    [
      'an invented cipher suite',
      () => {
        const f = join(pki.dir, 'invented-cipher.yml');
        writeWebConfig(f, { tls_server_config: { cert_file: 'server.crt', key_file: 'server.key', cipher_suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048'] } });
        return f;
      },
      /tls_server_config\.cipher_suites\[0\]: unknown cipher "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048"/,
    ],
    [
      'a key that does not match the certificate',
      () => {
        const f = join(pki.dir, 'mismatch.yml');
        writeWebConfig(f, { tls_server_config: { cert_file: 'server.crt', key_file: 'client.key' } });
        return f;
      },
      /tls_server_config: certificate and key do not load/,
    ],
  ];

  it.each(cases)('exits 2 with one line for %s, listening on nothing', async (_what, make, why) => {
    const file = make();
    const r = await run([`--web.config.file=${file}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^listenq-exporter: invalid --web\.config\.file "/);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(why);
    expect(r.stderr).not.toContain(HASHES.y.password);
    expect((await ns!.run(['ss', '-ltnH'])).trim()).toBe('');
  });

  it('reads the file from LISTENQ_WEB_CONFIG_FILE too', async () => {
    const r = await run([], { ...process.env, LISTENQ_WEB_CONFIG_FILE: join(pki.dir, 'absent.yml') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^listenq-exporter: invalid --web\.config\.file .*ENOENT\n$/);
  });

  it('treats an empty value as "no web config"', () => {
    const o = parseArgs(['--web.config.file='], {});
    expect(o.kind === 'run' && o.config.webConfigFile).toBe(undefined);
    const set = parseArgs(['--web.config.file=/etc/web.yml'], {});
    expect(set.kind === 'run' && set.config.webConfigFile).toBe('/etc/web.yml');
  });
});
