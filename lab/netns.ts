/**
 * Real network namespaces for kernel tests. Each test gets its own namespace, so kernel
 * counters start at zero and no other test or host socket interferes. Only the network
 * namespace is entered (nsenter --net) so mounts stay as in production.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const QUEUE_HELPER = fileURLToPath(new URL('./queue-helper.py', import.meta.url));
/** Runs a command where socket(AF_NETLINK) is refused (seccomp); needs Debian's python3-seccomp. */
export const NO_NETLINK = fileURLToPath(new URL('./no-netlink.py', import.meta.url));

/** Absolute, so a test can run a program inside with a PATH that lacks tools. */
const NSENTER = execFileSync('sh', ['-c', 'command -v nsenter'], { encoding: 'utf8' }).trim();

/** The real interpreter: version-manager shims cost about a second per start. */
export const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

export interface Netns {
  readonly name: string;
  /** argv prefix that runs a program inside the namespace. */
  readonly enter: readonly string[];
  run(argv: readonly string[]): Promise<string>;
  start(argv: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess;
  sysctl(key: string, value: string): Promise<void>;
  destroy(): Promise<void>;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  /** Resolves with the next stdout line. */
  nextLine(timeoutMs?: number): Promise<string>;
  stderr(): string;
  stop(): Promise<void>;
}

export async function createNetns(prefix = 'lq-test'): Promise<Netns> {
  const name = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await execFileP('ip', ['netns', 'add', name]);
    await execFileP('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (err) {
    throw new Error(
      `cannot create network namespace ${name} (kernel tests need root and iproute2): ${String(err)}`,
    );
  }
  const enter = [NSENTER, `--net=/run/netns/${name}`] as const;
  const started = new Set<ManagedProcess>();
  const ns: Netns = {
    name,
    enter,
    async run(argv) {
      const [cmd, ...args] = [...enter, ...argv];
      const { stdout } = await execFileP(cmd!, args, { maxBuffer: 64 << 20 });
      return stdout;
    },
    start(argv, env) {
      const p = startProcess([...enter, ...argv], env);
      started.add(p);
      return p;
    },
    async sysctl(key, value) {
      await ns.run(['sysctl', '-q', '-w', `${key}=${value}`]);
    },
    async destroy() {
      await Promise.all([...started].map((p) => p.stop()));
      await execFileP('ip', ['netns', 'del', name]).catch(() => undefined);
    },
  };
  return ns;
}

export function startProcess(argv: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: env ?? process.env,
  });
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let stderrText = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderrText.length < 1 << 20) stderrText += d.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else lines.push(line);
  });
  child.on('error', (err) => {
    stderrText += `spawn failed: ${err.message}\n`;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return {
    child,
    nextLine(timeoutMs = 10_000) {
      const queued = lines.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no output from ${argv.join(' ')} in ${timeoutMs} ms; stderr: ${stderrText}`)),
          timeoutMs,
        );
        waiters.push((line) => {
          clearTimeout(t);
          resolve(line);
        });
      });
    },
    stderr: () => stderrText,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

export interface Listener {
  readonly port: number;
  readonly process: ManagedProcess;
}

/** Applies a listener's `relisten`/`laterDevice` change now and waits until it is done. */
export async function changeListener(l: Listener): Promise<void> {
  l.process.child.stdin?.write('\n');
  await l.process.nextLine();
}

export interface ListenOptions {
  addr: string;
  backlog: number;
  port?: number;
  reuseport?: number;
  v6only?: 0 | 1;
  device?: string;
  /** Waits for a line on stdin (see `change`), then calls listen() again with this backlog. */
  relisten?: number;
  /** Waits for a line on stdin, then binds the listening sockets to this device. */
  laterDevice?: string;
  deferAccept?: number;
}

/** A listener that never accepts, held by a helper process inside the namespace. */
export async function listen(ns: Netns, o: ListenOptions): Promise<Listener> {
  const argv = [PYTHON, QUEUE_HELPER, 'listen', '--addr', o.addr, '--backlog', String(o.backlog)];
  if (o.port !== undefined) argv.push('--port', String(o.port));
  if (o.reuseport) argv.push('--reuseport', String(o.reuseport));
  if (o.v6only !== undefined) argv.push('--v6only', String(o.v6only));
  if (o.device) argv.push('--device', o.device);
  if (o.relisten !== undefined) argv.push('--relisten', String(o.relisten));
  if (o.laterDevice !== undefined) argv.push('--later-device', o.laterDevice);
  if (o.deferAccept) argv.push('--defer-accept', String(o.deferAccept));
  const p = ns.start(argv);
  const first = JSON.parse(await p.nextLine()) as { port: number };
  return { port: first.port, process: p };
}

/**
 * A veth pair between two namespaces, `a` with 10.201.0.1/24 and `b` with 10.201.0.2/24:
 * packets between them cross a real device, as a pod's do, instead of loopback.
 * Returns a's address. The pair goes away with either namespace.
 */
export async function vethBetween(a: Netns, b: Netns): Promise<string> {
  const [ea, eb] = ['lqa', 'lqb'].map((p) => `${p}${randomBytes(3).toString('hex')}`) as [string, string];
  await execFileP('ip', ['-n', a.name, 'link', 'add', ea, 'type', 'veth', 'peer', 'name', eb, 'netns', b.name]);
  for (const [ns, dev, addr] of [[a, ea, '10.201.0.1/24'], [b, eb, '10.201.0.2/24']] as const) {
    await execFileP('ip', ['-n', ns.name, 'addr', 'add', addr, 'dev', dev]);
    await execFileP('ip', ['-n', ns.name, 'link', 'set', dev, 'up']);
  }
  return '10.201.0.1';
}

/** COUNT client connections to addr:port, held open by a helper process. */
export async function connectClients(ns: Netns, addr: string, port: number, count: number): Promise<ManagedProcess> {
  const p = ns.start([PYTHON, QUEUE_HELPER, 'connect', '--addr', addr, '--port', String(port), '--count', String(count)]);
  const line = await p.nextLine();
  if (line !== 'ready') throw new Error(`connect helper said ${line}`);
  return p;
}

/** Reads a TcpExt counter of the namespace straight from the kernel. */
export async function tcpExtCounter(ns: Netns, field: string): Promise<number> {
  const text = await ns.run(['cat', '/proc/net/netstat']);
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const i = names.indexOf(field);
  if (i < 0) throw new Error(`no TcpExt field ${field}`);
  return Number(values[i]);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * The namespace the tests run in, for an exporter that must watch the others from outside
 * (--namespaces=all). Its HTTP traffic stays on 127.0.0.1.
 */
export function hostNamespace(): Netns {
  const started = new Set<ManagedProcess>();
  return {
    name: 'host',
    enter: [],
    async run(argv) {
      const [cmd, ...args] = argv;
      const { stdout } = await execFileP(cmd!, args, { maxBuffer: 64 << 20 });
      return stdout;
    },
    start(argv, env) {
      const p = startProcess(argv, env);
      started.add(p);
      return p;
    },
    async sysctl() {
      throw new Error('tests never change the host namespace\'s sysctls');
    },
    async destroy() {
      await Promise.all([...started].map((p) => p.stop()));
    },
  };
}

/** The inode of a test namespace: the id the exporter labels it with. */
export function netnsInode(ns: Netns): string {
  return String(statSync(`/run/netns/${ns.name}`).ino);
}
