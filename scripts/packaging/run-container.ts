/**
 * Runs a built image the way a Kubernetes pod with the chart's security settings would, with
 * only util-linux and coreutils: `podman run` cannot start containers on these machines
 * (crun refuses the hybrid cgroup layout and setrlimit), and `buildah run --isolation=chroot`
 * shares the host's PID namespace and leaves the root filesystem writable, so it could not
 * show the two things under test: PID 1 signal handling and a read-only root.
 *
 * The container gets: the image's root filesystem bind-mounted read-only, its own mount and
 * PID namespaces (the entrypoint is PID 1), a fresh /proc, a read-only /sys with cgroup2, a minimal
 * /dev, the network namespace given by the caller (a pod's, in effect), the image's numeric
 * user with no capabilities and no_new_privs set, and exactly the image's Env, WorkingDir and Entrypoint.
 *
 * `nodeWide` runs it as the chart's DaemonSet with daemonset.allNamespaces does instead: the
 * host's PID namespace (hostPID), the host's /proc bind-mounted read-only at the chart's
 * hostProc.mountPath, and root with only SYS_PTRACE and SYS_ADMIN (capabilities drop ALL,
 * add both). The capabilities are set by the image's own setpriv (util-linux, essential in
 * Debian) after the chroot, since chroot itself needs a capability the container must not keep.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface ImageConfig {
  readonly user: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly exposedPorts: readonly string[];
  readonly stopSignal: string | undefined;
  readonly sizeBytes: number;
}

interface PodmanInspect {
  Size: number;
  Config: {
    User?: string;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, unknown> | null;
    StopSignal?: string;
  };
}

export async function inspectImage(ref: string): Promise<ImageConfig> {
  const { stdout } = await execFileP('podman', ['image', 'inspect', ref]);
  const [img] = JSON.parse(stdout) as PodmanInspect[];
  if (!img) throw new Error(`podman image inspect ${ref} returned nothing`);
  const c = img.Config;
  return {
    user: c.User ?? '',
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir || '/',
    labels: c.Labels ?? {},
    exposedPorts: Object.keys(c.ExposedPorts ?? {}),
    stopSignal: c.StopSignal,
    sizeBytes: img.Size,
  };
}

export interface MountedImage {
  readonly ref: string;
  readonly rootfs: string;
  readonly config: ImageConfig;
  dispose(): Promise<void>;
}

/** A working container of the image, mounted; its rootfs is only ever exposed read-only. */
export async function mountImage(ref: string): Promise<MountedImage> {
  const config = await inspectImage(ref);
  const ctr = (await execFileP('buildah', ['from', '--pull=never', ref])).stdout.trim();
  try {
    const rootfs = (await execFileP('buildah', ['mount', ctr])).stdout.trim();
    return {
      ref,
      rootfs,
      config,
      async dispose() {
        await execFileP('buildah', ['umount', ctr]).catch(() => undefined);
        await execFileP('buildah', ['rm', ctr]).catch(() => undefined);
      },
    };
  } catch (err) {
    await execFileP('buildah', ['rm', ctr]).catch(() => undefined);
    throw err;
  }
}

// Runs as root in the new mount (and PID) namespaces, then execs the entrypoint, as PID 1
// unless the host's PID namespace is shared.
const SETUP = `
set -eu
root=$1; user=$2; cwd=$3; hostproc=$4; caps=$5; shift 5
mount --bind "$root" "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
# Containers see a cgroup2 mount; without one, ss -e complains per socket and runs slower.
mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
mount -t tmpfs -o nosuid,noexec,mode=755,size=64k tmpfs "$root/dev"
for d in null zero full random urandom; do : > "$root/dev/$d"; mount --bind "/dev/$d" "$root/dev/$d"; done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"
if [ -n "$hostproc" ]; then
  # The mount point goes into the container's own layer, as a runtime would create it.
  mkdir -p "$root$hostproc"
  mount --bind /proc "$root$hostproc"
  mount -o remount,bind,ro,nosuid,nodev,noexec "$root$hostproc"
fi
mount -o remount,bind,ro,nosuid,nodev "$root"
if [ -n "$caps" ]; then
  exec chroot --userspec="$user" "$root" /usr/bin/setpriv --no-new-privs --inh-caps=-all,"$caps" --bounding-set=-all,"$caps" \
    /usr/bin/env -i -C "$cwd" "$@"
fi
exec setpriv --no-new-privs chroot --userspec="$user" "$root" /usr/bin/env -i -C "$cwd" "$@"
`;

/** The chart's node-wide DaemonSet (daemonset.allNamespaces with hostProc enabled). */
export interface NodeWide {
  /** Where the host's /proc is mounted in the container (daemonset.hostProc.mountPath). */
  readonly hostProcMount: string;
  /** Capabilities added after dropping all, as Kubernetes names them, e.g. SYS_ADMIN. */
  readonly capabilities: readonly string[];
}

export interface RunOptions {
  /** Network namespace file to run in, e.g. /run/netns/NAME. */
  readonly netns: string;
  /** Replaces the image's Cmd after its Entrypoint. */
  readonly args?: readonly string[];
  /** Replaces Entrypoint and Cmd altogether. */
  readonly command?: readonly string[];
  /** Run as the node-wide DaemonSet: host PID namespace, host /proc, root with these capabilities. */
  readonly nodeWide?: NodeWide;
}

export interface RunningContainer {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with unshare's exit code, which is the container PID 1's exit code. */
  readonly exited: Promise<number | null>;
  /** Host PID of the container's PID 1. */
  pid1(): Promise<number>;
}

export function runContainer(image: MountedImage, opts: RunOptions): RunningContainer {
  const c = image.config;
  const nodeWide = opts.nodeWide;
  const user = nodeWide ? '0:0' : c.user;
  if (!/^\d+(:\d+)?$/.test(user)) throw new Error(`image user ${JSON.stringify(user)} is not numeric`);
  if (nodeWide && !/^\/[\w/.-]+$/.test(nodeWide.hostProcMount)) throw new Error(`bad host /proc mount path ${nodeWide.hostProcMount}`);
  for (const cap of nodeWide?.capabilities ?? []) if (!/^[A-Z_]+$/.test(cap)) throw new Error(`bad capability ${cap}`);
  const caps = (nodeWide?.capabilities ?? []).map((cap) => `+${cap.toLowerCase()}`).join(',');
  const argv = opts.command ?? [...c.entrypoint, ...(opts.args ?? c.cmd)];
  const child = spawn(
    'nsenter',
    [
      `--net=${opts.netns}`,
      'unshare',
      '--mount',
      ...(nodeWide ? [] : ['--pid']),
      '--fork',
      '--uts',
      '--ipc',
      '--propagation',
      'private',
      '--kill-child',
      'sh',
      '-c',
      SETUP,
      'sh',
      image.rootfs,
      user.includes(':') ? user : `${user}:${user}`,
      c.workingDir,
      nodeWide?.hostProcMount ?? '',
      caps,
      ...c.env,
      ...argv,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (out.length < 1 << 20) out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (err.length < 1 << 20) err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async pid1() {
      const deadline = Date.now() + 5000;
      for (;;) {
        const kids = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '');
        const pid = Number(kids.trim().split(/\s+/)[0]);
        if (pid > 0) return pid;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`container did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
