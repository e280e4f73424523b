/**
 * Builds the Dockerfile for real (buildah, bases made locally by image-base.ts because Docker
 * Hub is unreachable) and runs the image as a pod would: read-only root, numeric non-root
 * user, its own PID namespace, inside a network namespace shared with a listener that holds
 * a full accept queue, exactly like the sidecar next to an app; then as the chart's node-wide
 * DaemonSet runs it (rendered with real helm): host PID namespace, the host's /proc mounted
 * where the chart mounts it, root with only SYS_PTRACE and SYS_ADMIN. Missing tooling fails
 * the suite with a message saying what to install; it is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHelm } from '../../scripts/packaging/helm.js';
import { buildImage } from '../../scripts/packaging/image-build.js';
import { withLock } from '../../scripts/packaging/fs-safety.js';
import { baseRefsFromDockerfile, CACHE_DIR, checkTooling, prepareBaseImages } from '../../scripts/packaging/image-base.js';
import { DOCKERFILE, REPO_ROOT } from '../../scripts/packaging/paths.js';
import { type MountedImage, mountImage, type NodeWide, type RunningContainer, runContainer } from '../../scripts/packaging/run-container.js';
import { httpGet, scrapeMetrics } from '../support/exporter.js';
import { pick, valueOf } from '../../lab/exposition.js';
import { connectClients, createNetns, listen, type Netns, netnsInode, waitFor } from '../../lab/netns.js';
import { type IDaemonSet, render, withImage } from './chart-support.js';

const IMAGE = 'localhost/listenq-exporter:test';
const PORT = 9839;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean }>;
};
// Read once: other commits may land while the suite runs.
const revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];
const debianBuild = /^ARG DEBIAN_BUILD=(\S+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];
const RUNTIME_BASE = `docker.io/library/debian:bookworm-${debianBuild}-slim`;

const timings: Record<string, number> = {};
async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await f();
  } finally {
    timings[what] = (Date.now() - t) / 1000;
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

let image: MountedImage;

beforeAll(async () => {
  const t0 = Date.now();
  const log = (s: string) => console.log(`[image test] ${s}`);
  await checkTooling();
  await mkdir(CACHE_DIR, { recursive: true });
  // Other test runs on this machine share the bases and the image tag: one at a time until
  // this run has its own mounted copy of the image.
  await withLock(join(CACHE_DIR, 'image-test.lock'), 30 * 60_000, async () => {
    await timed('bases', () => prepareBaseImages(undefined, log));
    await timed('build', () =>
      buildImage({
        tag: IMAGE,
        // The commit time, not now: rebuilding an unchanged commit then reuses every layer.
        buildArgs: { VERSION: pkg.version, REVISION: revision, CREATED: git('log', '-1', '--format=%cI') },
      }),
    );
    image = await mountImage(IMAGE);
  }, log);
  timings.setup = (Date.now() - t0) / 1000;
}, 35 * 60_000);

afterAll(async () => {
  await image?.dispose();
  const mb = image ? (image.config.sizeBytes / 1e6).toFixed(1) : '?';
  console.log(`[image test] image ${IMAGE} ${mb} MB; seconds: ${JSON.stringify(timings)}`);
});

describe('image metadata', () => {
  it('uses the pinned bases the Dockerfile names', () => {
    const refs = baseRefsFromDockerfile(readFileSync(DOCKERFILE, 'utf8'));
    expect(refs).toEqual([`docker.io/library/node:${nodeVersion}-bookworm-slim`, RUNTIME_BASE]);
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    // A dated build of Debian's official image, which is published once and never moved.
    expect(debianBuild).toMatch(/^20\d{6}$/);
  });

  it('runs node dist/main.js as a numeric non-root user, exposes 9839 and stops on SIGTERM', () => {
    const c = image.config;
    expect(c.user).toMatch(/^\d+:\d+$/);
    expect(c.user.split(':').map(Number).every((id) => id > 0)).toBe(true);
    expect(c.entrypoint).toEqual(['/usr/local/bin/node', '/app/dist/main.js']);
    expect(c.exposedPorts).toEqual([`${PORT}/tcp`]);
    expect(c.stopSignal).toBe('SIGTERM');
    expect(c.env).toContain('NODE_ENV=production');
  });

  it('carries the OCI labels', () => {
    const l = image.config.labels;
    expect(l['org.opencontainers.image.title']).toBe('listenq-exporter');
    expect(l['org.opencontainers.image.version']).toBe(pkg.version);
    expect(l['org.opencontainers.image.revision']).toBe(revision);
    expect(l['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(l['org.opencontainers.image.licenses']).toBe('Apache-2.0');
    expect(l['org.opencontainers.image.base.name']).toBe(RUNTIME_BASE);
    expect(l['org.opencontainers.image.description']).toBeTruthy();
  });

  it('is small: under 250 MB unpacked', () => {
    // Debian slim ~78 MB + node ~121 MB + production node_modules ~22 MB + iproute2.
    expect(image.config.sizeBytes).toBeLessThan(250e6);
  });
});

describe('image contents', () => {
  const inImage = (p: string) => join(image.rootfs, p);

  it('holds exactly the production dependencies of the lockfile', () => {
    const wanted = Object.entries(lock.packages)
      .filter(([path, meta]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !meta.dev)
      .map(([path]) => path.slice('node_modules/'.length))
      .sort();
    const found: string[] = [];
    for (const name of readdirSync(inImage('app/node_modules'))) {
      if (name.startsWith('.')) continue;
      if (name.startsWith('@')) for (const sub of readdirSync(inImage(`app/node_modules/${name}`))) found.push(`${name}/${sub}`);
      else found.push(name);
    }
    expect(found.sort()).toEqual(wanted);
  });

  it('has the compiled app and the native addon, and no sources, tests, npm or build leftovers', () => {
    expect(existsSync(inImage('app/dist/main.js'))).toBe(true);
    expect(statSync(inImage('app/build/listenq_netlink.node')).isFile()).toBe(true);
    for (const p of ['app/src', 'app/test', 'app/tsconfig.json', 'usr/local/bin/npm', 'usr/local/lib/node_modules', 'opt/tsc', 'root/.npmrc', 'root/build-ca.crt']) {
      expect(existsSync(inImage(p)), p).toBe(false);
    }
  });

  it('has ss from iproute2 and nsenter (for --namespaces=all), and the app is not writable by its user', () => {
    expect(statSync(inImage('usr/bin/ss')).mode & 0o111).not.toBe(0);
    expect(statSync(inImage('usr/bin/nsenter')).mode & 0o111).not.toBe(0);
    const st = statSync(inImage('app/dist/main.js'));
    expect(st.uid).toBe(0);
    expect(st.mode & 0o022).toBe(0);
  });
});

describe('running the image', () => {
  let ns: Netns;
  let exporter: RunningContainer;

  beforeAll(async () => {
    ns = await createNetns('lq-img');
  });

  afterAll(async () => {
    if (exporter && exporter.child.exitCode === null) exporter.child.kill('SIGKILL');
    await ns?.destroy();
  });

  it('gives the entrypoint PID 1, the image user, no capabilities and a read-only root', async () => {
    const c = runContainer(image, {
      netns: `/run/netns/${ns.name}`,
      command: ['/bin/sh', '-c', 'echo pid=$$; id -u; id -g; grep ^CapEff /proc/self/status; touch /app/x /tmp/x 2>&1; true'],
    });
    expect(await c.exited, c.stderr()).toBe(0);
    const out = c.stdout();
    expect(out).toContain('pid=1\n65532\n65532\n');
    expect(out).toMatch(/CapEff:\s+0+\n/);
    expect(out).toContain("cannot touch '/app/x': Read-only file system");
    expect(out).toContain("cannot touch '/tmp/x': Read-only file system");
  });

  it('serves /metrics with the listener series of its network namespace', async () => {
    // A listener with backlog 4 that never accepts, and 10 clients: the kernel shows depth 5.
    const app = await listen(ns, { addr: '127.0.0.1', backlog: 4 });
    await connectClients(ns, '127.0.0.1', app.port, 10);
    exporter = runContainer(image, { netns: `/run/netns/${ns.name}`, args: ['--sample.interval=200ms'] });
    await timed('start to ready', () =>
      waitFor(
        'exporter in the image to answer /readyz',
        async () => {
          if (exporter.child.exitCode !== null) throw new Error(`exited ${exporter.child.exitCode}: ${exporter.stdout()} ${exporter.stderr()}`);
          return (await httpGet(ns, PORT, '/readyz')).status === 200 ? true : undefined;
        },
        20_000,
      ),
    );
    expect((await httpGet(ns, PORT, '/healthz')).status).toBe(200);
    const labels = { port: String(app.port), address: '127.0.0.1' };
    const samples = await waitFor('accept queue of the test listener', async () => {
      const s = await scrapeMetrics(ns, PORT);
      return valueOf(s, 'listenq_accept_queue_length', labels) === 5 ? s : undefined;
    });
    // The limit and per-listener drops come from sock_diag: the image's addon loads and
    // answers, as the non-root user without capabilities, and ss is never needed.
    expect(valueOf(samples, 'listenq_source_up', { source: 'sock_diag' })).toBe(1);
    expect(pick(samples, 'listenq_source_up', { source: 'ss' })).toEqual([]);
    expect(valueOf(samples, 'listenq_accept_queue_limit', labels)).toBe(4);
    expect(samples.some((s) => s.name === 'listenq_accept_queue_limit' && s.labels.port === String(PORT))).toBe(true);
    const drops = await waitFor('drops of the test listener', async () => {
      const v = valueOf(await scrapeMetrics(ns, PORT), 'listenq_listener_drops_total', labels);
      return v !== undefined && v > 0 ? v : undefined;
    });
    expect(drops).toBeGreaterThan(0);
    const build = samples.find((s) => s.name === 'listenq_build_info');
    expect(build?.labels.version).toBe(pkg.version);
    expect(build?.labels.nodejs).toContain(nodeVersion);
  });

  it('exits 0 promptly on SIGTERM as PID 1', async () => {
    expect(exporter, 'the exporter container from the previous test').toBeDefined();
    const pid = await exporter.pid1();
    // PID 1 of its namespace: the kernel drops signals it has no handler for.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^NSpid:\s+\d+\s+(\d+)$/m.exec(status)?.[1]).toBe('1');
    const t = Date.now();
    process.kill(pid, 'SIGTERM');
    const code = await Promise.race([exporter.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 8000))]);
    timings['SIGTERM to exit'] = (Date.now() - t) / 1000;
    expect(code, exporter.stdout().slice(-2000)).toBe(0);
    expect(Date.now() - t).toBeLessThan(6000);
  });
});

/** The chart's node-wide DaemonSet, rendered by real helm: what the container gets. */
async function chartNodeWide(): Promise<{ hostPID: boolean; args: string[]; nodeWide: NodeWide; hostPath: string | undefined; user: number | undefined }> {
  const helm = await openHelm();
  try {
    // The pod's own network namespace (a test namespace) rather than the node's, so the test's
    // traffic stays off the host network; everything else is as the chart renders it.
    const values = withImage({ mode: 'daemonset', daemonset: { allNamespaces: true, hostNetwork: false, hostProc: { enabled: true } } });
    const ds = (await render(helm, values)).find((o) => o.kind === 'DaemonSet') as IDaemonSet | undefined;
    const pod = ds?.spec?.template.spec;
    const ctr = pod?.containers.find((c) => c.name === 'listenq-exporter');
    if (!pod || !ctr) throw new Error('the chart rendered no DaemonSet with the exporter container');
    const mount = ctr.volumeMounts?.find((m) => m.name === 'host-proc');
    const volume = pod.volumes?.find((v) => v.name === 'host-proc');
    if (!mount) throw new Error('the chart mounts no host-proc volume in node-wide mode');
    expect(mount.readOnly).toBe(true);
    expect(ctr.securityContext?.capabilities?.drop).toEqual(['ALL']);
    return {
      hostPID: pod.hostPID === true,
      args: ctr.args ?? [],
      nodeWide: { hostProcMount: mount.mountPath, capabilities: ctr.securityContext?.capabilities?.add ?? [] },
      hostPath: volume?.hostPath?.path,
      user: ctr.securityContext?.runAsUser,
    };
  } finally {
    await helm.dispose();
  }
}

