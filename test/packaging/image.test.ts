/**
 * Builds the Dockerfile for real (buildah, bases made locally by image-base.ts because Docker
 * Hub is unreachable) and runs the image as a pod would: read-only root, numeric non-root
 * user, its own PID namespace, inside a network namespace shared with a listener that holds
 * a full accept queue, exactly like the sidecar next to an app. Missing tooling fails the
 * suite with a message saying what to install; it is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../scripts/packaging/image-build.js';
import { withLock } from '../../scripts/packaging/fs-safety.js';
import { baseRefsFromDockerfile, CACHE_DIR, checkTooling, prepareBaseImages } from '../../scripts/packaging/image-base.js';
import { DOCKERFILE, REPO_ROOT } from '../../scripts/packaging/paths.js';
import { type MountedImage, mountImage, type RunningContainer, runContainer } from '../../scripts/packaging/run-container.js';
import { httpGet, scrapeMetrics, valueOf } from '../support/exporter.js';
import { connectClients, createNetns, listen, type Netns, waitFor } from '../support/netns.js';

const IMAGE = 'localhost/listenq-exporter:test';
const PORT = 9839;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean }>;
};
// Read once: other commits may land while the suite runs.
const revision = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const nodeVersion = /^ARG NODE_VERSION=(\S+)$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1];

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
    expect(refs).toEqual([`docker.io/library/node:${nodeVersion}-bookworm-slim`, 'docker.io/library/debian:bookworm-slim']);
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
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
    expect(l['org.opencontainers.image.base.name']).toBe('docker.io/library/debian:bookworm-slim');
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

  it('has the compiled app and no sources, tests, npm or build leftovers', () => {
    expect(existsSync(inImage('app/dist/main.js'))).toBe(true);
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
    // The limit comes only from ss, so this also shows ss runs inside the image.
    expect(valueOf(samples, 'listenq_accept_queue_limit', labels)).toBe(4);
    expect(samples.some((s) => s.name === 'listenq_accept_queue_limit' && s.labels.port === String(PORT))).toBe(true);
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
