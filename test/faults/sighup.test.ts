/**
 * SIGHUP, as sent by `kill -HUP`, systemd's ExecReload or a closing terminal: the built
 * exporter, a real signal, its log. Without a web config it logs and keeps serving; with
 * one it re-reads the file at once, and a broken file is logged while the old one stays.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { createNetns, type Netns, waitFor } from '../../lab/netns.js';
import { curl } from '../support/tls-exporter.js';
import { startWebConfigExporter } from '../support/tls-exporter.js';
import { HASHES, writeWebConfig } from '../support/web-config.js';

let ns: Netns;
let dir: string;
beforeEach(async () => {
  ns = await createNetns('lq-hup');
  dir = mkdtempSync(join(tmpdir(), 'lq-hup-'));
});
afterEach(async () => {
  await ns.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves when the process's stderr matches, failing early if it exits. */
function logged(p: { child: import('node:child_process').ChildProcess; stderr(): string }, re: RegExp): Promise<true> {
  return waitFor(`log line ${re}`, async () => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(`exporter exited (${p.child.exitCode ?? p.child.signalCode}): ${p.stderr()}`);
    }
    return re.test(p.stderr()) ? true : undefined;
  }, 5000, 50);
}

describe('SIGHUP', () => {
  it('without a web config: logged, and the exporter keeps running and serving', async () => {
    const exp = await startExporter(ns);
    const samplesBefore = (await exp.metrics()).find((s) => s.name === 'listenq_samples_total')!.value;
    exp.process.child.kill('SIGHUP');
    await logged(exp.process, /SIGHUP: nothing to reload/);
    // A second one too: nothing is one-shot.
    exp.process.child.kill('SIGHUP');
    await waitFor('a second SIGHUP line', async () => ((exp.process.stderr().match(/SIGHUP: nothing to reload/g) ?? []).length === 2 ? true : undefined), 5000, 50);
    // Still sampling and answering afterwards.
    await waitFor('a later sample', async () => {
      const s = (await exp.metrics()).find((x) => x.name === 'listenq_samples_total')!.value;
      return s > samplesBefore ? true : undefined;
    });
    expect(exp.process.child.exitCode).toBeNull();
    expect(exp.process.child.signalCode).toBeNull();
  });

  it('with a web config: re-reads it at once; a broken file is logged and the old config kept', async () => {
    const file = join(dir, 'web-config.yml');
    writeWebConfig(file, { basic_auth_users: { prometheus: HASHES.y.hash } });
    const exp = await startWebConfigExporter(ns, file, { scheme: 'http' });
    const get = (password: string) => curl(ns, exp.port, '/metrics', { scheme: 'http', user: ['prometheus', password] });
    expect((await get(HASHES.y.password)).status).toBe(200);

    writeWebConfig(file, { basic_auth_users: { prometheus: HASHES.a.hash } });
    exp.process.child.kill('SIGHUP');
    await logged(exp.process, /web config reloaded on SIGHUP/);
    expect((await get(HASHES.a.password)).status).toBe(200);
    expect((await get(HASHES.y.password)).status).toBe(401);

    writeFileSync(file, 'basic_auth_users: [this is: not valid\n');
    exp.process.child.kill('SIGHUP');
    await logged(exp.process, /web config not reloaded on SIGHUP; keeping the previous one/);
    expect((await get(HASHES.a.password)).status).toBe(200);
    expect(exp.process.child.exitCode).toBeNull();
    await exp.stop();
  });
});
