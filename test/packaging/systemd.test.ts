/**
 * deploy/systemd/listenq-exporter.service: systemd's own checks of the unit, and the
 * unit's ExecStart run under its restrictions (as far as they apply without systemd, see
 * systemd-sandbox.ts) in a test namespace with a real listener, giving correct metrics.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startExporter } from '../support/exporter.js';
import { valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, PYTHON, waitFor } from '../../lab/netns.js';
import {
  DYNAMIC_UID,
  execStart,
  sandboxed,
  SERVICE_ENV,
  serviceSettings,
  setting,
  SYSTEM_PYTHON,
  UNIT_PATH,
  unitLauncher,
} from './systemd-sandbox.js';

const execFileP = promisify(execFile);
const unit = serviceSettings(readFileSync(UNIT_PATH, 'utf8'));

describe('systemd unit', () => {
  it('passes systemd-analyze verify', async () => {
    const { stdout, stderr } = await execFileP('systemd-analyze', ['verify', '--man=no', UNIT_PATH]);
    expect(`${stdout}${stderr}`).toBe('');
  });

  it('rates an exposure of 2.5 or lower in systemd-analyze security --offline=yes', async () => {
    const { stdout } = await execFileP('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT_PATH]);
    const m = /Overall exposure level for listenq-exporter\.service: (\d+\.\d)/.exec(stdout);
    expect(m, stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.5);
  });

  it('asks for the hardening the install doc promises', () => {
    expect(setting(unit, 'DynamicUser')).toBe('yes');
    expect(setting(unit, 'CapabilityBoundingSet')).toBe('');
    expect(setting(unit, 'AmbientCapabilities')).toBe('');
    expect(setting(unit, 'NoNewPrivileges')).toBe('yes');
    expect(setting(unit, 'ProtectSystem')).toBe('strict');
    expect(setting(unit, 'ProtectHome')).toBe('yes');
    expect(setting(unit, 'PrivateTmp')).toBe('yes');
    expect(setting(unit, 'RestrictAddressFamilies')).toBe('AF_UNIX AF_INET AF_INET6 AF_NETLINK');
    expect(unit.get('SystemCallFilter')?.[0]).toBe('@system-service');
    expect(execStart(unit)).toEqual(['/usr/bin/node', '/opt/listenq-exporter/dist/main.js']);
    // See the next test and docs/systemd.md.
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('leaves MemoryDenyWriteExecute off: Node aborts under it (V8 makes JIT pages executable)', async () => {
    // PR_SET_MDWE with PR_MDWE_REFUSE_EXEC_GAIN is the kernel's form of that setting.
    const mdwe = 'import ctypes,os,sys\nassert ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) == 0\nos.execv(sys.argv[1], sys.argv[1:])';
    const node = execStart(unit)[0]!;
    const crashed = await execFileP(PYTHON, ['-c', mdwe, node, '-e', 'for (let i = 0; i < 1e6; i++) JSON.stringify({ i })']).then(
      () => undefined,
      (err: { code?: number; signal?: string; stderr?: string }) => err,
    );
    expect(crashed?.stderr).toMatch(/SetPermissions/);
    // Without the restriction the same program runs.
    await execFileP(node, ['-e', 'for (let i = 0; i < 1e6; i++) JSON.stringify({ i })']);
  });
});

describe("the unit's ExecStart under its restrictions", () => {
  let ns: Netns;
  beforeEach(async () => {
    ns = await createNetns();
  });
  afterEach(async () => {
    await ns.destroy();
  });

  it('the sandbox refuses what the unit forbids', async () => {
    const probe = [
      'import errno, os, socket',
      'def err(f):',
      '    try:',
      '        f()',
      '        return "ok"',
      '    except OSError as e:',
      '        return errno.errorcode[e.errno]',
      'print(err(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)))',
      'print(err(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)))',
      'print(err(lambda: os.setpriority(os.PRIO_PROCESS, 0, 5)))',
      'print(err(lambda: open("/etc/lq-probe", "w")))',
      'print(err(lambda: open("/tmp/lq-probe", "w")))',
      'print(os.getuid(), oct(os.umask(0)))',
    ].join('\n');
    const out = await ns.run(['env', '-i', `PATH=${SERVICE_ENV.PATH}`, ...sandboxed(unit, [SYSTEM_PYTHON, '-c', probe])]);
    expect(out.trim().split('\n')).toEqual([
      'EAFNOSUPPORT', // RestrictAddressFamilies
      'ok', // AF_NETLINK sock_diag, as ss needs
      'EPERM', // SystemCallFilter=~@resources
      'EROFS', // ProtectSystem=strict
      'ok', // PrivateTmp
      `${DYNAMIC_UID} 0o77`,
    ]);
  });

  it('loads a native N-API addon from the install directory', async () => {
    // The exporter's own addon (setns, sock_diag) will live there; any prebuilt one shows
    // that dlopen works on the read-only system under the syscall filter.
    const modules = realpathSync(fileURLToPath(new URL('../../node_modules', import.meta.url)));
    const addon = (await execFileP('find', [modules, '-name', '*.node', '-type', 'f'])).stdout.split('\n')[0];
    expect(addon, 'a prebuilt .node addon in node_modules').toMatch(/\.node$/);
    const inInstall = addon!.replace(modules, '/opt/listenq-exporter/node_modules');
    const [node, main] = execStart(unit);
    expect(main!.startsWith('/opt/listenq-exporter/')).toBe(true);
    const code = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(inInstall)}); console.log(typeof m.exports)`;
    const out = await ns.run(['env', '-i', `PATH=${SERVICE_ENV.PATH}`, ...sandboxed(unit, [node!, '-e', code])]);
    expect(out.trim()).toBe('object');
  });

  it('exports correct lengths, limits and counters', async () => {
    const l = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    await connectClients(ns, '127.0.0.1', l.port, 3);
    const exp = await startExporter(ns, [], SERVICE_ENV, unitLauncher(unit));
    const sel = { address: '127.0.0.1', port: String(l.port) };
    const m = await waitFor('length 3', async () => {
      const s = await exp.metrics();
      return valueOf(s, 'listenq_accept_queue_length', sel) === 3 ? s : undefined;
    });
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(4);
    // The exporter's own sock_diag addon, loaded from the install directory, serves the listeners.
    for (const source of ['sock_diag', 'netstat', 'sysctl', 'syn_recv']) expect(valueOf(m, 'listenq_source_up', { source }), source).toBe(1);
    expect(valueOf(m, 'listenq_listener_drops_total', sel)).toBe(0);
    expect(valueOf(m, 'listenq_somaxconn')).toBe(4096);
    expect(valueOf(m, 'listenq_listen_overflows_total')).toBe(0);
    expect((await exp.get('/')).body).toMatch(new RegExp(`^127\\.0\\.0\\.1:${l.port} `, 'm'));

    // The process really ran as the unit says: user, capabilities, seccomp, mounts.
    const pid = exp.process.child.pid;
    const status = await ns.run(['cat', `/proc/${pid}/status`]);
    expect(status).toMatch(new RegExp(`^Uid:\\s+${DYNAMIC_UID}\\s`, 'm'));
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(status).toMatch(new RegExp(`^${set}:\\s+0+$`, 'm'));
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    // PrivateUsers: a user namespace of its own.
    expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync('/proc/self/ns/user'));
    const cmdline = (await ns.run(['cat', `/proc/${pid}/cmdline`])).split('\0');
    expect(cmdline.slice(0, 2)).toEqual(execStart(unit));
    const mounts = (await ns.run(['cat', `/proc/${pid}/mountinfo`])).trim().split('\n').map((line) => line.split(' '));
    const writable = mounts.filter((f) => !f[5]!.split(',').includes('ro')).map((f) => f[4]);
    // /proc itself stays writable, as under systemd: ProtectKernelTunables makes /proc/sys
    // and the like read-only, not a process's own files.
    expect(writable.sort()).toEqual(['/proc', '/tmp', '/var/tmp']);
    expect(mounts.find((f) => f[4] === '/proc/sys')?.[5]?.split(',')).toContain('ro');
  });
});