describe('running the image node-wide, as the chart\'s DaemonSet does', () => {
  let podNs: Netns;
  let appNs: Netns;
  let exporter: RunningContainer | undefined;

  beforeAll(async () => {
    podNs = await createNetns('lq-imgpod');
    appNs = await createNetns('lq-imgapp');
  });

  afterAll(async () => {
    if (exporter && exporter.child.exitCode === null) exporter.child.kill('SIGKILL');
    await appNs?.destroy();
    await podNs?.destroy();
  });

  it('reports a listener in another network namespace under its netns label, with limit and drops from sock_diag there', async () => {
    const chart = await chartNodeWide();
    expect(chart.hostPID).toBe(true);
    expect(chart.hostPath).toBe('/proc');
    expect(chart.user).toBe(0);
    expect([...chart.nodeWide.capabilities].sort()).toEqual(['SYS_ADMIN', 'SYS_PTRACE']);
    expect(chart.args).toContain('--namespaces=all');
    expect(chart.args).toContain(`--path.procfs=${chart.nodeWide.hostProcMount}`);

    // An app in a namespace of its own: backlog 3, never accepting, 10 clients: depth 4.
    const app = await listen(appNs, { addr: '127.0.0.1', backlog: 3 });
    await connectClients(appNs, '127.0.0.1', app.port, 10);
    const c = runContainer(image, { netns: `/run/netns/${podNs.name}`, args: [...chart.args, '--sample.interval=200ms'], nodeWide: chart.nodeWide });
    exporter = c;
    const sel = { netns: netnsInode(appNs), port: String(app.port), address: '127.0.0.1' };
    const m = await timed('node-wide start to listener', () =>
      waitFor(
        'the app namespace\'s listener with its limit and drops',
        async () => {
          if (c.child.exitCode !== null) throw new Error(`exited ${c.child.exitCode}: ${c.stdout()} ${c.stderr()}`);
          const s = await scrapeMetrics(podNs, PORT).catch(() => undefined);
          if (!s || valueOf(s, 'listenq_accept_queue_length', sel) !== 4) return undefined;
          return (valueOf(s, 'listenq_listener_drops_total', sel) ?? 0) > 0 ? s : undefined;
        },
        30_000,
      ),
    );
    // The limit needs setns into the app's namespace (CAP_SYS_ADMIN, through the host /proc).
    expect(valueOf(m, 'listenq_accept_queue_limit', sel)).toBe(3);
    expect(valueOf(m, 'listenq_source_up', { source: 'sock_diag' })).toBe(1);
    expect(valueOf(m, 'listenq_listen_overflows_total', { netns: sel.netns })).toBeGreaterThan(0);
    // Only the app's socket in that namespace, and the exporter's own namespace is there too.
    expect(pick(m, 'listenq_accept_queue_length', { netns: sel.netns })).toHaveLength(1);
    expect(pick(m, 'listenq_accept_queue_limit', { netns: netnsInode(podNs), port: String(PORT) })).toHaveLength(1);

    // The process runs as root with exactly the two capabilities the chart adds.
    const pid = await c.pid1();
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Uid:\s+0\s/m.test(status)).toBe(true);
    // CAP_SYS_PTRACE is bit 19, CAP_SYS_ADMIN bit 21.
    expect(/^CapEff:\s+(\S+)$/m.exec(status)?.[1]).toBe((2 ** 19 + 2 ** 21).toString(16).padStart(16, '0'));
    expect(/^NoNewPrivs:\s+1$/m.test(status)).toBe(true);

    process.kill(pid, 'SIGTERM');
    expect(await c.exited, c.stdout().slice(-2000)).toBe(0);
  });
});
