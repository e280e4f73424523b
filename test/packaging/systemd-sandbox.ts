/**
 * The restrictions of deploy/systemd/listenq-exporter.service applied without systemd (the
 * test machines do not run it as PID 1), read from the unit file itself so the two cannot
 * drift:
 * - DynamicUser, no capabilities, NoNewPrivileges, UMask: setpriv and umask;
 * - PrivateUsers: a user namespace where only the service's own uid is mapped (a new user
 *   namespace starts with every capability in it; they are dropped again inside);
 * - ProtectSystem=strict, PrivateTmp, ProtectHome, PrivateDevices, ProtectProc=invisible:
 *   a private mount namespace (unshare) where every mount but /proc is read-only, /tmp and /var/tmp
 *   are fresh, home directories are empty, /dev holds only the basic nodes and /proc hides
 *   other users' processes;
 * - SystemCallFilter, SystemCallErrorNumber, SystemCallArchitectures=native and
 *   RestrictAddressFamilies: a seccomp filter built here from `systemd-analyze
 *   syscall-filter`'s own group lists, installed by a few lines of Python before exec.
 * Read-only /proc/sys (and the like) and /sys stand in for ProtectKernelTunables and
 * ProtectControlGroups.
 * Not applied: PrivateIPC, RestrictNamespaces, LockPersonality, SecureBits,
 * KeyringMode, RestrictRealtime, RestrictSUIDSGID, ProtectClock, ProtectHostname and
 * ProtectKernelModules/Logs: they take away what the exporter never uses, and need
 * systemd (or a user namespace) to set up.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Launcher } from '../support/exporter.js';

export const UNIT_PATH = fileURLToPath(new URL('../../deploy/systemd/listenq-exporter.service', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Debian's python3 (.ci/run installs it): an interpreter under a home directory, as a
 * version manager puts it, is hidden by ProtectHome like everything else there.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** A uid in systemd's DynamicUser range (61184-65519) that owns nothing on the host. */
export const DYNAMIC_UID = 61234;

/** The [Service] section's settings, each with every value it was given, in order. */
export function serviceSettings(unitText: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a setting: ${line}`);
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

export function setting(s: Map<string, string[]>, key: string): string {
  const values = s.get(key);
  if (!values || values.length !== 1) throw new Error(`${key} set ${values?.length ?? 0} times in the unit`);
  return values[0]!;
}

/** ExecStart as argv; quoting, variables and specifiers would need systemd's own parser. */
export function execStart(s: Map<string, string[]>): string[] {
  const line = setting(s, 'ExecStart');
  if (/["'\\$%;]/.test(line)) throw new Error(`ExecStart needs a real systemd parser: ${line}`);
  return line.split(/\s+/).filter((w) => w !== '');
}

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const NR_SOCKET_X86_64 = 41;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const EAFNOSUPPORT = 97;
const ERRNO: Readonly<Record<string, number>> = { EPERM: 1, EACCES: 13 };
const FAMILIES: Readonly<Record<string, number>> = { AF_UNIX: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16, AF_PACKET: 17 };

function syscallNumbers(): Map<string, number> {
  // linux-libc-dev's table for x86_64.
  const text = readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
  return new Map([...text.matchAll(/^#define __NR_(\w+) (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/** A syscall group (`@system-service`) as names, nested groups expanded, from systemd itself. */
function groupNames(group: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(group)) return out;
  seen.add(group);
  const text = execFileSync('systemd-analyze', ['syscall-filter', group], { encoding: 'utf8' });
  for (const line of text.split('\n').slice(1)) {
    const name = line.trim();
    if (name === '' || name.startsWith('#')) continue;
    if (name.startsWith('@')) for (const n of groupNames(name, seen)) out.add(n);
    else out.add(name);
  }
  return out;
}

function names(entries: string): Set<string> {
  const out = new Set<string>();
  for (const e of entries.split(/\s+/).filter((w) => w !== '')) {
    if (e.startsWith('@')) for (const n of groupNames(e)) out.add(n);
    else out.add(e);
  }
  return out;
}

/** SystemCallFilter lines as systemd reads them: the first an allow list, `~` lines remove. */
function allowedSyscalls(s: Map<string, string[]>): Set<string> {
  const [first, ...rest] = s.get('SystemCallFilter') ?? [];
  if (first === undefined || first.startsWith('~')) throw new Error('SystemCallFilter must start with an allow list');
  const allowed = names(first);
  for (const line of rest) {
    if (!line.startsWith('~')) throw new Error(`only removals after the allow list: ${line}`);
    for (const n of names(line.slice(1))) allowed.delete(n);
  }
  return allowed;
}

function addressFamilies(s: Map<string, string[]>): number[] {
  return setting(s, 'RestrictAddressFamilies')
    .split(/\s+/)
    .map((f) => {
      const n = FAMILIES[f];
      if (n === undefined) throw new Error(`unknown address family ${f}`);
      return n;
    });
}

/** One classic-BPF instruction: u16 code, u8 jt, u8 jf, u32 k. */
function insn(code: number, k: number, jt = 0, jf = 0): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(code, 0);
  b.writeUInt8(jt, 2);
  b.writeUInt8(jf, 3);
  b.writeUInt32LE(k >>> 0, 4);
  return b;
}
const LD_ABS = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const RET = 0x06;

/**
 * The seccomp program: other architectures killed (SystemCallArchitectures=native, x32
 * included), socket() only for the allowed families (EAFNOSUPPORT, as systemd answers),
 * the allowed syscalls, and the configured errno for everything else.
 */
function seccompProgram(s: Map<string, string[]>): Buffer {
  if (process.arch !== 'x64') throw new Error(`the seccomp emulation knows x86_64 only, not ${process.arch}`);
  if (setting(s, 'SystemCallArchitectures') !== 'native') throw new Error('expected SystemCallArchitectures=native');
  const errno = ERRNO[setting(s, 'SystemCallErrorNumber')];
  if (errno === undefined) throw new Error('unknown SystemCallErrorNumber');
  const numbers = syscallNumbers();
  const allowed = [...allowedSyscalls(s)].flatMap((n) => {
    const nr = numbers.get(n);
    return nr === undefined || nr === NR_SOCKET_X86_64 ? [] : [nr];
  });
  const families = addressFamilies(s);
  const socketBlock = [
    insn(LD_ABS, 16), // args[0], low 32 bits
    ...families.flatMap((f) => [insn(JEQ, f, 0, 1), insn(RET, SECCOMP_RET_ALLOW)]),
    insn(RET, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
  ];
  const prog = [
    insn(LD_ABS, 4), // arch
    insn(JEQ, AUDIT_ARCH_X86_64, 1, 0),
    insn(RET, SECCOMP_RET_KILL_PROCESS),
    insn(LD_ABS, 0), // nr
    insn(JGE, X32_SYSCALL_BIT, 0, 1),
    insn(RET, SECCOMP_RET_KILL_PROCESS),
    insn(JEQ, NR_SOCKET_X86_64, 0, socketBlock.length),
    ...socketBlock,
    ...allowed.flatMap((nr) => [insn(JEQ, nr, 0, 1), insn(RET, SECCOMP_RET_ALLOW)]),
    insn(RET, SECCOMP_RET_ERRNO | errno),
  ];
  return Buffer.concat(prog);
}

/** Installs the filter given in hex (after no_new_privs, as unprivileged seccomp needs), then execs. */
const INSTALL_SECCOMP = `
import ctypes, os, sys
prog = bytes.fromhex(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
buf = ctypes.create_string_buffer(prog, len(prog))
fprog = SockFprog(len(prog) // 8, ctypes.addressof(buf))
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
    sys.exit("seccomp: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[2], sys.argv[2:])
`;

/**
 * Root, inside `unshare --mount`: the install layout the unit expects, then the file
 * system as the unit leaves it, then the user, capabilities and seccomp filter.
 */
const MOUNTS = `
set -eu
root="$1"; modules="$2"; uid="$3"; python="$4"; install_seccomp="$5"; filter="$6"; shift 6
mount -t tmpfs -o mode=755 tmpfs /opt
mkdir -p /opt/listenq-exporter/dist /opt/listenq-exporter/build /opt/listenq-exporter/node_modules
touch /opt/listenq-exporter/package.json
mount --bind "$root/dist" /opt/listenq-exporter/dist
mount --bind "$root/build" /opt/listenq-exporter/build
mount --bind "$modules" /opt/listenq-exporter/node_modules
mount --bind "$root/package.json" /opt/listenq-exporter/package.json
umount -R -l /dev
mount -t tmpfs -o mode=755,nosuid tmpfs /dev
for node in null:3 zero:5 full:7 random:8 urandom:9; do mknod -m 666 "/dev/\${node%:*}" c 1 "\${node#*:}"; done
umount -R -l /proc
mount -t proc -o nosuid,nodev,noexec,hidepid=invisible proc /proc
# ProtectKernelTunables: the kernel's knobs read-only, the process's own files (uid_map) not.
for p in /proc/sys /proc/sysrq-trigger /proc/irq /proc/bus /proc/fs /proc/acpi /proc/latency_stats /proc/timer_list; do
  if [ -e "$p" ]; then mount --bind "$p" "$p"; fi
done
# A mount that cannot be made read-only stays writable: the test reads mountinfo to catch it.
for mp in $(awk '$5 != "/proc" {print $5}' /proc/self/mountinfo | sort -u); do mount -o remount,bind,ro "$mp" 2>/dev/null || true; done
for t in /tmp /var/tmp; do mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$t"; done
for h in /home /root /run/user; do if [ -d "$h" ]; then mount -t tmpfs -o ro,mode=000 tmpfs "$h"; fi; done
umask 077
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all --ambient-caps=-all --bounding-set=-all --no-new-privs -- \
  unshare --user --map-current-user --keep-caps -- \
  setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$python" -c "$install_seccomp" "$filter" "$@"
`;

/** PATH as systemd sets it for services. */
export const SERVICE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

/** argv that runs `command` under the unit's restrictions. */
export function sandboxed(s: Map<string, string[]>, command: readonly string[]): string[] {
  const filter = seccompProgram(s).toString('hex');
  return [
    'unshare', '--mount', '--propagation', 'private', 'sh', '-c', MOUNTS, 'sandbox',
    REPO, realpathSync(`${REPO}/node_modules`), String(DYNAMIC_UID), SYSTEM_PYTHON, INSTALL_SECCOMP, filter, ...command,
  ];
}

/** For startExporter: replaces its `node dist/main.js` with the unit's ExecStart, keeps its flags. */
export function unitLauncher(s: Map<string, string[]>): Launcher {
  return ([, , ...flags]) => sandboxed(s, [...execStart(s), ...flags]);
}
